// A party: an organisation with its own credentials (DESIGN §2).
#pragma once

#include <optional>
#include <string>

#include "deconflict/units.hpp"

namespace deconflict {

struct Party {
  std::string id;    // a lowercase slug: "coalition", "russia", "un"
  std::string name;  // for people
  bool admin = false;
  TimePoint created;
  std::optional<TimePoint> revoked;  // a revoked party's token no longer works

  bool active() const { return !revoked.has_value(); }
};

/// One of a party's Ed25519 keys (one per person or device), registered on
/// the record by a party.key.add entry; the party signs its acts with it.
struct PartyKey {
  std::string party;
  std::string public_key;  // 64 hex digits
  std::string name;        // for people: "duty officer", "laptop"
  TimePoint added;
  int64_t added_seq = 0;  // the record entry that registered it
};

/// True for a lowercase slug of 1 to 64 characters: [a-z0-9][a-z0-9_-]*.
bool is_party_id(std::string_view s);

}  // namespace deconflict
