// The conflict rules of DESIGN §5, one behaviour at a time, and the At Tanf
// scenario end to end through the engine.
#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <tuple>

#include "deconflict/time.hpp"
#include "engine/world.hpp"
#include "format/feature_reader.hpp"
#include "geo/bbox.hpp"
#include "geo_reference.hpp"

namespace deconflict::engine {
namespace {

using nlohmann::json;

PreparedVolume make(json props, json geometry = {{"type", "Point"}, {"coordinates", {38.6, 33.5}}}) {
  if (geometry["type"] == "Point" && !props.contains("radius_m")) props["radius_m"] = 1000;
  if (props.value("type", "") == "activity") {
    if (!props.contains("start")) props["start"] = "2018-09-07T00:00:00Z";
    if (!props.contains("end")) props["end"] = "2018-09-08T00:00:00Z";
    if (!props.contains("kind")) props["kind"] = "movement";
  }
  auto v = format::read_feature({{"type", "Feature"}, {"geometry", geometry}, {"properties", props}},
                                format::kMaxPositions, nullptr, format::ServerFields::zone_answers);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().describe());
  return std::move(*v);
}

const TimePoint kNotified = *parse_rfc3339("2018-09-01T00:00:00Z");

std::vector<std::string> rules_of(const std::vector<Conflict>& conflicts) {
  std::vector<std::string> out;
  for (const Conflict& c : conflicts) out.push_back(c.other_id + " " + std::string(rule_name(c.rule)));
  return out;
}

using Names = std::vector<std::string>;

TEST(Rules, ZoneEntryUnlessOwnOrPermitted) {
  World world;
  world.put(make({{"id", "zone"},
                  {"type", "zone"},
                  {"party", "coalition"},
                  {"kind", "deconfliction"},
                  {"radius_m", 55000},
                  {"permitted", {"partner-force"}},
                  {"agreed_by", {"russia", "partner-force", "iran"}},
                  {"accepted", {"russia", "partner-force"}}}));
  const auto check = [&](const char* party) {
    return rules_of(world.check(make({{"id", "a"}, {"type", "activity"}, {"party", party}}), {kNotified}));
  };
  EXPECT_EQ(check("russia"), Names{"zone zone-entry"});
  EXPECT_EQ(check("partner-force"), Names{});
  EXPECT_EQ(check("coalition"), Names{});
  // A zone binds only those who accepted it: asked and silent, or never asked, is not bound.
  EXPECT_EQ(check("iran"), Names{});
  EXPECT_EQ(check("un"), Names{});
}

TEST(Rules, ShortNoticeWhenTheActivityStartsTooSoon) {
  World world;
  world.put(make({{"id", "zone"},
                  {"type", "zone"},
                  {"party", "coalition"},
                  {"kind", "deconfliction"},
                  {"radius_m", 55000},
                  {"notice_h", 72},
                  {"agreed_by", {"russia"}},
                  {"accepted", {"russia"}}}));
  const auto check = [&](const char* notified) {
    return rules_of(world.check(make({{"id", "a"},
                                      {"type", "activity"},
                                      {"party", "russia"},
                                      {"start", "2018-09-07T00:00:00Z"},
                                      {"notified", notified}}),
                                {kNotified}));
  };
  EXPECT_EQ(check("2018-09-06T00:00:00Z"), (Names{"zone zone-entry", "zone short-notice"}));
  EXPECT_EQ(check("2018-09-04T00:00:01Z"), (Names{"zone zone-entry", "zone short-notice"}));
  EXPECT_EQ(check("2018-09-04T00:00:00Z"), Names{"zone zone-entry"});  // exactly 72 h is enough
}

TEST(Rules, SiteHazardOnlyForStrikesAndExercises) {
  World world;
  world.put(make({{"id", "camp"}, {"type", "site"}, {"party", "un"}, {"kind", "camp"}}));
  for (const char* kind : {"strike", "exercise"}) {
    EXPECT_EQ(rules_of(world.check(make({{"id", "a"}, {"type", "activity"}, {"party", "russia"}, {"kind", kind}}),
                                   {kNotified})),
              Names{"camp site-hazard"})
        << kind;
  }
  for (const char* kind : {"movement", "flight", "convoy", "patrol"}) {
    EXPECT_EQ(rules_of(world.check(make({{"id", "a"}, {"type", "activity"}, {"party", "russia"}, {"kind", kind}}),
                                   {kNotified})),
              Names{})
        << kind;
  }
}

TEST(Rules, ActivitiesClashOnlyWhenTheyShareTimeAndAltitude) {
  World world;
  world.put(make({{"id", "b"},
                  {"type", "activity"},
                  {"party", "coalition"},
                  {"altitude", {{"lower_m", 1000}, {"upper_m", 2000}}}}));
  const auto check = [&](json extra) {
    json props = {{"id", "a"}, {"type", "activity"}, {"party", "russia"}};
    if (extra.is_object()) props.update(extra);
    return rules_of(world.check(make(props), {kNotified}));
  };
  EXPECT_EQ(check({}), Names{"b activity-clash"});
  // Touching is not overlapping: [start, end) windows and bands.
  EXPECT_EQ(check({{"start", "2018-09-08T00:00:00Z"}, {"end", "2018-09-09T00:00:00Z"}}), Names{});
  EXPECT_EQ(check({{"start", "2018-09-06T00:00:00Z"}, {"end", "2018-09-07T00:00:00Z"}}), Names{});
  EXPECT_EQ(check({{"altitude", {{"lower_m", 2000}, {"upper_m", 3000}}}}), Names{});
  EXPECT_EQ(check({{"altitude", {{"upper_m", 1000}}}}), Names{});
  EXPECT_EQ(check({{"altitude", {{"upper_m", 1000.5}}}}), Names{"b activity-clash"});
}

TEST(Rules, ReportsTheSharedWindowAndTheSeparation) {
  World world;
  const LatLon c{33.5, 38.6};
  const LatLon far = testing::ref_direct(c, 30, 5000);
  world.put(make({{"id", "b"},
                  {"type", "activity"},
                  {"party", "coalition"},
                  {"radius_m", 2000},
                  {"start", "2018-09-07T06:00:00Z"},
                  {"end", "2018-09-09T00:00:00Z"}},
                 {{"type", "Point"}, {"coordinates", {far.lon_deg, far.lat_deg}}}));
  const auto with_radius = [&](double r) {
    return world.check(make({{"id", "a"}, {"type", "activity"}, {"party", "russia"}, {"radius_m", r}},
                            {{"type", "Point"}, {"coordinates", {c.lon_deg, c.lat_deg}}}),
                       {kNotified});
  };
  const auto hit = with_radius(3001);
  ASSERT_EQ(hit.size(), 1u);
  EXPECT_NEAR(hit[0].distance.value, 5000, 1e-3);
  EXPECT_EQ(hit[0].limit.value, 5001);
  EXPECT_EQ(format_rfc3339(hit[0].start), "2018-09-07T06:00:00Z");
  EXPECT_EQ(format_rfc3339(hit[0].end), "2018-09-08T00:00:00Z");
  EXPECT_EQ(with_radius(3000.01).size(), 1u);
  EXPECT_EQ(with_radius(2999.99).size(), 0u);
}

TEST(Rules, AreDataWithOneRowEach) {
  std::set<RuleId> seen;
  for (const Rule& r : rules()) EXPECT_TRUE(seen.insert(r.id).second);
  EXPECT_EQ(seen.size(), 4u);
}

TEST(AtTanf, TheScenarioYieldsTheExpectedConflicts) {
  auto text = format::read_file(std::string(DECONFLICT_SOURCE_DIR) + "/scenarios/at-tanf-2018.geojson");
  ASSERT_TRUE(text.ok());
  auto batch = format::read_features(*text, {.server_fields = format::ServerFields::zone_answers});
  ASSERT_TRUE(batch.ok()) << batch.error().describe();
  std::vector<const PreparedVolume*> activities;
  World world;
  for (PreparedVolume& v : batch->volumes) {
    const PreparedVolume& stored = world.put(std::move(v));
    if (stored.type == ObjectType::activity) activities.push_back(&stored);
  }
  std::set<std::tuple<std::string, std::string, std::string>> got;
  for (const PreparedVolume* a : activities) {
    for (const Conflict& c : world.check(*a, {*a->notified})) {
      got.emplace(a->id, std::string(rule_name(c.rule)), c.other_id);
    }
  }
  const std::set<std::tuple<std::string, std::string, std::string>> want{
      // 1 September: Russia's notice that its forces will enter the zone.
      {"russia.entry", "zone-entry", "coalition.zone-at-tanf"},
      {"russia.entry", "short-notice", "coalition.zone-at-tanf"},
      {"russia.entry", "activity-clash", "coalition.live-fire"},
      {"russia.entry", "activity-clash", "coalition.air-assault"},
      // 6 September: the strike warning, a hazard to the garrison, the camp and the partner force.
      {"russia.strikes", "zone-entry", "coalition.zone-at-tanf"},
      {"russia.strikes", "short-notice", "coalition.zone-at-tanf"},
      {"russia.strikes", "site-hazard", "coalition.garrison"},
      {"russia.strikes", "site-hazard", "un.rukban"},
      {"russia.strikes", "site-hazard", "partner-force.base"},
      {"russia.strikes", "activity-clash", "coalition.live-fire"},
      {"russia.strikes", "activity-clash", "coalition.air-assault"},
      // 7 September: the coalition's live-fire exercise and its M777 hazard area.
      {"coalition.live-fire", "activity-clash", "russia.entry"},
      {"coalition.live-fire", "activity-clash", "russia.strikes"},
      {"coalition.live-fire", "site-hazard", "un.rukban"},
      {"coalition.live-fire", "site-hazard", "partner-force.base"},
      // 9 September: the UN's field clinic, opened inside the live-fire area.
      {"coalition.live-fire", "site-hazard", "un.clinic"},
      {"coalition.air-assault", "activity-clash", "russia.entry"},
      {"coalition.air-assault", "activity-clash", "russia.strikes"},
  };
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace deconflict::engine

namespace deconflict::engine {
namespace {

// What World::meeting must give: the volumes of the type whose list bounds
// meet the box, by a scan of the whole world.
std::set<std::string> meeting_by_scan(const World& world, const geo::LonLatBounds& box, ObjectType type) {
  std::set<std::string> out;
  for (const StoredVolume* v : world.all()) {
    if (v->type == type && geo::boxes_meet(index::list_bounds(*v), box)) out.insert(v->id);
  }
  return out;
}

std::set<std::string> meeting(const World& world, const geo::LonLatBounds& box, ObjectType type) {
  std::set<std::string> out;
  for (const StoredVolume* v : world.meeting(box, type, kTimeMin, kTimeMax)) out.insert(v->id);
  return out;
}

PreparedVolume site_at(const std::string& id, double lon, double lat) {
  return make({{"id", id}, {"type", "site"}, {"party", "red"}}, {{"type", "Point"}, {"coordinates", {lon, lat}}});
}

// The index of bounds is built at the first list by box; every change after
// it (a new volume, one moved, one erased, the whole world replaced) must
// reach it, or a list would miss or keep a volume.
TEST(World, AListByBoxFollowsEveryChangeAfterItsIndexIsBuilt) {
  World world;
  for (int i = 0; i < 40; ++i) world.put(site_at("s" + std::to_string(i), 30 + i * 0.5, 30 + i * 0.25));
  const geo::LonLatBounds box{34, 30, 42, 40};
  ASSERT_EQ(meeting(world, box, ObjectType::site), meeting_by_scan(world, box, ObjectType::site));
  ASSERT_FALSE(meeting(world, box, ObjectType::site).empty());

  world.put(site_at("new", 38, 35));     // a new one, inside
  world.put(site_at("s10", 0, 0));       // one moved out
  world.put(site_at("s2", 38.5, 35.5));  // one moved in
  ASSERT_TRUE(world.erase("s12"));       // one erased
  const auto after = meeting(world, box, ObjectType::site);
  EXPECT_EQ(after, meeting_by_scan(world, box, ObjectType::site));
  EXPECT_TRUE(after.count("new") && after.count("s2"));
  EXPECT_FALSE(after.count("s10") || after.count("s12"));

  std::vector<PreparedVolume> replaced;
  replaced.push_back(site_at("only", 36, 36));
  world.assign(std::move(replaced));
  EXPECT_EQ(meeting(world, box, ObjectType::site), std::set<std::string>{"only"});
  EXPECT_TRUE(meeting(world, box, ObjectType::zone).empty());
}

// A world replaced by volumes that repeat an id keeps the last of them, in
// its map, its per-party totals, its set of sites and its 4D index (built on a second thread
// beside the maps, then again from the map): a check meets the last only.
TEST(World, AssignedVolumesThatRepeatAnIdKeepTheLast) {
  World world;
  std::vector<PreparedVolume> volumes;
  for (int i = 0; i < 300; ++i) volumes.push_back(site_at("s" + std::to_string(i), 10 + i * 0.1, 10));
  volumes.push_back(site_at("s7", 38.6, 33.5));  // s7 again, at At Tanf
  world.assign(std::move(volumes));
  EXPECT_EQ(world.size(), 300u);
  EXPECT_EQ(world.count_of("red"), 300u);
  EXPECT_EQ(world.positions_of("red"), 300u);
  EXPECT_EQ(world.of_type(ObjectType::site).size(), 300u);
  const auto strike = [](double lon, double lat) {
    return make({{"id", "a"}, {"type", "activity"}, {"party", "blue"}, {"kind", "strike"}},
                {{"type", "Point"}, {"coordinates", {lon, lat}}});
  };
  EXPECT_EQ(rules_of(world.check(strike(38.6, 33.5), {kNotified})), Names{"s7 site-hazard"});
  EXPECT_EQ(rules_of(world.check(strike(10.7, 10), {kNotified})), Names{});  // where the first s7 was
  EXPECT_EQ(rules_of(world.check(strike(10.8, 10), {kNotified})), Names{"s8 site-hazard"});
}

// The map is filled in the order of its buckets, not the order given (a
// million volumes open faster): every repeated id still keeps its last
// copy, however many copies share a bucket.
TEST(World, EveryRepeatedIdKeepsItsLastCopyInAnyBucketOrder) {
  World world;
  std::vector<PreparedVolume> volumes;
  for (int copy = 0; copy < 3; ++copy) {
    for (int i = 0; i < 500; ++i) volumes.push_back(site_at("r" + std::to_string(i), copy, i * 0.01));
  }
  world.assign(std::move(volumes));
  ASSERT_EQ(world.size(), 500u);
  EXPECT_EQ(world.count_of("red"), 500u);
  EXPECT_EQ(world.of_type(ObjectType::site).size(), 500u);
  for (int i = 0; i < 500; ++i) {
    const StoredVolume* v = world.find("r" + std::to_string(i));
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->geometry.parts[0][0][0].lon_deg, 2.0) << "r" << i;
  }
}

// A world opened at once counts each party's volumes and positions as one
// built a volume at a time does, past the handful of parties whose totals
// an opening keeps in a short list.
TEST(World, AnOpenedWorldCountsEachPartyAsOneBuiltAVolumeAtATime) {
  World assigned, put;
  std::vector<PreparedVolume> volumes;
  for (int i = 0; i < 400; ++i) {
    const std::string party = "p" + std::to_string(i % 40);  // forty parties
    const double x = 10 + i * 0.01;
    const json square = {{"type", "Polygon"},
                         {"coordinates", {{{x, 10}, {x + 0.005, 10}, {x + 0.005, 10.005}, {x, 10}}}}};
    volumes.push_back(i % 3 == 0 ? make({{"id", "v" + std::to_string(i)}, {"type", "site"}, {"party", party}}, square)
                                 : make({{"id", "v" + std::to_string(i)}, {"type", "site"}, {"party", party}}));
  }
  for (const PreparedVolume& v : volumes) put.put(v);
  assigned.assign(std::move(volumes));
  for (int p = 0; p < 40; ++p) {
    const std::string party = "p" + std::to_string(p);
    EXPECT_EQ(assigned.count_of(party), put.count_of(party)) << party;
    EXPECT_EQ(assigned.positions_of(party), put.positions_of(party)) << party;
    EXPECT_EQ(assigned.count_of(party), 10u) << party;
  }
}

// Readers that ask at once, before the index of bounds is built: one builds
// it, the others wait and read the same (run under the sanitizers by `make
// sanitize`).
TEST(World, ReadersThatAskAtOnceGetOneIndex) {
  World world;
  for (int i = 0; i < 2'000; ++i) world.put(site_at("s" + std::to_string(i), 30 + (i % 50) * 0.2, 30 + (i / 50) * 0.2));
  const geo::LonLatBounds box{33, 31, 36, 35};
  std::vector<std::set<std::string>> got(4);
  std::vector<std::thread> readers;
  for (size_t t = 0; t < got.size(); ++t) {
    readers.emplace_back([&, t] { got[t] = meeting(world, box, ObjectType::site); });
  }
  for (std::thread& r : readers) r.join();
  const auto want = meeting_by_scan(world, box, ObjectType::site);
  EXPECT_GT(want.size(), 100u);
  for (const auto& g : got) EXPECT_EQ(g, want);
}

}  // namespace
}  // namespace deconflict::engine
