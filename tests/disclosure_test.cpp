// The disclosure rules of DESIGN §6.3, tested directly on Disclosures (the
// server suites test them through every endpoint: attack_test.cpp).
#include "service/disclosure.hpp"

#include <gtest/gtest.h>

#include <map>

#include "deconflict/time.hpp"
#include "format/feature_reader.hpp"

namespace deconflict {
namespace {

using nlohmann::json;

PreparedVolume make(json props) {
  props["radius_m"] = 1000;
  if (props["type"] == "activity") {
    props["start"] = "2018-09-07T00:00:00Z";
    props["end"] = "2018-09-08T00:00:00Z";
    props["kind"] = "strike";
  } else {
    props["kind"] = props["type"] == "zone" ? "deconfliction" : "camp";
  }
  auto v = format::read_feature(
      {{"type", "Feature"}, {"geometry", {{"type", "Point"}, {"coordinates", {38.6, 33.5}}}}, {"properties", props}},
      format::kMaxPositions, nullptr, format::ServerFields::zone_answers);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().describe());
  return std::move(*v);
}

class Disclosure : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const json& props :
         {json{{"id", "russia.strike"}, {"type", "activity"}, {"party", "russia"}},
          json{{"id", "un.camp"}, {"type", "site"}, {"party", "un"}},
          json{{"id", "un.clinic"}, {"type", "site"}, {"party", "un"}, {"share", {"coalition"}}},
          json{{"id", "coalition.agreed"},
               {"type", "zone"},
               {"party", "coalition"},
               {"agreed_by", {"russia"}},
               {"accepted", {"russia"}}},
          json{{"id", "coalition.proposal"}, {"type", "zone"}, {"party", "coalition"}, {"agreed_by", {"russia"}}}}) {
      world_.emplace(props["id"].get<std::string>(), make(props));
    }
  }
  const Volume& at(const std::string& id) const { return world_.at(id); }
  Disclosures::Finder finder() const {
    return [this](const std::string& id) -> const Volume* {
      const auto it = world_.find(id);
      return it == world_.end() ? nullptr : &it->second;
    };
  }
  Conflict with(const std::string& id, RuleId rule) const {
    const Volume& v = at(id);
    return {"x.a",
            id,
            v.party,
            rule,
            *parse_rfc3339("2018-09-07T00:00:00Z"),
            *parse_rfc3339("2018-09-08T00:00:00Z"),
            Metres(12.5),
            Metres(2000),
            false};
  }

  std::map<std::string, Volume> world_;
  Disclosures d_;
};

TEST_F(Disclosure, APartySeesItsOwnAgreedZonesSharedSitesAndWhatWasDisclosedToIt) {
  EXPECT_TRUE(d_.visible("russia", at("russia.strike")));
  EXPECT_FALSE(d_.visible("un", at("russia.strike")));
  d_.disclose("un", "russia.strike");
  EXPECT_TRUE(d_.visible("un", at("russia.strike")));
  EXPECT_FALSE(d_.visible("coalition", at("russia.strike")));  // disclosure is to one party
  EXPECT_TRUE(d_.visible("russia", at("un.camp")));            // shared with all
  EXPECT_FALSE(d_.visible("russia", at("un.clinic")));         // shared with the coalition only
  EXPECT_TRUE(d_.visible("coalition", at("un.clinic")));
  d_.disclose("russia", "un.clinic");  // a site is seen only within its share, whatever happened
  EXPECT_FALSE(d_.visible("russia", at("un.clinic")));
  EXPECT_TRUE(d_.visible("un", at("coalition.agreed")));     // agreed: everyone
  EXPECT_FALSE(d_.visible("un", at("coalition.proposal")));  // proposed: its owner and those asked
  EXPECT_TRUE(d_.visible("russia", at("coalition.proposal")));
}

TEST_F(Disclosure, ADryRunKeepsOnlyThePartyAndTheRuleOfWhatIsHidden) {
  std::vector<Conflict> c{with("russia.strike", RuleId::activity_clash), with("un.camp", RuleId::site_hazard),
                          with("un.clinic", RuleId::site_hazard)};
  const auto probes = d_.redact("coalition", c, finder(), Report::dry_run);
  ASSERT_EQ(probes.size(), 1u);  // the strike: the camp is shared with all, the clinic with the coalition
  EXPECT_EQ(probes[0].other_id, "russia.strike");  // the owner is told which
  EXPECT_TRUE(c[0].redacted);
  EXPECT_EQ(c[0].other_id, "");
  EXPECT_EQ(c[0].other_party, "russia");
  EXPECT_EQ(c[0].rule, RuleId::activity_clash);
  EXPECT_EQ(c[0].start, kTimeMin);
  EXPECT_EQ(c[0].end, kTimeMin);
  EXPECT_EQ(c[0].distance.value, 0);
  EXPECT_EQ(c[0].limit.value, 0);
  EXPECT_FALSE(c[1].redacted);
  EXPECT_EQ(c[1].distance.value, 12.5);
  EXPECT_FALSE(c[2].redacted);
}

TEST_F(Disclosure, AStoredReportOfAHiddenSiteKeepsTheSharedWindowAndNoPlace) {
  std::vector<Conflict> c{with("un.clinic", RuleId::site_hazard), with("russia.strike", RuleId::activity_clash)};
  const auto probes = d_.redact("russia", c, finder(), Report::stored);
  EXPECT_EQ(probes.size(), 1u);
  EXPECT_TRUE(c[0].redacted);
  EXPECT_EQ(c[0].other_id, "");
  EXPECT_EQ(c[0].start, *parse_rfc3339("2018-09-07T00:00:00Z"));
  EXPECT_EQ(c[0].limit.value, 0);
  EXPECT_FALSE(c[1].redacted);  // its own
}

TEST_F(Disclosure, WhatTheChangeDisclosesIsNotRedacted) {
  std::vector<Conflict> c{with("russia.strike", RuleId::activity_clash)};
  EXPECT_TRUE(d_.redact("un", c, finder(), Report::stored, {"russia.strike"}).empty());
  EXPECT_EQ(c[0].other_id, "russia.strike");
  std::vector<Conflict> gone{with("russia.strike", RuleId::activity_clash)};
  gone[0].other_id = "no.such";  // a volume that is gone is hidden too
  EXPECT_EQ(d_.redact("un", gone, finder(), Report::dry_run).size(), 1u);
}

}  // namespace
}  // namespace deconflict
