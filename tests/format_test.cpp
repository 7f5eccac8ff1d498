// The interchange format: what is accepted, and a catalogue of what is
// rejected, each with the error that names the feature, the field and why.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>

#include "deconflict/service.hpp"
#include "deconflict/time.hpp"
#include "format/feature_reader.hpp"
#include "format/feature_writer.hpp"
#include "format/json_text.hpp"
#include "geo/shape.hpp"

namespace deconflict::format {
namespace {

// A list's bbox: four numbers apart by commas, spaces around them allowed;
// anything else is a usage error naming the field.
TEST(BoundingBox, ReadsFourNumbersApartByCommas) {
  auto b = BoundingBox::parse("38.5,33,-39.25e0,34", "bbox");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->west_deg, 38.5);
  EXPECT_EQ(b->south_deg, 33);
  EXPECT_EQ(b->east_deg, -39.25);
  EXPECT_EQ(b->north_deg, 34);
  auto spaced = BoundingBox::parse(" 38 , 33,39 ,34 ", "bbox");
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(spaced->east_deg, 39);
  for (const char* bad : {"", "1,2,3", "1,2,3,4,5", "1,2,3,4,", ",1,2,3", "a,b,c,d", "1,,2,3", "1,2,3,4x", "0x1,2,3,4",
                          "nan,1,2,3", "inf,1,2,3", "1,2,3,95", "181,2,3,4", "1,10,2,5"}) {
    auto refused = BoundingBox::parse(bad, "bbox");
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().code, ErrorCode::usage) << bad;
    EXPECT_EQ(refused.error().field, "bbox") << bad;
  }
}

// A valid activity; cases below change one thing at a time.
std::string activity(const std::string& geometry = R"({"type": "Point", "coordinates": [38.6, 33.5]})",
                     const std::string& extra = R"("radius_m": 1000)", const std::string& id = "o17") {
  return R"({"type": "Feature", "geometry": )" + geometry + R"(, "properties": {"id": ")" + id +
         R"(", "type": "activity", "party": "russia", "kind": "strike", "start": "2018-09-06T12:00:00Z", )"
         R"("end": "2018-09-07T00:00:00Z", )" +
         extra + "}}";
}

std::string polygon(const std::string& ring) { return R"({"type": "Polygon", "coordinates": [)" + ring + "]}"; }

struct BadCase {
  const char* name;
  std::string input;
  std::string expected;  // a substring of the error, as printed
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class Rejects : public ::testing::TestWithParam<BadCase> {};

TEST_P(Rejects, WithAClearError) {
  const BadCase& c = GetParam();
  auto batch = read_features(c.input);
  ASSERT_FALSE(batch.ok()) << c.name;
  EXPECT_EQ(batch.error().code, ErrorCode::invalid_input);
  EXPECT_NE(batch.error().describe().find(c.expected), std::string::npos)
      << c.name << ": got '" << batch.error().describe() << "', expected to find '" << c.expected << "'";
}

const std::string kSquare = "[[38,33],[39,33],[39,34],[38,34],[38,33]]";

INSTANTIATE_TEST_SUITE_P(
    Catalogue, Rejects,
    ::testing::Values(
        BadCase{"malformed JSON", R"({"type": "Feature", "geometry": )", "malformed JSON at line 1"},
        BadCase{"empty input", "  \n ", "input is empty"},
        BadCase{"not a feature", R"({"type": "Point", "coordinates": [1, 2]})", "type: expected \"Feature\""},
        BadCase{"unknown geometry", activity(R"({"type": "Triangle", "coordinates": []})"),
                "o17: geometry.type: unsupported geometry type 'Triangle'"},
        BadCase{"missing geometry type", activity(R"({"coordinates": [1, 2]})"), "o17: geometry.type: missing"},
        BadCase{"missing geometry", activity("null"), "o17: geometry: missing"},
        BadCase{"unclosed ring", activity(polygon("[[38,33],[39,33],[39,34],[38,34],[38,33.5]]"), R"("buffer_m": 0)"),
                "o17: geometry.coordinates[0]: ring is not closed"},
        BadCase{"short ring", activity(polygon("[[38,33],[39,33],[38,33]]"), R"("buffer_m": 0)"),
                "o17: geometry.coordinates[0]: a ring needs at least 4 positions, got 3"},
        BadCase{"self-intersecting ring",
                activity(polygon("[[38,33],[39,34],[39,33],[38,34],[38,33]]"), R"("buffer_m": 0)"),
                "o17: geometry.coordinates[0]: ring crosses itself"},
        BadCase{"infinite number", activity(R"({"type": "Point", "coordinates": [38.6, 1e999]})"),
                "malformed JSON at input: number overflow"},
        BadCase{"NaN literal", activity(R"({"type": "Point", "coordinates": [38.6, NaN]})"), "malformed JSON"},
        BadCase{"latitude out of range",
                activity(polygon("[[38,33],[39,33],[39,34],[38,91.2],[38,33]]"), R"("buffer_m": 0)"),
                "o17: geometry.coordinates[0][3]: latitude 91.2 is outside [-90, 90]"},
        BadCase{"longitude out of range", activity(R"({"type": "Point", "coordinates": [180.5, 0]})"),
                "o17: geometry.coordinates: longitude 180.5 is outside [-180, 180]"},
        BadCase{"position not numbers", activity(R"({"type": "Point", "coordinates": ["38", 33]})"),
                "o17: geometry.coordinates: expected a number, got string"},
        BadCase{"position too short", activity(R"({"type": "Point", "coordinates": [38]})"),
                "a position must have 2 or 3 numbers"},
        BadCase{"point without radius", activity(R"({"type": "Point", "coordinates": [38, 33]})", R"("name": "x")"),
                "o17: properties.radius_m: a Point needs radius_m"},
        BadCase{"negative radius", activity(R"({"type": "Point", "coordinates": [38, 33]})", R"("radius_m": -5)"),
                "o17: properties.radius_m: radius must be > 0, got -5"},
        BadCase{"negative buffer", activity(polygon(kSquare), R"("buffer_m": -1)"),
                "o17: properties.buffer_m: buffer must be >= 0, got -1"},
        BadCase{"radius on a polygon", activity(polygon(kSquare), R"("radius_m": 10)"), "only a Point takes radius_m"},
        BadCase{"end before start",
                activity(R"({"type": "Point", "coordinates": [38, 33]})",
                         R"("radius_m": 5, "end": "2018-09-06T11:00:00Z")"),  // a later "end" replaces the first
                "end must be after start"},
        BadCase{"altitude inverted",
                activity(R"({"type": "Point", "coordinates": [38, 33]})",
                         R"("radius_m": 5, "altitude": {"lower_m": 3000, "upper_m": 100})"),
                "o17: properties.altitude: lower_m must be below upper_m"},
        BadCase{
            "unknown type",
            R"({"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"id":"a","type":"base","party":"x","radius_m":1}})",
            "a: properties.type: unknown type 'base'"},
        BadCase{
            "unknown activity kind",
            R"({"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"id":"a","type":"activity","party":"x","kind":"picnic","radius_m":1,"start":"2018-09-01T00:00:00Z","end":"2018-09-02T00:00:00Z"}})",
            "a: properties.kind: unknown activity kind 'picnic'"},
        BadCase{
            "missing party",
            R"({"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"id":"a","type":"site","radius_m":1}})",
            "a: properties.party: missing"},
        BadCase{
            "party not a slug",
            R"({"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"id":"a","type":"site","party":"Russia!","radius_m":1}})",
            "is not a party id"},
        BadCase{
            "activity without start",
            R"({"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"id":"a","type":"activity","party":"x","kind":"flight","radius_m":1}})",
            "a: properties.start: an activity needs a start"},
        BadCase{"bad timestamp",
                activity(R"({"type": "Point", "coordinates": [38, 33]})", R"("radius_m": 5, "notified": "yesterday")"),
                "properties.notified: 'yesterday' is not an RFC 3339 timestamp"},
        BadCase{"permitted on an activity",
                activity(R"({"type": "Point", "coordinates": [38, 33]})", R"("radius_m": 5, "permitted": ["un"])"),
                "o17: properties.permitted: applies only to zones"},
        BadCase{"duplicate ids", R"({"type":"FeatureCollection","features":[)" + activity() + "," + activity() + "]}",
                "o17: properties.id: duplicate id (also at features[0])"},
        BadCase{
            "position label without id",
            R"({"type":"FeatureCollection","features":[)" + activity() +
                R"(, {"type":"Feature","geometry":{"type":"Point","coordinates":[1,95]},"properties":{"type":"site","party":"un","radius_m":1}}]})",
            "features[1]: geometry.coordinates: latitude 95 is outside [-90, 90]"},
        BadCase{"bad NDJSON line", activity() + "\n{\"type\": \n", "line 2"},
        BadCase{"too many positions",
                activity(
                    [] {
                      std::string line = R"({"type": "LineString", "coordinates": [)";
                      for (int i = 0; i <= 20'000; ++i)
                        line += std::string(i ? "," : "") + "[1," + std::to_string(i % 80) + "]";
                      return line + "]}";
                    }(),
                    R"("buffer_m": 1)"),
                "too many positions"}),
    [](const ::testing::TestParamInfo<BadCase>& param) {
      std::string name = param.param.name;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

// Guards the check command's output (check_command.cpp writes conflicts
// with append_json): the same bytes as the document to_json builds, for
// names that need escaping, open windows, redacted sites and any distance.
TEST(WriteConflicts, AsTextTheSameBytesAsTheDocument) {
  const TimePoint t0 = *deconflict::parse_rfc3339("2018-09-07T06:00:00Z");
  const TimePoint t1 = *deconflict::parse_rfc3339("2018-09-07T06:30:00.250Z");
  const std::string names[] = {"a1", "quote\"and\\slash", "tab\tnew\nline\x01", "\u00e9t\u00e9 \u2014 \U0001F6A9", ""};
  const double metres[] = {0, 0.04, 0.05, 0.15, 12.25, 999.95, 60000, 1234567.891, 1e-9, 4e7};
  int n = 0;
  for (const std::string& id : names) {
    for (const std::string& party : names) {
      for (const double m : metres) {
        deconflict::Conflict c{"q",
                               id,
                               party,
                               n % 2 ? deconflict::RuleId::zone_entry : deconflict::RuleId::site_hazard,
                               n % 3 == 0 ? deconflict::kTimeMin : t0,
                               n % 5 == 0 ? deconflict::kTimeMax : t1,
                               deconflict::Metres(m),
                               deconflict::Metres(m * 3 + 0.5),
                               n % 7 == 0};
        std::string text;
        format::append_json(c, text);
        ASSERT_EQ(text, format::to_json(c).dump()) << n;
        ++n;
      }
    }
  }
}

// append_json writes distances (rounded to 0.1 m), whole limits and times
// itself rather than through nlohmann-json: the same bytes as its dump() for
// any distance, limit and millisecond of the years 0001 to 9999, and at the
// edges where it hands them back (1e13 m, negative zero, fractions).
TEST(WriteConflicts, NumbersAndTimesWrittenInPlaceAreTheDocumentsBytes) {
  std::mt19937_64 random(20180907);
  std::uniform_real_distribution<double> metres(0, 2.1e7);
  const auto since_epoch = [](const char* t) { return deconflict::parse_rfc3339(t)->time_since_epoch().count(); };
  std::uniform_int_distribution<int64_t> millis(since_epoch("0001-01-02T00:00:00Z"),
                                                since_epoch("9999-12-30T23:59:59.999Z"));
  std::vector<double> distances = {0, -0.0, 0.04, 0.05, 0.95, 9.95, 99999.95, 9.99999999999e12, 1e13, 1e14, 3e15};
  std::vector<double> limits = {0, 1, 55000, 55500.5, 1303.1000000000001, 9.9999e13, 1e14, 1e16, -0.0};
  for (int i = 0; i < 20000; ++i) {
    const double d = metres(random);
    distances.push_back(d);
    distances.push_back(std::round(d));  // whole
    distances.push_back(d / 1000);       // under 21 km
    limits.push_back(std::round(d));
    limits.push_back(std::round(d * 10) / 10 + std::round(d / 7 * 10) / 10);  // a sum of two radii of 0.1 m
  }
  for (size_t i = 0; i < distances.size(); ++i) {
    const deconflict::TimePoint start{std::chrono::milliseconds(millis(random))};
    const deconflict::TimePoint end = i % 2 ? start + std::chrono::seconds(i) : start;
    deconflict::Conflict c{"q",
                           "o",
                           "p",
                           deconflict::RuleId::activity_clash,
                           start,
                           end,
                           deconflict::Metres(distances[i]),
                           deconflict::Metres(limits[i % limits.size()]),
                           false};
    std::string text;
    format::append_json(c, text);
    ASSERT_EQ(text, format::to_json(c).dump()) << i << " " << distances[i] << " " << limits[i % limits.size()];
  }
}

TEST(ReadFeatures, AcceptsAFeatureACollectionAndNdjson) {
  const std::string one = activity();
  const std::string two = activity(R"({"type": "Point", "coordinates": [38.6, 33.5]})", R"("radius_m": 5)", "o18");
  EXPECT_EQ(read_features(one)->volumes.size(), 1u);
  EXPECT_EQ(read_features(R"({"type":"FeatureCollection","features":[)" + one + "," + two + "]}")->volumes.size(), 2u);
  EXPECT_EQ(read_features(one + "\n\n" + two + "\n")->volumes.size(), 2u);
}

TEST(ReadFeatures, SkipsAndCountsInvalidFeaturesWhenAsked) {
  const std::string bad = activity(R"({"type": "Point", "coordinates": [38.6, 133.5]})", R"("radius_m": 5)", "bad");
  const std::string text = activity() + "\n" + bad + "\n" +
                           activity(R"({"type": "Point", "coordinates": [1, 2]})", R"("radius_m": 5)", "o19");
  auto batch = read_features(text, {.skip_invalid = true});
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->volumes.size(), 2u);
  ASSERT_EQ(batch->rejected.size(), 1u);
  EXPECT_EQ(batch->rejected[0].describe(), "bad: geometry.coordinates: latitude 133.5 is outside [-90, 90]");
  EXPECT_FALSE(read_features(text).ok());
}

// Regression: 100,000 nested brackets overflowed the stack when the parsed
// value was copied (found by the bad-input catalogue; the server died).
TEST(ReadFeatures, RefusesDeepNestingBeforeParsing) {
  const std::string deep = R"({"type":"Feature","geometry":{"type":"Point","coordinates":)" + std::string(100000, '[') +
                           std::string(100000, ']') + "}}";
  for (const std::string& text : {deep, deep + "\n" + deep}) {
    auto r = format::read_features(text);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::invalid_input);
    EXPECT_NE(r.error().message.find("nested deeper than 64"), std::string::npos) << r.error().message;
  }
  // Brackets inside strings are text, not nesting.
  EXPECT_TRUE(format::check_json_depth(R"({"name":")" + std::string(1000, '[') + R"("})").ok());
  EXPECT_FALSE(format::check_json_depth(std::string(65, '[')).ok());
  EXPECT_TRUE(format::check_json_depth(std::string(64, '[')).ok());
}

TEST(ReadFeature, ReadsEveryProperty) {
  const auto j = nlohmann::json::parse(R"({"type": "Feature", "id": "z1",
    "geometry": {"type": "Point", "coordinates": [38.61778, 33.50583]},
    "properties": {"type": "zone", "party": "coalition", "kind": "deconfliction", "radius_m": 55000,
      "permitted": ["partner-force"], "notice_h": 72, "altitude": {"upper_m": 15000},
      "start": "2017-06-01T03:00:00+03:00", "name": "At Tanf", "colour": "red"}})");
  auto v = read_feature(j);
  ASSERT_TRUE(v.ok()) << v.error().describe();
  EXPECT_EQ(v->id, "z1");
  EXPECT_EQ(v->type, ObjectType::zone);
  EXPECT_EQ(v->radius.value, 55000);
  EXPECT_EQ(v->terms().permitted, std::vector<std::string>{"partner-force"});
  EXPECT_EQ(*v->terms().notice_h, 72);
  EXPECT_EQ(v->altitude.upper_m, 15000);
  EXPECT_EQ(format_rfc3339(v->window.start), "2017-06-01T00:00:00Z");
  EXPECT_EQ(v->window.end, kTimeMax);
  EXPECT_EQ(nlohmann::json::parse(v->remarks().extra)["colour"], "red");
  // Written and read again, it is the same feature.
  auto again = read_feature(nlohmann::json::parse(to_feature(*v).dump()));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(to_feature(*again).dump(), to_feature(*v).dump());
  // And read as the store reads it (simdjson), too.
  auto stored = read_stored_feature(to_feature(*v).dump());
  ASSERT_TRUE(stored.ok()) << stored.error().describe();
  EXPECT_EQ(to_feature(*stored).dump(), to_feature(*v).dump());
}

// A zone's or a site's terms, and a volume's remarks (description, unknown
// properties), are held apart from the volume (a million activities carry
// none): an activity read either way has none made, and a copy of a zone has
// terms of its own, so that answering a copy (as the line does, to store the
// next version) never changes the stored one beside it.
TEST(ReadFeature, OnlyZonesAndSitesHoldTermsAndACopyHasItsOwn) {
  const auto activity = nlohmann::json::parse(R"({"type": "Feature",
    "geometry": {"type": "Point", "coordinates": [38.6, 33.5]},
    "properties": {"id": "a1", "type": "activity", "party": "russia", "kind": "strike", "radius_m": 100,
      "start": "2018-09-07T00:00:00Z", "end": "2018-09-08T00:00:00Z"}})");
  auto read = read_feature(activity);
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(&read->terms(), &kNoTerms);
  EXPECT_EQ(&read->remarks(), &kNoRemarks);
  auto stored = read_stored_feature(to_feature(*read).dump());
  ASSERT_TRUE(stored.ok()) << stored.error().describe();
  EXPECT_EQ(&stored->terms(), &kNoTerms);
  EXPECT_EQ(&stored->remarks(), &kNoRemarks);

  auto zone = read_feature(nlohmann::json::parse(R"({"type": "Feature",
    "geometry": {"type": "Point", "coordinates": [38.6, 33.5]},
    "properties": {"id": "z1", "type": "zone", "party": "coalition", "kind": "deconfliction", "radius_m": 55000,
      "agreed_by": ["russia"]}})"));
  ASSERT_TRUE(zone.ok()) << zone.error().describe();
  const PreparedVolume& original = *zone;
  PreparedVolume answered = original;
  answered.edit_terms().accepted.push_back("russia");
  EXPECT_TRUE(original.terms().accepted.empty());
  EXPECT_EQ(answered.terms().accepted, std::vector<std::string>{"russia"});
  EXPECT_EQ(answered.terms().agreed_by, original.terms().agreed_by);
  Volume assigned;
  assigned = answered;
  answered.edit_terms().accepted.clear();
  EXPECT_EQ(assigned.terms().accepted, std::vector<std::string>{"russia"});
}

// Guards a defect: an activity imported with "state": "withdrawn" was kept
// so, and never checked; a declared zone could claim who had accepted it.
// What the server manages is never taken from a party's input, and a bulk
// import takes only a zone's answers; each ignored property is named.
TEST(ReadFeatures, TakeNothingTheServerManagesFromInput) {
  const std::string withdrawn = activity(R"({"type": "Point", "coordinates": [38.6, 33.5]})",
                                         R"("radius_m": 1000, "version": 7, "state": "withdrawn")");
  auto batch = read_features(withdrawn);
  ASSERT_TRUE(batch.ok()) << batch.error().describe();
  EXPECT_EQ(batch->volumes[0].state, State::none);
  EXPECT_EQ(batch->volumes[0].version, 0);
  EXPECT_TRUE(batch->volumes[0].in_force());
  EXPECT_EQ(batch->ignored, (std::vector<std::string>{"o17: properties.version is set by the server; ignored",
                                                      "o17: properties.state is set by the server; ignored"}));
  const std::string zone =
      R"({"type": "Feature", "geometry": {"type": "Point", "coordinates": [38.6, 33.5]}, "properties": {"id": "z",)"
      R"( "type": "zone", "party": "coalition", "kind": "deconfliction", "radius_m": 1000, "agreed_by": ["russia"], "accepted": ["russia"]}})";
  auto declared = read_features(zone);
  ASSERT_TRUE(declared.ok());
  EXPECT_TRUE(declared->volumes[0].terms().accepted.empty());
  EXPECT_EQ(declared->ignored.size(), 1u);
  auto imported = read_features(zone, {.server_fields = ServerFields::zone_answers});
  ASSERT_TRUE(imported.ok());
  EXPECT_EQ(imported->volumes[0].terms().accepted, std::vector<std::string>{"russia"});
  EXPECT_TRUE(imported->ignored.empty());
  auto stored =
      read_stored_feature(R"({"type": "Feature", "geometry": {"type": "Point", "coordinates": [38.6, 33.5]},)"
                          R"( "properties": {"id": "a", "type": "activity", "party": "russia", "kind": "strike",)"
                          R"( "radius_m": 10, "start": "2018-09-06T12:00:00Z", "end": "2018-09-07T00:00:00Z",)"
                          R"( "version": 2, "state": "withdrawn"}})");
  ASSERT_TRUE(stored.ok()) << stored.error().describe();
  EXPECT_EQ(stored->state, State::withdrawn);
  EXPECT_EQ(stored->version, 2);
}

TEST(ReadStoredFeature, ReadsEveryGeometryAsWrittenAndRefusesWhatIsNotAFeature) {
  const std::string ring = "[[38.0, 33.0], [39.0, 33.0], [39.0, 34.0], [38.0, 34.0], [38.0, 33.0]]";
  const std::string hole = "[[38.4, 33.4], [38.4, 33.6], [38.6, 33.6], [38.6, 33.4], [38.4, 33.4]]";
  for (const std::string& geometry :
       {std::string(R"({"type": "LineString", "coordinates": [[179.5, 10], [-179.5, 10.5], [-179, 11]]})"),
        polygon(ring + ", " + hole),
        R"({"type": "MultiPolygon", "coordinates": [[)" + ring + "], [[[0, 89], [120, 89], [-120, 89], [0, 89]]]]}",
        std::string(R"({"type": "LineString", "coordinates": [[0, 0], [0, 40]]})")}) {  // split into pieces
    auto fresh = read_features(activity(geometry, R"("buffer_m": 250, "version": 3, "state": "notified")"),
                               {.server_fields = ServerFields::all});
    ASSERT_TRUE(fresh.ok()) << geometry << ": " << fresh.error().describe();
    const PreparedVolume& v = fresh->volumes[0];
    EXPECT_EQ(v.state, State::notified);
    const std::string written = to_feature(v).dump();
    auto stored = read_stored_feature(written);
    ASSERT_TRUE(stored.ok()) << stored.error().describe();
    EXPECT_EQ(to_feature(*stored).dump(), written);
    EXPECT_EQ(stored->cap().radius_rad, v.cap().radius_rad) << geometry;
    EXPECT_EQ(geo::distance_m(stored->shape(), v.shape(), 1e9), 0.0);
  }
  for (const char* bad : {"", "{", "[]", R"({"type": "Feature"})", R"({"properties": {}, "geometry": null})",
                          R"({"properties": {"type": "site", "party": "un"}, "geometry": {"type": "Point"}})"}) {
    auto v = read_stored_feature(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.error().code, ErrorCode::invalid_input);
  }
}

// The two readers check a feature's properties through one set of steps
// (format/json_node.hpp), the stored one over simdjson's document: each
// case below is refused by both with the same field and message, or read by
// both to the same feature, unknown properties kept the same.
TEST(ReadStoredFeature, ChecksPropertiesAsReadFeatureDoes) {
  const std::string point = R"({"type": "Point", "coordinates": [38.6, 33.5]})";
  const auto feature = [&](const std::string& props, const std::string& id = "") {
    return R"({"type": "Feature", )" + id + R"("geometry": )" + point + R"(, "properties": {)" + props + "}}";
  };
  const std::string site = R"("type": "site", "party": "un", "radius_m": 300)";
  const std::string zone = R"("type": "zone", "party": "coalition", "kind": "no-fire", "radius_m": 300)";
  std::string many_members;
  for (int i = 0; i < 30; ++i) many_members += "\"extra" + std::to_string(i) + "\": " + std::to_string(i) + ", ";
  const std::vector<std::string> cases = {
      feature(site),
      feature(site + R"(, "id": "s1")", R"("id": "s1", )"),
      feature(site + R"(, "id": "s1")", R"("id": "s2", )"),
      feature(site, R"("id": 12345678901234, )"),
      feature(site, R"("id": "a/b", )"),
      feature(site, R"("id": 1.5, )"),
      feature(R"("type": "site", "party": "UN", "radius_m": 300)"),
      feature(R"("type": "base", "party": "un", "radius_m": 300)"),
      feature(R"("type": "site", "radius_m": 300)"),
      feature(R"("type": "site", "party": "un", "radius_m": -1)"),
      feature(R"("type": "site", "party": "un", "radius_m": "300")"),
      feature(R"("type": "site", "party": "un", "buffer_m": 3)"),
      feature(site + R"(, "altitude": {"lower_m": 10, "upper_m": 5})"),
      feature(site + R"(, "altitude": {"lower_m": 10})"),
      feature(site + R"(, "altitude": [1, 2])"),
      feature(site + R"(, "start": "2018-09-31T00:00:00Z")"),
      feature(site + R"(, "start": 5)"),
      feature(site + R"(, "start": "2018-09-02T00:00:00Z", "end": "2018-09-01T00:00:00Z")"),
      feature(site + R"(, "share": ["un", "Bad"])"),
      feature(site + R"(, "share": "all", "name": "Rukban", "description": null)"),
      feature(site + R"(, "share": ["coalition", "un"], "name": 7)"),
      feature(site + R"(, "permitted": ["un"])"),
      feature(zone + R"(, "permitted": ["un"], "agreed_by": ["russia"], "accepted": ["russia"], "notice_h": 72)"),
      feature(zone + R"(, "notice_h": -1)"),
      feature(R"("type": "zone", "party": "coalition", "kind": "buffer", "radius_m": 300)"),
      feature(zone + R"(, "declined": [1])"),
      feature(site + R"(, "version": 3, "state": "withdrawn")"),
      feature(site + R"(, "version": -3)"),
      feature(site + R"(, "version": 18446744073709551615)"),
      feature(site + R"(, "state": "asleep")"),
      feature(site + R"(, "colour": {"rgb": [255, 0.5, -1, 18446744073709551615], "on": true, "x": null}, "z": "é")"),
      feature(many_members + site),  // past the members the stored reader lists: asked of simdjson instead
      feature(many_members + site + R"(, "start": 5)"),
      feature(R"("nome": "x", "tipe": "y", "pArty": "z", )" + site),  // names like the wanted ones
  };
  for (const std::string& text : cases) {
    auto fresh = read_feature(nlohmann::json::parse(text), kMaxPositions, nullptr, ServerFields::all);
    auto stored = read_stored_feature(text);
    ASSERT_EQ(fresh.ok(), stored.ok()) << text << "\n" << (fresh.ok() ? stored : fresh).error().describe();
    if (!fresh.ok()) {
      EXPECT_EQ(stored.error().field, fresh.error().field) << text;
      EXPECT_EQ(stored.error().message, fresh.error().message) << text;
    } else {
      EXPECT_EQ(to_feature(*stored).dump(), to_feature(*fresh).dump()) << text;
    }
  }
}

// The store's rows are read with read_stored_feature: the geometry is indexed
// by its cap at once and prepared on first use, by one of concurrent readers.
TEST(ReadStoredFeature, PreparesTheGeometryOnFirstUseToTheSameShape) {
  const std::string square = polygon("[[38.0, 33.0], [39.0, 33.0], [39.0, 34.0], [38.0, 34.0], [38.0, 33.0]]");
  const auto j = nlohmann::json::parse(activity(square, R"("buffer_m": 500)"));
  auto fresh = read_feature(j);
  auto stored = read_stored_feature(j.dump());
  ASSERT_TRUE(fresh.ok() && stored.ok());
  EXPECT_EQ(stored->cap().radius_rad, fresh->cap().radius_rad);
  EXPECT_EQ(stored->cap().x, fresh->cap().x);
  EXPECT_EQ(to_feature(*stored).dump(), to_feature(*fresh).dump());
  std::vector<const geo::Shape*> seen(8);
  std::vector<std::thread> readers;
  for (size_t t = 0; t < seen.size(); ++t) readers.emplace_back([&, t] { seen[t] = &stored->shape(); });
  for (std::thread& r : readers) r.join();
  for (const geo::Shape* s : seen) EXPECT_EQ(s, seen[0]);
  EXPECT_EQ(seen[0]->edges().size(), fresh->shape().edges().size());
  EXPECT_EQ(geo::distance_m(*seen[0], fresh->shape(), 1e9), 0.0);
  const PreparedVolume moved = std::move(*stored);
  EXPECT_EQ(&moved.shape(), seen[0]);  // moving keeps the prepared shape
  // Copies and versions share the shape, whether built at once or on first use.
  const PreparedVolume copy = moved;
  EXPECT_EQ(&copy.shape(), seen[0]);
  Volume next = *fresh;
  next.version = 2;
  EXPECT_EQ(&fresh->with(next).shape(), &fresh->shape());
  EXPECT_EQ(&PreparedVolume(*fresh).shape(), &fresh->shape());
}

// A store keeps each row's bounding cap beside its feature, and an opening
// reads it rather than computing it: the same volume either way, the
// geometry's structure still checked (a row not written by deconflict is
// refused, not taken to fail at its first check), and a cap that is not one
// ignored.
TEST(ReadStoredFeature, TakesTheStoredCapAndStillChecksTheGeometrysStructure) {
  const std::string square = polygon("[[38.0, 33.0], [39.0, 33.0], [39.0, 34.0], [38.0, 34.0], [38.0, 33.0]]");
  for (const std::string& geometry :
       {square, std::string(R"({"type": "LineString", "coordinates": [[0, 0], [0, 40]]})"),
        std::string(R"({"type": "Point", "coordinates": [38.6, 33.5]})")}) {
    const std::string extra = geometry.find("Point") != std::string::npos ? R"("radius_m": 900)" : R"("buffer_m": 500)";
    auto fresh = read_feature(nlohmann::json::parse(activity(geometry, extra)));
    ASSERT_TRUE(fresh.ok()) << fresh.error().describe();
    const std::string written = to_feature(*fresh).dump();
    auto with_cap = read_stored_feature(written, fresh->cap());
    ASSERT_TRUE(with_cap.ok()) << with_cap.error().describe();
    EXPECT_EQ(to_feature(*with_cap).dump(), written);
    EXPECT_EQ(with_cap->cap().radius_rad, fresh->cap().radius_rad) << geometry;
    EXPECT_EQ(geo::distance_m(with_cap->shape(), fresh->shape(), 1e9), 0.0) << geometry;
  }
  // The stored cap is the one taken: an opening computes nothing.
  auto fresh = read_feature(nlohmann::json::parse(activity(square, R"("buffer_m": 500)")));
  ASSERT_TRUE(fresh.ok());
  BoundingCap wider = fresh->cap();
  wider.radius_rad *= 2;
  auto taken = read_stored_feature(to_feature(*fresh).dump(), wider);
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->cap().radius_rad, wider.radius_rad);
  // Not a cap: computed from the geometry instead.
  for (const BoundingCap bad : {BoundingCap{std::nan(""), 0, 0, 0.1}, BoundingCap{2, 0, 0, 0.1},
                                BoundingCap{1, 0, 0, -1}, BoundingCap{1, 0, 0, 4}}) {
    auto computed = read_stored_feature(to_feature(*fresh).dump(), bad);
    ASSERT_TRUE(computed.ok());
    EXPECT_EQ(computed->cap().radius_rad, fresh->cap().radius_rad);
  }
  // A ring that is not closed, a line of one position, a MultiPolygon of no
  // polygon: refused with a cap as without one, the field named.
  const BoundingCap any{1, 0, 0, 0.1};
  for (const std::string& geometry : {polygon("[[38.0, 33.0], [39.0, 33.0], [39.0, 34.0], [38.0, 34.0], [38.1, 33.0]]"),
                                      std::string(R"({"type": "LineString", "coordinates": [[0, 0], [0, 0]]})"),
                                      std::string(R"({"type": "MultiPolygon", "coordinates": []})")}) {
    const std::string text = activity(geometry, R"("buffer_m": 5)");
    for (const auto& cap : {std::optional<BoundingCap>(), std::optional<BoundingCap>(any)}) {
      auto v = read_stored_feature(text, cap);
      ASSERT_FALSE(v.ok()) << geometry << (cap ? " with a cap" : "");
      EXPECT_EQ(v.error().code, ErrorCode::invalid_input);
      EXPECT_EQ(v.error().field.rfind("geometry.coordinates", 0), 0u) << v.error().field;
    }
  }
}

TEST(Rfc3339, ParsesAndFormats) {
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2018-09-07T06:00:00Z")), "2018-09-07T06:00:00Z");
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2018-09-07T06:00:00.250-01:30")), "2018-09-07T07:30:00.250Z");
  EXPECT_FALSE(parse_rfc3339("2018-02-30T00:00:00Z").ok());
  EXPECT_FALSE(parse_rfc3339("2018-09-07T06:00:00").ok());
  EXPECT_FALSE(parse_rfc3339("2018-09-07 25:00:00Z").ok());
  // Every field is digits only: the characters either side of '0' to '9', a
  // sign, a space.
  for (const char* t : {"2018-09-07T06:00:0:Z", "2018-09-07T06:00:/0Z", "201:-09-07T06:00:00Z", "2018-+9-07T06:00:00Z",
                        "2018-09- 7T06:00:00Z", "2018-09-07T-6:00:00Z", "2018-09-07T06:0 :00Z", "+018-09-07T06:00:00Z",
                        "2018-09-07T06:00:00+0:00", "2018-09-07T06:00:00+01:/0"}) {
    EXPECT_FALSE(parse_rfc3339(t).ok()) << t;
  }
}

// Regression (found by fuzz/feature_reader_fuzz): the open-end sentinels and
// years outside 0001..9999 (reached through an offset) were accepted, and an
// activity read with them could not be written back and read again.
TEST(Rfc3339, RefusesTimesThatCannotBeWrittenBack) {
  for (const char* t : {"0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "0000-01-01T00:00:00+01:00",
                        "9999-12-31T23:59:59-05:00", "0000-06-01T00:00:00Z"}) {
    const auto parsed = parse_rfc3339(t);
    ASSERT_FALSE(parsed.ok()) << t;
    EXPECT_NE(parsed.error().message.find("outside the years 0001 to 9999"), std::string::npos) << t;
  }
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("0001-01-01T00:00:00.001Z")), "0001-01-01T00:00:00.001Z");
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("9999-12-31T23:59:59.998Z")), "9999-12-31T23:59:59.998Z");
}

}  // namespace
}  // namespace deconflict::format
