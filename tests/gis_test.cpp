// GIS files and outlines (src/gis): every drawn outline held to the exact
// WGS84 distance, GDAL's encodings of values, and round trips through each
// format by the library alone (tests/gis_cli_test.cpp runs GDAL's own tools).
#include "gis/gis.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>

#include "deconflict/time.hpp"
#include "format/feature_reader.hpp"
#include "format/feature_writer.hpp"
#include "geo/shape.hpp"
#include "gis/fields.hpp"
#include "gis/outline.hpp"
#include "gis/tak_stream.hpp"
#include "scratch_dir.hpp"

namespace deconflict {
namespace {

using nlohmann::json;

const std::string kScenario = std::string(DECONFLICT_SOURCE_DIR) + "/scenarios/at-tanf-2018.geojson";

Geometry point(double lat, double lon) { return {GeometryType::point, {{{LatLon{lat, lon}}}}}; }
Geometry line(std::vector<LatLon> ps) { return {GeometryType::line_string, {{std::move(ps)}}}; }
Geometry polygon(std::vector<std::vector<LatLon>> rings) { return {GeometryType::polygon, {std::move(rings)}}; }

// Calls f on every straight segment of the drawing (x longitude, y latitude).
void each_segment(const OGRGeometry& g, const std::function<void(double, double, double, double)>& f) {
  if (const auto* c = dynamic_cast<const OGRSimpleCurve*>(&g)) {
    for (int i = 0; i + 1 < c->getNumPoints(); ++i) f(c->getX(i), c->getY(i), c->getX(i + 1), c->getY(i + 1));
  } else if (const auto* p = dynamic_cast<const OGRPolygon*>(&g)) {
    for (const OGRLinearRing* r : *p) each_segment(*r, f);
  } else if (const auto* parts = dynamic_cast<const OGRGeometryCollection*>(&g)) {
    for (const OGRGeometry* part : *parts) each_segment(*part, f);
  }
}

// The exact distance from a point to the geometry (GeographicLib's geodesics).
double distance_to(const geo::Shape& shape, double lat, double lon) {
  auto p = geo::Shape::build(point(lat, lon));
  return geo::distance_m(shape, *p, 1e8);
}

struct Drawn {
  double worst_m = 0;  // the largest |distance - expected| at a vertex or a segment's midpoint
  size_t vertices = 0;
  double west = 180, east = -180;
};

// Measures each vertex of the outline and each segment's midpoint in plate
// carrée (what a GIS tool draws there) against `boundary`, which they should
// be `expected_m` from.
Drawn measure(const OGRGeometry& outline, const Geometry& boundary, double expected_m) {
  auto shape = geo::Shape::build(boundary);
  EXPECT_TRUE(shape) << shape.error().describe();
  Drawn d;
  each_segment(outline, [&](double x0, double y0, double x1, double y1) {
    // The cut at the antimeridian runs inside the shape, along it.
    if (std::fabs(x0) == 180.0 && x0 == x1) return;
    ++d.vertices;
    d.west = std::min({d.west, x0, x1});
    d.east = std::max({d.east, x0, x1});
    double mx = x0 + std::remainder(x1 - x0, 360.0) / 2;
    for (auto [x, y] : {std::pair{x0, y0}, std::pair{mx, (y0 + y1) / 2}}) {
      d.worst_m = std::max(d.worst_m, std::fabs(distance_to(*shape, y, std::remainder(x, 360.0)) - expected_m));
    }
  });
  return d;
}

// The rings of a polygon as lines: what its outline with no margin must follow.
Geometry rings_as_line(const Geometry& g, size_t ring) { return line(g.parts[0][ring]); }

constexpr double kTolerance = 0.5;

TEST(Outline, ACircleIsDrawnOnItsGeodesicCircleWithinTheTolerance) {
  for (auto [lat, lon] : {std::pair{33.50583, 38.61778}, {60.0, 10.0}, {-75.0, 100.0}, {0.0, -60.0}}) {
    for (double r : {10.0, 1500.0, 55'000.0, 300'000.0}) {
      const Geometry c = point(lat, lon);
      auto o = gis::outline(c, Metres(r), {kTolerance});
      ASSERT_TRUE(o) << o.error().describe();
      const Drawn d = measure(**o, c, r);
      EXPECT_LE(d.worst_m, kTolerance) << lat << "," << lon << " r " << r;
      EXPECT_GE(d.vertices, 16u);
    }
  }
}

// A road that curves 3 degrees at each of its vertices, 1 km apart: even so
// gentle a turn leaves a gap between its two bands that runs down to the
// vertex, which only the join's sector fills.
Geometry curving_road() {
  std::vector<LatLon> road;
  double lat = 33.0, lon = 38.0, azi = 40.0;
  for (int i = 0; i < 40; ++i, azi += 3.0) {
    road.push_back({lat, lon});
    double lat2 = 0, lon2 = 0;
    geo::wgs84().Direct(lat, lon, azi, 1000.0, lat2, lon2);
    lat = lat2;
    lon = lon2;
  }
  return line(road);
}

TEST(Outline, ACorridorIsItsBandRoundTheBendsAndEnds) {
  const std::vector<Geometry> corridors = {
      curving_road(), line({{33.2, 38.1}, {33.5, 38.6}, {33.3, 38.9}}),      // a bend at At Tanf
      line({{59.0, 5.0}, {61.0, 9.0}}),                                      // 300 km at 60° N
      line({{-20.0, 30.0}, {-20.05, 30.3}, {-20.0, 30.31}, {-19.9, 30.0}}),  // a hairpin
  };
  for (const Geometry& g : corridors) {
    for (double half_width : {50.0, 2000.0, 20'000.0}) {
      auto o = gis::outline(g, Metres(half_width), {kTolerance});
      ASSERT_TRUE(o) << o.error().describe();
      EXPECT_EQ(wkbFlatten((*o)->getGeometryType()), wkbPolygon);
      EXPECT_LE(measure(**o, g, half_width).worst_m, kTolerance) << half_width;
    }
  }
}

TEST(Outline, AMarginGrowsAConcavePolygonAndShrinksItsHole) {
  const Geometry g =
      polygon({{{33.0, 38.0}, {33.0, 38.4}, {33.3, 38.4}, {33.3, 38.3}, {33.1, 38.3}, {33.1, 38.0}, {33.0, 38.0}},
               {{33.02, 38.32}, {33.02, 38.38}, {33.06, 38.38}, {33.06, 38.32}, {33.02, 38.32}}});
  for (double margin : {100.0, 500.0, 1500.0}) {
    auto o = gis::outline(g, Metres(margin), {kTolerance});
    ASSERT_TRUE(o) << o.error().describe();
    EXPECT_LE(measure(**o, g, margin).worst_m, kTolerance) << margin;
    // The hole (about 4.4 km by 5.6 km) is smaller by the margin on every side but still open.
    const auto* drawn = (*o)->toPolygon();
    EXPECT_EQ(drawn->getNumInteriorRings(), 1) << margin;
  }
}

TEST(Outline, APolygonWithNoMarginFollowsItsGeodesicEdges) {
  // Long edges at high latitude, where a geodesic bows far from the straight line in plate carrée.
  const Geometry g = polygon({{{60.0, 0.0}, {60.0, 20.0}, {70.0, 20.0}, {70.0, 0.0}, {60.0, 0.0}}});
  auto o = gis::outline(g, Metres(0), {kTolerance});
  ASSERT_TRUE(o) << o.error().describe();
  EXPECT_LE(measure(**o, rings_as_line(g, 0), 0).worst_m, kTolerance);
  // The edge along 60° N is a geodesic, not the parallel: it bows north by about 45 km.
  OGREnvelope e;
  (*o)->getEnvelope(&e);
  EXPECT_NEAR(e.MinY, 60.0, 1e-9);
}

TEST(Outline, AnOutlineAcrossTheAntimeridianIsCutIntoPartsWithinTheWorld) {
  const Geometry c = point(-16.5, 179.95);  // Fiji
  auto o = gis::outline(c, Metres(20'000), {kTolerance});
  ASSERT_TRUE(o) << o.error().describe();
  EXPECT_EQ(wkbFlatten((*o)->getGeometryType()), wkbMultiPolygon);
  EXPECT_EQ((*o)->toMultiPolygon()->getNumGeometries(), 2);
  OGREnvelope e;
  (*o)->getEnvelope(&e);
  EXPECT_GE(e.MinX, -180.0);
  EXPECT_LE(e.MaxX, 180.0);
  // The cut adds vertices on the antimeridian, each still on the circle.
  EXPECT_LE(measure(**o, c, 20'000).worst_m, kTolerance);
}

TEST(Outline, AnOutlineRoundAPoleIsRefusedNotDrawnWrong) {
  auto o = gis::outline(point(89.9, 0), Metres(50'000), {kTolerance});
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("pole"), std::string::npos);
  EXPECT_TRUE(gis::outline(point(80, 0), Metres(50'000), {kTolerance}));
}

TEST(Outline, AZeroWidthCorridorIsItsDensifiedLine) {
  const Geometry g = line({{33.2, 38.1}, {34.5, 40.6}});
  auto o = gis::outline(g, Metres(0), {kTolerance});
  ASSERT_TRUE(o);
  EXPECT_EQ(wkbFlatten((*o)->getGeometryType()), wkbLineString);
  EXPECT_GT((*o)->toLineString()->getNumPoints(), 100);
  EXPECT_LE(measure(**o, g, 0).worst_m, kTolerance);
}

// --- field values -------------------------------------------------------------

json coerced(std::string_view property, const json& raw) {
  auto v = gis::detail::coerce(*gis::detail::property_named(property), raw);
  return v ? *v : json("error: " + v.error().message);
}

TEST(GisFields, TimesAreReadAsGdalWritesThemWithTheirZone) {
  EXPECT_EQ(coerced("start", "2018/09/07 04:00:00+00"), "2018-09-07T04:00:00Z");
  EXPECT_EQ(coerced("start", "2018/09/07 07:00:00+03"), "2018-09-07T04:00:00Z");
  EXPECT_EQ(coerced("start", "2018-09-07T04:00:00Z"), "2018-09-07T04:00:00Z");
  EXPECT_EQ(coerced("start", "2018/09/07 04:00:00.250+00"), "2018-09-07T04:00:00.250Z");
  EXPECT_NE(coerced("start", "2018-09-07 04:00").get<std::string>().find("no time zone"), std::string::npos);
  EXPECT_NE(coerced("start", "2018-09-07").get<std::string>().find("without a time"), std::string::npos);
  EXPECT_NE(coerced("end", "tomorrow").get<std::string>().find("is not a time"), std::string::npos);
}

TEST(GisFields, ListsAreReadInEveryEncodingGdalUses) {
  const json both = json::array({"coalition", "russia"});
  EXPECT_EQ(coerced("permitted", json::array({"coalition", "russia"})), both);
  EXPECT_EQ(coerced("permitted", "[\"coalition\",\"russia\"]"), both);
  EXPECT_EQ(coerced("permitted", "(2:coalition,russia)"), both);
  EXPECT_EQ(coerced("permitted", "coalition, russia"), both);
  EXPECT_EQ(coerced("agreed_by", "coalition;russia"), both);
  EXPECT_EQ(coerced("permitted", ""), json::array());
  EXPECT_EQ(coerced("share", "all"), "all");
  EXPECT_EQ(coerced("share", "un"), json::array({"un"}));
}

TEST(GisFields, NumbersAndTextAreTakenFromEitherEncoding) {
  EXPECT_EQ(coerced("radius_m", "1500"), 1500.0);
  EXPECT_EQ(coerced("radius_m", 1500), 1500);
  EXPECT_NE(coerced("radius_m", "5 km").get<std::string>().find("not a number"), std::string::npos);
  EXPECT_EQ(coerced("id", 17), "17");
  EXPECT_EQ(coerced("id", 17.0), "17");
  EXPECT_EQ(coerced("altitude", "{\"lower_m\":0,\"upper_m\":3000}"), json({{"lower_m", 0}, {"upper_m", 3000}}));
}

TEST(GisFields, AFieldMapSaysWhichFieldOrValueEachPropertyTakes) {
  auto m = gis::FieldMap::parse({"start=begin,end=finish"}, {"type=site,party=un", "permitted=coalition,russia"});
  ASSERT_TRUE(m) << m.error().describe();
  EXPECT_EQ(m->fields.at("start"), "begin");
  EXPECT_EQ(m->fields.at("end"), "finish");
  EXPECT_EQ(m->constants.at("type"), "site");
  EXPECT_EQ(m->constants.at("party"), "un");
  EXPECT_EQ(m->constants.at("permitted"), "coalition,russia");
  auto unknown = gis::FieldMap::parse({"begin=start"}, {});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("no property 'begin'"), std::string::npos);
  EXPECT_FALSE(gis::FieldMap::parse({"start"}, {}));
  EXPECT_FALSE(gis::FieldMap::parse({"start=begin"}, {"start=2018-09-07T04:00:00Z"}));
}

// --- round trips ------------------------------------------------------------

std::vector<PreparedVolume> scenario() {
  auto text = format::read_file(kScenario);
  auto batch = format::read_features(*text, {false, format::ServerFields::all});
  EXPECT_TRUE(batch) << batch.error().describe();
  return std::move(batch->volumes);
}

json comparable(const Volume& v) {
  json f = format::to_feature(v);
  return f;
}

TEST(GisFiles, EachFormatGivesBackExactlyWhatWasWritten) {
  testing::ScratchDir dir("gis");
  const std::vector<PreparedVolume> world = scenario();
  std::vector<const Volume*> all;
  for (const Volume& v : world) all.push_back(&v);
  for (const char* name : {"w.kml", "w.kmz", "w.gpkg", "w.shp", "w.csv", "w.geojson"}) {
    const std::string path = (dir / name).string();
    auto written = gis::write_file(path, all, {});
    ASSERT_TRUE(written) << name << ": " << written.error().describe();
    EXPECT_EQ(written->written, world.size());
    auto read = gis::read_file(path, {});
    ASSERT_TRUE(read) << name << ": " << read.error().describe();
    ASSERT_EQ(read->volumes.size(), world.size()) << name;
    for (size_t i = 0; i < world.size(); ++i) {
      const Volume& back = read->volumes[i];
      EXPECT_EQ(comparable(back), comparable(world[i])) << name << " " << world[i].id;
    }
  }
}

TEST(GisFiles, ErrorsNameTheFileTheLayerTheFeatureAndTheField) {
  testing::ScratchDir dir("gis");
  const std::string path = (dir / "sites.csv").string();
  std::ofstream(path) << "id,lon,lat,begin,radius\nclinic-1,38.5,33.4,2018-09-07T04:00:00Z,200\n"
                         "clinic-2,38.6,33.4,2018-09-07 04:00,200\n";
  gis::ReadOptions options;
  options.map = *gis::FieldMap::parse({"radius_m=radius"}, {"type=site", "party=un"});
  auto r = gis::read_file(path, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "sites.csv: layer 'sites', feature 2 (clinic-2): field 'begin' (start)");
  EXPECT_NE(r.error().message.find("no time zone"), std::string::npos);
  options.skip_invalid = true;
  auto skipped = gis::read_file(path, options);
  ASSERT_TRUE(skipped) << skipped.error().describe();
  EXPECT_EQ(skipped->volumes.size(), 1u);
  EXPECT_EQ(skipped->rejected.size(), 1u);
}

TEST(GisFiles, AMappedFieldTheLayerLacksIsAnError) {
  testing::ScratchDir dir("gis");
  const std::string path = (dir / "sites.csv").string();
  std::ofstream(path) << "id,lon,lat\nclinic-1,38.5,33.4\n";
  gis::ReadOptions options;
  options.map = *gis::FieldMap::parse({"start=begin"}, {});
  auto r = gis::read_file(path, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "--map start=begin");
  EXPECT_NE(r.error().message.find("its fields: id"), std::string::npos);
}

// --- GeoJSON as RFC 7946 asks of files ------------------------------------------

TEST(FileFeature, RingsAreWoundRightHandedAndTheBboxCrossesTheAntimeridian) {
  // A clockwise outer ring with a counterclockwise hole, across the antimeridian.
  const std::string text = R"({"type":"Feature","properties":{"type":"site","party":"un"},"geometry":{
    "type":"Polygon","coordinates":[[[179.5,-16],[-179.5,-16],[-179.5,-17],[179.5,-17],[179.5,-16]],
                                    [[179.8,-16.2],[179.8,-16.8],[-179.8,-16.8],[-179.8,-16.2],[179.8,-16.2]]]}})";
  auto v = format::read_feature(json::parse(text));
  ASSERT_TRUE(v) << v.error().describe();
  const auto f = format::to_file_feature(*v, true);
  const auto& outer = f["geometry"]["coordinates"][0];
  const auto& hole = f["geometry"]["coordinates"][1];
  EXPECT_EQ(outer[1], json::parse("[179.5,-17.0]"));  // reversed: now counterclockwise
  EXPECT_EQ(hole[1], json::parse("[-179.8,-16.2]"));  // reversed: now clockwise
  // Wound right already, a ring is left as it is.
  auto again = format::read_feature(f);
  ASSERT_TRUE(again);
  EXPECT_EQ(format::to_file_feature(*again, false)["geometry"], f["geometry"]);
  EXPECT_EQ(f["bbox"], json::parse("[179.5,-17.0,-179.5,-16.0]"));
}

TEST(FileFeature, ACrsOtherThanWgs84IsRefusedNotMisread) {
  const std::string fc =
      R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}},
    "features":[{"type":"Feature","properties":{"type":"site","party":"un","radius_m":10},
                 "geometry":{"type":"Point","coordinates":[4298000,3962000]}}]})";
  auto r = format::read_features(fc);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "crs");
  EXPECT_NE(r.error().message.find("EPSG::3857"), std::string::npos);
  const std::string wgs84 =
      R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},
    "features":[]})";
  EXPECT_TRUE(format::read_features(wgs84));
  // One Feature, as POST /v1/activities reads it, is held to the same.
  json feature = json::parse(fc)["features"][0];
  feature["geometry"]["coordinates"] = {38.6, 33.5};
  json legacy = feature;
  legacy["crs"] = json::parse(R"({"type":"name","properties":{"name":"EPSG:3857"}})");
  auto one = format::read_feature(legacy);
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error().field, "crs");
  EXPECT_TRUE(format::read_feature(feature));
}

TEST(FileFeature, AThirdCoordinateIsReportedNotDroppedInSilence) {
  const std::string f = R"({"type":"Feature","properties":{"type":"site","party":"un","radius_m":10},
    "geometry":{"type":"Point","coordinates":[38.6,33.5,450]}})";
  auto r = format::read_features(f);
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_EQ(r->ignored.size(), 1u);
  EXPECT_NE(r->ignored[0].find("altitude"), std::string::npos);
}

}  // namespace
}  // namespace deconflict

namespace deconflict {
namespace {

// TAK's <auth> as ATAK writes it (single quotes, a declaration first), and
// what is not one: another root, no <cot>, or text that is not XML.
TEST(TakStream, TheAuthMessageIsReadAsAtakWritesIt) {
  auto auth = gis::read_tak_auth(
      "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<auth><cot username='un' password='dcf_s_x' "
      "uid='ANDROID-1'/></auth>");
  ASSERT_TRUE(auth) << auth.error().message;
  EXPECT_EQ(auth->username, "un");
  EXPECT_EQ(auth->password, "dcf_s_x");
  EXPECT_FALSE(gis::read_tak_auth("<event><cot username='un' password='x'/></event>"));
  EXPECT_FALSE(gis::read_tak_auth("<auth/>"));
  EXPECT_FALSE(gis::read_tak_auth("<auth><cot username='un'"));
}

// A ping is told by its event's own type, not by text elsewhere in it.
TEST(TakStream, APingIsToldByItsTypeAlone) {
  EXPECT_TRUE(gis::is_ping("<event version='2.0' uid='p' type='t-x-c-t' how='m-g'><detail/></event>"));
  EXPECT_TRUE(gis::is_ping(R"(<event version="2.0" type="t-x-c-t"><detail/></event>)"));
  EXPECT_FALSE(gis::is_ping(R"(<event type="a-f-G"><detail><remarks type="t-x-c-t"/></detail></event>)"));
  EXPECT_FALSE(gis::is_ping(R"(<event type="t-x-c-t-r"/>)"));
  EXPECT_FALSE(gis::is_ping("no event"));
}

TEST(TakStream, MessagesAreCutAtTheirClosingTag) {
  EXPECT_EQ(gis::message_end("<event/></event><event>", "</event>"), 16u);
  EXPECT_FALSE(gis::message_end("<event><detail>", "</event>"));
}

// A delete names the drawing it deletes, escaped.
TEST(TakStream, ADeleteNamesItsDrawing) {
  const std::string e = gis::cot_delete("deconflict.a&b", parse_rfc3339("2018-09-07T04:00:00Z").value());
  EXPECT_NE(e.find(R"(type="t-x-d-d")"), std::string::npos) << e;
  EXPECT_NE(e.find(R"(<link uid="deconflict.a&amp;b" relation="none" type="none"/><__forcedelete/>)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find(R"(time="2018-09-07T04:00:00Z")"), std::string::npos) << e;
}

}  // namespace
}  // namespace deconflict
