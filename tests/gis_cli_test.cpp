// `deconflict import` and `export` with the files GIS users hold, written and
// read by GDAL's own tools (ogr2ogr, ogrinfo), as in docs/formats.md.
#include <cpl_string.h>
#include <cpl_vsi.h>
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
const std::string kTakCot = std::string(DECONFLICT_SOURCE_DIR) + "/tests/data/takcot/";

class GisCli : public ::testing::Test {
 protected:
  // A shell command run in the scratch directory; `deconflict` is the binary under test.
  Outcome sh(const std::string& command) {
    const std::string in = path("stdin"), err = path("stderr");
    std::ofstream(in) << "";
    return deconflict::testing::run_command("cd " + dir_.path().string() + " && DC=" + kBin + " && " + command, in,
                                            err);
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
  void world() { ok("$DC import --db w.db --no-notices " + kScenario + " && $DC export --db w.db -o ref.geojson"); }

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
  const Outcome r =
      ok("$DC import --db c.db clinics.csv --set type=site,party=un,kind=hospital "
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
  EXPECT_NE(
      bad.err.find("sites.csv: layer 'sites', feature 2 (s2): field 'start': '2018/09/07 04:00' has no time zone"),
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

// --- Cursor-on-Target ---------------------------------------------------------

// The .cot files of a zip, extracted into `dir` (through GDAL's /vsizip/).
std::vector<std::string> unzip_events(const std::string& zip, const std::filesystem::path& dir) {
  std::vector<std::string> out;
  char** entries = VSIReadDirRecursive(("/vsizip/" + zip).c_str());
  for (char** e = entries; e && *e; ++e) {
    const std::string name = *e;
    if (!name.ends_with(".cot") && !name.ends_with(".xml")) continue;
    GByte* bytes = nullptr;
    vsi_l_offset size = 0;
    EXPECT_TRUE(VSIIngestFile(nullptr, ("/vsizip/" + zip + "/" + name).c_str(), &bytes, &size, 1 << 24));
    const std::string path = (dir / std::filesystem::path(name).filename()).string();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes), static_cast<std::streamsize>(size));
    VSIFree(bytes);
    out.push_back(path);
  }
  CSLDestroy(entries);
  return out;
}

TEST_F(GisCli, EveryDrawingOfADataPackageIsValidByMitresSchemaAndTaks) {
  world();
  ok("$DC export --db w.db -o at-tanf.zip");
  const std::vector<std::string> files = unzip_events(path("at-tanf.zip"), dir_.path());
  ASSERT_EQ(files.size(), 10u);  // nine drawings and the manifest
  size_t circles = 0, free_forms = 0;
  for (const std::string& f : files) {
    if (f.ends_with("manifest.xml")) {
      const Outcome n = ok("xmllint --xpath 'count(//Content)' '" + f + "'");
      EXPECT_EQ(n.out, "9\n");
      continue;
    }
    const std::string text = deconflict::testing::slurp(f);
    const bool circle = text.find("type=\"u-d-c-c\"") != std::string::npos;
    (circle ? circles : free_forms)++;
    const std::string tak =
        kTakCot + (circle ? "xsd/Drawing Shapes - Circle.xsd" : "xsd/Drawing Shapes - Free Form.xsd");
    const std::string mitre = kTakCot + "mitre/CoT Base-Event Schema  (PUBLIC RELEASE).xsd";
    for (const std::string& schema : {tak, mitre}) {
      const Outcome v = sh("xmllint --noout --schema '" + schema + "' '" + f + "'");
      EXPECT_EQ(v.status, 0) << f << " against " << schema << "\n" << v.err;
    }
  }
  EXPECT_EQ(circles, 5u);  // the points: a zone, two sites, a base, the live-fire circle
  EXPECT_EQ(free_forms, 4u);
  // The zone's circle keeps its radius, its window and its party.
  const std::string zone = deconflict::testing::slurp(path("deconflict.coalition.zone-at-tanf.cot"));
  EXPECT_NE(zone.find("<ellipse major=\"55000.000\" minor=\"55000.000\""), std::string::npos) << zone;
  EXPECT_NE(zone.find("start=\"2017-06-01T00:00:00Z\""), std::string::npos);
  EXPECT_NE(zone.find("source=\"deconflict.coalition\""), std::string::npos);
  EXPECT_NE(zone.find("permitted partner-force"), std::string::npos);
}

TEST_F(GisCli, AtaksDrawingsImportAsActivities) {
  const std::string set = " --set type=activity,party=coalition,kind=patrol";
  ok("$DC import --db d.db '" + kTakCot + "examples/Drawing Shapes - Free Form.cot'" + set);
  ok("$DC import --db d.db '" + kTakCot + "examples/Drawing Shapes - Rectangle.cot'" + set);
  ok("$DC import --db d.db '" + kTakCot + "examples/Drawing Shapes - Circle.cot'" + set);
  std::map<std::string, json> by_name;
  for (const auto& [id, f] : exported("d.db")) by_name[f["properties"]["name"]] = f;
  ASSERT_EQ(by_name.size(), 3u);
  EXPECT_EQ(by_name.at("Shape 1")["geometry"]["type"], "Polygon");
  EXPECT_EQ(by_name.at("Rectangle 1")["geometry"]["type"], "Polygon");
  EXPECT_EQ(by_name.at("Rectangle 1")["geometry"]["coordinates"][0].size(), 5u);  // its corners, closed
  EXPECT_EQ(by_name.at("Drawing Circle 1")["properties"]["radius_m"], 226.98412686380018);
  EXPECT_EQ(by_name.at("Drawing Circle 1")["properties"]["start"], "2020-12-16T19:59:34.915Z");
  EXPECT_EQ(by_name.at("Drawing Circle 1")["properties"]["end"], "2020-12-17T19:59:34.915Z");
}

TEST_F(GisCli, ADataPackageImportsBackWithTheSameShapes) {
  world();
  ok("$DC export --db w.db -o at-tanf.zip && $DC import --db back.db at-tanf.zip --set type=site,party=un");
  const auto back = exported("back.db");
  EXPECT_EQ(back.size(), 9u);
  for (const auto& [id, f] : back) EXPECT_EQ(f["properties"]["type"], "site");
}

TEST_F(GisCli, ANameThatIsMarkupIsTextInTheDrawing) {
  write("odd.geojson", R"({"type":"Feature","properties":{"id":"odd","type":"site","party":"un","radius_m":100,
    "name":"<b>\"Tom & Jerry's\"</b>","description":"]]> <!-- x -->"},
    "geometry":{"type":"Point","coordinates":[38.6,33.5]}})");
  ok("$DC import --db o.db odd.geojson && $DC export --db o.db -o odd.zip");
  const auto files = unzip_events(path("odd.zip"), dir_.path());
  const std::string f = path("deconflict.odd.cot");
  const Outcome v = sh("xmllint --noout --schema '" + kTakCot + "xsd/Drawing Shapes - Circle.xsd' '" + f + "'");
  EXPECT_EQ(v.status, 0) << v.err;
  ok("$DC import --db o2.db '" + f + "' --set type=site,party=un");
  EXPECT_EQ(exported("o2.db").begin()->second["properties"]["name"], "<b>\"Tom & Jerry's\"</b>");
}

TEST_F(GisCli, ADrawingIsReadAsDataNeverFetchingWhatItNames) {
  // An external entity would read a local file into the drawing's name if it were expanded.
  write("secret.txt", "the secret");
  write("xxe.cot", R"(<?xml version="1.0"?>
<!DOCTYPE event [<!ENTITY leak SYSTEM "file://)" +
                       path("secret.txt") + R"(">]>
<event version="2.0" uid="x" type="u-d-c-c" time="2020-12-16T19:59:34Z" start="2020-12-16T19:59:34Z"
       stale="2020-12-17T19:59:34Z" how="h-e"><point lat="33.5" lon="38.6" hae="0" ce="0" le="0"/>
<detail><shape><ellipse major="100" minor="100" angle="360"/></shape><contact callsign="&leak;"/></detail></event>)");
  const Outcome r = sh("$DC import --db x.db xxe.cot --set type=site,party=un && $DC export --db x.db");
  EXPECT_EQ(r.out.find("the secret"), std::string::npos) << r.out;
}

}  // namespace
