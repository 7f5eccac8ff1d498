// `deconflict import` and `export` with the files GIS users hold, written and
// read by GDAL's own tools (ogr2ogr, ogrinfo), as in docs/formats.md.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "scratch_dir.hpp"

namespace {

using deconflict::testing::Outcome;
using nlohmann::json;

const std::string kBin = DECONFLICT_BIN;
const std::string kScenario = std::string(DECONFLICT_SOURCE_DIR) + "/scenarios/at-tanf-2018.geojson";

class GisCli : public ::testing::Test {
 protected:
  // A shell command run in the scratch directory; `deconflict` is the binary under test.
  Outcome sh(const std::string& command) {
    const std::string in = path("stdin"), err = path("stderr");
    std::ofstream(in) << "";
    return deconflict::testing::run_command(
        "cd " + dir_.path().string() + " && DC=" + kBin + " && " + command, in, err);
  }
  Outcome ok(const std::string& command) {
    Outcome r = sh(command);
    EXPECT_EQ(r.status, 0) << command << "\n" << r.err;
    return r;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write(const std::string& name, const std::string& text) { std::ofstream(path(name)) << text; }

  // The store's objects as exported (GeoJSON), by id, without what the server sets.
  std::map<std::string, json> exported(const std::string& db, const std::string& args = "") {
    const Outcome r = ok("$DC export --db " + db + " " + args);
    std::map<std::string, json> out;
    const json fc = json::parse(r.out);
    for (json f : fc["features"]) {
      for (const char* managed : {"version", "state"}) f["properties"].erase(managed);
      out[f["id"].get<std::string>()] = f;
    }
    return out;
  }

  // A fresh store holding the At Tanf scenario, and its GeoJSON export (ref.geojson).
  void world() {
    ok("$DC import --db w.db --no-notices " + kScenario + " && $DC export --db w.db -o ref.geojson");
  }

  deconflict::testing::ScratchDir dir_{"gis-cli"};
};

TEST_F(GisCli, EveryExportIsAFileOgrinfoReadsWithEveryVolume) {
  world();
  for (const char* file : {"w.kml", "w.kmz", "w.gpkg", "w.shp", "w.csv"}) {
    ok(std::string("$DC export --db w.db -o ") + file);
    const Outcome info = ok(std::string("ogrinfo -ro -so -al ") + file);
    EXPECT_NE(info.out.find("Feature Count: 9"), std::string::npos) << file << "\n" << info.out;
  }
  // The 55 km zone is a polygon of its true circle, not a pin.
  const Outcome zone = ok("ogrinfo -ro -al -q w.gpkg -where \"id='coalition.zone-at-tanf'\"");
  EXPECT_NE(zone.out.find("POLYGON (("), std::string::npos) << zone.out;
  EXPECT_NE(zone.out.find("radius_m (Real) = 55000"), std::string::npos);
  EXPECT_NE(zone.out.find("declared (String) = POINT (38.61778 33.50583)"), std::string::npos);
}

TEST_F(GisCli, AnExportThroughEachFormatAndBackChangesNothing) {
  world();
  const auto before = exported("w.db");
  for (const char* file : {"w.kml", "w.kmz", "w.gpkg", "w.shp", "w.csv"}) {
    const std::string db = std::string("back-") + file + ".db";
    ok(std::string("$DC export --db w.db -o ") + file + " && $DC import --no-notices --db " + db + " " + file);
    EXPECT_EQ(exported(db), before) << file;
  }
  // And through ogr2ogr from one GIS format to another: the declared geometry rides along.
  ok("ogr2ogr -f CSV again.csv w.gpkg -lco GEOMETRY=AS_WKT && $DC import --no-notices --db again.db again.csv");
  EXPECT_EQ(exported("again.db"), before);
}

TEST_F(GisCli, WhatOgr2ogrWritesFromAGeoJsonExportImportsBack) {
  // GDAL stores RFC 3339 as DateTime fields ("2018/09/07 04:00:00+00") and
  // arrays as JSON text or "(1:partner-force)": both are read back.
  world();
  const auto before = exported("w.db");
  ok("ogr2ogr -f GPKG from.gpkg ref.geojson && $DC import --no-notices --db gpkg.db from.gpkg");
  EXPECT_EQ(exported("gpkg.db"), before);
  ok("ogr2ogr -f CSV from.csv ref.geojson -lco GEOMETRY=AS_WKT && $DC import --no-notices --db csv.db from.csv");
  EXPECT_EQ(exported("csv.db"), before);
  // A Shapefile holds one geometry type (here the points), and no times or lists but as text.
  ok("ogr2ogr -f 'ESRI Shapefile' points.shp ref.geojson -where \"OGR_GEOMETRY='POINT'\" "
     "-mapFieldType DateTime=String,StringList=String && $DC import --no-notices --db shp.db points.shp");
  const auto points = exported("shp.db");
  ASSERT_EQ(points.size(), 5u);
  for (const auto& [id, f] : points) EXPECT_EQ(f, before.at(id)) << id;
}

TEST_F(GisCli, AProjectedLayerIsReprojectedToWgs84) {
  world();
  ok("ogr2ogr -f 'ESRI Shapefile' utm.shp ref.geojson -t_srs EPSG:32637 -where \"OGR_GEOMETRY='POINT'\" "
     "-mapFieldType DateTime=String,StringList=String && $DC import --no-notices --db utm.db utm.shp");
  const auto before = exported("w.db");
  for (const auto& [id, f] : exported("utm.db")) {
    const json& a = f["geometry"]["coordinates"];
    const json& b = before.at(id)["geometry"]["coordinates"];
    EXPECT_NEAR(a[0].get<double>(), b[0].get<double>(), 1e-9) << id;
    EXPECT_NEAR(a[1].get<double>(), b[1].get<double>(), 1e-9) << id;
  }
  // A GeoJSON file of before RFC 7946 that names its crs: reprojected too, not misread as degrees.
  ok("ogr2ogr -f GeoJSON merc.geojson ref.geojson -t_srs EPSG:3857 -lco RFC7946=NO -where \"OGR_GEOMETRY='POINT'\" && "
     "grep -q EPSG merc.geojson && $DC import --no-notices --db merc.db merc.geojson");
  for (const auto& [id, f] : exported("merc.db")) {
    EXPECT_NEAR(f["geometry"]["coordinates"][1].get<double>(),
                before.at(id)["geometry"]["coordinates"][1].get<double>(), 1e-9)
        << id;
  }
}

TEST_F(GisCli, ACsvOfSitesWithMgrsReferencesNeedsNoHandEditing) {
  write("clinics.csv",
        "name,grid,radius\n"
        "Rukban clinic,37S BS 93766 08745,200\n"
        "Field hospital,37SBS9400009000,300\n");
  const Outcome r = ok("$DC import --db c.db clinics.csv --set type=site,party=un,kind=hospital "
                       "--map position=grid,radius_m=radius");
  EXPECT_NE(r.out.find("2 created"), std::string::npos) << r.out;
  const Outcome where = ok("$DC position '37S BS 93766 08745' --grid decimal");
  const auto sites = exported("c.db");
  ASSERT_EQ(sites.size(), 2u);
  for (const auto& [id, f] : sites) {
    EXPECT_EQ(f["properties"]["party"], "un");
    if (f["properties"]["name"] != "Rukban clinic") continue;
    EXPECT_EQ(f["properties"]["radius_m"], 200.0);
    char lat[32];
    std::snprintf(lat, sizeof lat, "%.6f", f["geometry"]["coordinates"][1].get<double>());
    EXPECT_NE(where.out.find(lat), std::string::npos) << where.out << " vs " << lat;
  }
}

TEST_F(GisCli, NumbersThatAreNotDegreesNeedTheirCoordinateSystemNamed) {
  write("posts.csv", "id,x,y\npost-1,322000,3708000\n");
  const Outcome bad = sh("$DC import --db p.db posts.csv --set type=site,party=un,radius_m=50");
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.err.find("posts.csv: layer 'posts', feature 1 (post-1): geometry"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("--crs"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(path("p.db")));
  ok("$DC import --db p.db posts.csv --set type=site,party=un,radius_m=50 --crs EPSG:32637");
  const auto sites = exported("p.db");
  EXPECT_NEAR(sites.at("post-1")["geometry"]["coordinates"][1].get<double>(), 33.5, 0.05);
}

TEST_F(GisCli, AThirdCoordinateIsDroppedWithAWarningKeptAsABandOrRefused) {
  write("route.geojson", R"({"type":"Feature","properties":{"id":"r1","type":"activity","party":"coalition",
    "kind":"flight","buffer_m":500,"start":"2018-09-07T04:00:00Z","end":"2018-09-07T06:00:00Z"},
    "geometry":{"type":"LineString","coordinates":[[38.1,33.2,300],[38.5,33.4,2500]]}})");
  const Outcome dropped = ok("$DC import --no-notices --db a.db route.geojson");
  EXPECT_NE(dropped.err.find("altitude"), std::string::npos) << dropped.err;
  ok("$DC import --no-notices --db b.db route.geojson --z band");
  EXPECT_EQ(exported("b.db").at("r1")["properties"]["altitude"], json::parse(R"({"lower_m":300.0,"upper_m":2500.0})"));
  const Outcome refused = sh("$DC import --no-notices --db c.db route.geojson --z refuse");
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.err.find("third coordinate"), std::string::npos) << refused.err;
}

TEST_F(GisCli, ABulkImportIsOneTransaction) {
  write("sites.csv",
        "id,lon,lat,start\n"
        "s1,38.5,33.4,2018-09-07T04:00:00Z\n"
        "s2,38.6,33.4,2018/09/07 04:00\n");
  const Outcome bad = sh("$DC import --db s.db sites.csv --set type=site,party=un,radius_m=50");
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.err.find("sites.csv: layer 'sites', feature 2 (s2): field 'start': '2018/09/07 04:00' has no time zone"),
            std::string::npos)
      << bad.err;
  EXPECT_FALSE(std::filesystem::exists(path("s.db")));  // nothing stored, not even an empty store
}

TEST_F(GisCli, AKmlDrawnInGoogleEarthImportsWithItsTimeSpan) {
  write("patrol.kml", R"(<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>
  <name>Night patrol</name>
  <TimeSpan><begin>2018-09-07T20:00:00Z</begin><end>2018-09-08T02:00:00Z</end></TimeSpan>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>
    38.50,33.40,0 38.60,33.40,0 38.60,33.45,0 38.50,33.45,0 38.50,33.40,0
  </coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark></Document></kml>)");
  const Outcome r = ok("$DC import --db k.db patrol.kml --set type=activity,party=coalition,kind=patrol");
  EXPECT_NE(r.err.find("third coordinate (Z) of 1 feature(s) was not read"), std::string::npos) << r.err;
  const auto all = exported("k.db");
  ASSERT_EQ(all.size(), 1u);
  const json& p = all.begin()->second["properties"];
  EXPECT_EQ(p["name"], "Night patrol");
  EXPECT_EQ(p["start"], "2018-09-07T20:00:00Z");
  EXPECT_EQ(p["end"], "2018-09-08T02:00:00Z");
}

TEST_F(GisCli, GeoJsonFilesFollowTheRightHandRuleAndCarryABboxWhenAsked) {
  world();
  const json fc = json::parse(ok("$DC export --db w.db --with-bbox").out);
  for (const json& f : fc["features"]) {
    ASSERT_TRUE(f.contains("bbox")) << f["id"];
    if (f["geometry"]["type"] != "Polygon") continue;
    const json& ring = f["geometry"]["coordinates"][0];
    double area2 = 0;
    for (size_t i = 0; i + 1 < ring.size(); ++i) {
      area2 += ring[i][0].get<double>() * ring[i + 1][1].get<double>() -
               ring[i + 1][0].get<double>() * ring[i][1].get<double>();
    }
    EXPECT_GT(area2, 0) << f["id"] << ": outer rings counterclockwise";
  }
  // With --outline, GDAL writes RFC 7946 GeoJSON of the true outlines, which imports back.
  ok("$DC export --db w.db --outline -o drawn.geojson && $DC import --no-notices --db drawn.db drawn.geojson");
  EXPECT_EQ(exported("drawn.db"), exported("w.db"));
}

}  // namespace
