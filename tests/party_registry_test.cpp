// The parties in memory (src/service/party_registry.*): found by id and by
// their token's hash, revoked in place, and never by a hash they no longer hold.
#include "service/party_registry.hpp"

#include <gtest/gtest.h>

namespace deconflict {
namespace {

TEST(PartyRegistry, FindsByIdAndTokenHashAndForgetsAHashNoLongerHeld) {
  PartyRegistry parties;
  parties.remember({"russia", "Russia", false, "hash-1", {}, {}});
  parties.remember({"un", "UN", false, "hash-2", {}, {}});
  ASSERT_NE(parties.by_token_hash("hash-1"), nullptr);
  EXPECT_EQ(parties.by_token_hash("hash-1")->id, "russia");
  EXPECT_TRUE(parties.active("russia"));
  EXPECT_FALSE(parties.revoked("russia"));
  EXPECT_FALSE(parties.active("iran"));   // never registered: neither active
  EXPECT_FALSE(parties.revoked("iran"));  // nor revoked
  EXPECT_EQ(parties.find("iran"), nullptr);

  store::StoredParty revoked = *parties.find("russia");
  revoked.revoked = TimePoint{};
  parties.remember(revoked);
  EXPECT_FALSE(parties.active("russia"));
  EXPECT_TRUE(parties.revoked("russia"));

  store::StoredParty renewed = *parties.find("un");
  renewed.token_hash = "hash-3";
  parties.remember(renewed);
  EXPECT_EQ(parties.by_token_hash("hash-2"), nullptr);  // the old token finds no one
  EXPECT_EQ(parties.by_token_hash("hash-3")->id, "un");
  EXPECT_EQ(parties.all().size(), 2u);
  parties.clear();
  EXPECT_EQ(parties.by_token_hash("hash-3"), nullptr);
}

}  // namespace
}  // namespace deconflict
