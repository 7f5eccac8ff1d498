// deconflict import | export | list | conflicts: commands on the embedded store.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/cli.hpp"
#include "deconflict/position.hpp"
#include "deconflict/service.hpp"
#include "deconflict/time.hpp"
#include "format/feature_reader.hpp"
#include "format/feature_writer.hpp"
#include "gis/cot.hpp"
#include "gis/gis.hpp"
#include "store/store.hpp"

namespace deconflict::cli {

void add_store_options(CLI::App& app, StoreArgs& args) {
  app.add_option("--db", args.db, "The store: an SQLite file, or postgresql://... for several nodes")
      ->capture_default_str();
  app.add_option("--key-file", args.key_file,
                 "The record's signing key; default the SQLite file's path + .key, required with PostgreSQL");
  app.add_option("--now", args.now, "The time to act at (RFC 3339); default the current time");
}

Result<std::unique_ptr<Service>> open_service(const StoreArgs& args) {
  Options options;
  options.db_path = args.db;
  options.key_path = args.key_file;
  if (!args.now.empty()) {
    auto t = parse_rfc3339(args.now);
    if (!t) return make_error(ErrorCode::usage, t.error().message, "--now");
    options.clock = [t = *t] { return t; };
  }
  return Service::open(options);
}

Result<std::unique_ptr<Service>> open_existing_service(const StoreArgs& args) {
  // A mistyped --db must not read as an empty world (nor leave an empty store behind).
  if (!store::is_postgres_url(args.db) && !std::filesystem::exists(args.db)) {
    return make_error(ErrorCode::io_error, "no store at '" + args.db + "' (create one with import or party add)",
                      "--db");
  }
  return open_service(args);
}

namespace {

struct FilterArgs {
  std::string type, party, bbox, start, end, near;
  double within_m = 0;
};

void add_filter_options(CLI::App& app, FilterArgs& f) {
  app.add_option("--type", f.type, "Only this type: zone, site or activity");
  app.add_option("--party", f.party, "Only this party's objects");
  app.add_option("--bbox", f.bbox, "WEST,SOUTH,EAST,NORTH in degrees: only objects whose bounds meet this box");
  app.add_option("--near", f.near,
                 "Only objects at this position, or within --within of it: decimal degrees (latitude first), DMS, "
                 "MGRS or UTM, as `deconflict position` reads them");
  app.add_option("--within", f.within_m, "With --near: metres from the position (default 0: what lies at it)")
      ->check(CLI::Range(0.0, 1'000'000.0));
  app.add_option("--start", f.start, "Only objects active after this time (RFC 3339)");
  app.add_option("--end", f.end, "Only objects active before this time (RFC 3339)");
}

Result<ListFilter> to_filter(const FilterArgs& a) {
  ListFilter f;
  if (!a.type.empty()) {
    f.type = parse_object_type(a.type);
    if (!f.type) return make_error(ErrorCode::usage, "unknown type '" + a.type + "'", "--type");
  }
  if (!a.party.empty()) f.party = a.party;
  if (!a.bbox.empty()) {
    auto b = BoundingBox::parse(a.bbox, "--bbox");
    if (!b) return b.error();
    f.bbox = *b;
  }
  if (!a.near.empty()) {
    auto at = read_position_option(a.near, "--near", "distances are measured from its centre");
    if (!at) return at.error();
    f.near = ListFilter::Near{at->point, Metres(a.within_m)};
    if (Status st = f.near->validate(); !st) return st.error();
  } else if (a.within_m > 0) {
    return make_error(ErrorCode::usage, "--within needs --near", "--within");
  }
  for (auto [text, slot, name] : {std::tuple{&a.start, &f.start, "--start"}, std::tuple{&a.end, &f.end, "--end"}}) {
    if (text->empty()) continue;
    auto t = parse_rfc3339(*text);
    if (!t) return make_error(ErrorCode::usage, t.error().message, name);
    *slot = *t;
  }
  return f;
}

std::string time_cell(TimePoint t) { return t == kTimeMin || t == kTimeMax ? "-" : format_rfc3339(t); }

// A length as a person reads it: metres below a kilometre, else kilometres.
std::string length_cell(double m) {
  char buf[32];
  if (std::abs(m) < 1000) {
    std::snprintf(buf, sizeof buf, "%.0f m", m);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f km", m / 1000);
  }
  return buf;
}

// What radius_m or buffer_m means for this geometry.
std::string size_cell(const Volume& v) {
  if (v.geometry.type == GeometryType::point) return "radius " + length_cell(v.radius.value);
  if (v.radius.value == 0) return "-";
  return (v.geometry.type == GeometryType::line_string ? "half-width " : "margin ") + length_cell(v.radius.value);
}

const char* geometry_name(GeometryType t) {
  switch (t) {
    case GeometryType::point:
      return "Point";
    case GeometryType::line_string:
      return "LineString";
    case GeometryType::polygon:
      return "Polygon";
    case GeometryType::multi_polygon:
      return "MultiPolygon";
  }
  return "?";
}

// --- import ---------------------------------------------------------------

struct ImportArgs {
  StoreArgs store;
  std::string file;
  bool skip_invalid = false;
  bool replace = false;
  bool no_notices = false;
  std::vector<std::string> maps, sets;
  std::string id_field, z = "drop", crs, layer;
};

bool gis_options_given(const ImportArgs& a) {
  return !a.maps.empty() || !a.sets.empty() || !a.id_field.empty() || a.z != "drop" || !a.crs.empty() ||
         !a.layer.empty();
}

// GeoJSON is read by deconflict's own reader (its errors name the JSON
// path) unless it needs GDAL: a field mapping, Z, or a `crs` to reproject.
// Every other format is GDAL's.
Result<format::Batch> read_import(const ImportArgs& a) {
  if (a.file.ends_with(".cot") || a.file.ends_with(".zip")) {
    gis::ReadOptions options;
    auto map = gis::FieldMap::parse({}, a.sets);
    if (!map) return map.error();
    options.map = std::move(*map);
    options.skip_invalid = a.skip_invalid;
    return gis::read_cot_file(a.file, options);
  }
  const std::string driver = a.file == "-" ? "GeoJSON" : gis::driver_for(a.file);
  const bool ndjson = a.file.ends_with(".ndjson") || a.file.ends_with(".jsonl");
  const format::ReadOptions native{a.skip_invalid, format::ServerFields::zone_answers};
  if ((driver == "GeoJSON" || ndjson) && !gis_options_given(a)) {
    auto text = format::read_file(a.file);
    if (!text) return text.error();
    auto batch = format::read_features(*text, native);
    // A `crs` to reproject, or an export drawn with outlines (whose `declared`
    // field holds each geometry as declared), is GDAL's to read.
    const bool outlined = text->find("\"drawn\": \"outline\"") != std::string::npos;
    if (batch || a.file == "-" || (batch.error().field != "crs" && !outlined)) return batch;
  }
  gis::ReadOptions options;
  std::vector<std::string> maps = a.maps;
  if (!a.id_field.empty()) maps.push_back("id=" + a.id_field);
  auto map = gis::FieldMap::parse(maps, a.sets);
  if (!map) return map.error();
  options.map = std::move(*map);
  options.z = a.z == "band" ? gis::ZMode::band : a.z == "refuse" ? gis::ZMode::refuse : gis::ZMode::drop;
  options.assumed_crs = a.crs;
  options.layer = a.layer;
  options.skip_invalid = a.skip_invalid;
  return gis::read_file(a.file, options);
}

int run_import(const ImportArgs& a) {
  auto batch = read_import(a);
  if (!batch) return fail(batch.error());
  for (const Error& e : batch->rejected) std::cerr << "deconflict: skipped " << e.describe() << "\n";
  for (const std::string& w : batch->ignored) std::cerr << "deconflict: warning: " << w << "\n";
  auto service = open_service(a.store);
  if (!service) return fail(service.error());
  auto result = (*service)->import(std::move(batch->volumes), a.replace ? ImportMode::replace : ImportMode::create,
                                   a.no_notices ? ImportNotices::none : ImportNotices::send);
  if (!result) return fail(result.error());
  std::cout << "imported " << result->created.size() + result->replaced.size() << " object(s) into " << a.store.db
            << ": " << result->created.size() << " created, " << result->replaced.size() << " replaced, "
            << batch->rejected.size() << " invalid skipped; "
            << (a.no_notices ? std::string("unchecked, no notices sent")
                             : std::to_string(result->notices) + " notice(s) sent")
            << "\n";
  return kOk;
}

// --- export and list -------------------------------------------------------

struct ListArgs {
  StoreArgs store;
  FilterArgs filter;
  bool json = false;
  std::string grid;  // list: an "at" column in this grid
  std::string output;
  // export only
  std::string format;
  bool outline = false;
  bool with_bbox = false;
  double tolerance_m = 0.5;
};

int write_text(const std::string& text, const std::string& output) {
  if (output.empty() || output == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kOk;
  }
  FILE* f = std::fopen(output.c_str(), "wb");
  if (!f || std::fwrite(text.data(), 1, text.size(), f) != text.size() || std::fclose(f) != 0) {
    return fail(make_error(ErrorCode::io_error, "cannot write file", output));
  }
  return kOk;
}

int run_export(const ListArgs& a) {
  auto filter = to_filter(a.filter);
  if (!filter) return fail(filter.error());
  auto service = open_existing_service(a.store);
  if (!service) return fail(service.error());
  const std::vector<const Volume*> volumes = (*service)->list(*filter);
  const bool to_stdout = a.output.empty() || a.output == "-";
  const std::string driver = !a.format.empty() ? a.format : to_stdout ? "GeoJSON" : gis::driver_for(a.output);
  if (driver == "GeoJSON" && !a.outline) {
    nlohmann::ordered_json fc = {{"type", "FeatureCollection"}, {"features", nlohmann::ordered_json::array()}};
    for (const Volume* v : volumes) fc["features"].push_back(format::to_file_feature(*v, a.with_bbox));
    return write_text(fc.dump(2) + "\n", a.output);
  }
  if (to_stdout) return fail(make_error(ErrorCode::usage, "a GIS file needs a name", "--output"));
  if (a.output.ends_with(".zip")) {
    std::vector<std::string> warnings;
    if (Status st = gis::write_data_package(a.output, volumes, (*service)->now(), &warnings); !st) {
      return fail(st.error());
    }
    for (const std::string& w : warnings) std::cerr << "deconflict: warning: " << w << "\n";
    std::cerr << "exported " << volumes.size() - warnings.size() << " object(s) to " << a.output
              << " (a TAK data package of Cursor-on-Target drawings)\n";
    return kOk;
  }
  auto report = gis::write_file(a.output, volumes, {driver, a.tolerance_m});
  if (!report) return fail(report.error());
  for (const std::string& w : report->warnings) std::cerr << "deconflict: warning: " << w << "\n";
  std::cerr << "exported " << report->written << " object(s) to " << a.output << " (" << driver
            << "), each drawn by its true outline\n";
  return kOk;
}

// Where a volume is, in a grid: a circle's centre, a corridor's or
// polygon's first position.
std::string at_cell(const Volume& v, Grid grid) {
  auto text = write_position(v.geometry.parts[0][0][0], grid);
  return text ? *text : "-";
}

int run_list(const ListArgs& a) {
  auto filter = to_filter(a.filter);
  if (!filter) return fail(filter.error());
  auto service = open_existing_service(a.store);
  if (!service) return fail(service.error());
  const auto volumes = (*service)->list(*filter);
  if (a.json) {
    for (const Volume* v : volumes) std::cout << format::to_feature(*v).dump() << "\n";
    return kOk;
  }
  std::optional<Grid> grid;
  if (!a.grid.empty() && !(grid = grid_named(a.grid))) {
    return fail(make_error(ErrorCode::usage, "no grid '" + a.grid + "': decimal, dms, mgrs or utm", "--grid"));
  }
  std::vector<std::vector<std::string>> rows;
  for (const Volume* v : volumes) {
    rows.push_back({v->id, std::string(type_name(v->type)), v->party, v->kind, geometry_name(v->geometry.type),
                    size_cell(*v), time_cell(v->window.start), time_cell(v->window.end), std::to_string(v->version)});
    if (grid) rows.back().push_back(at_cell(*v, *grid));
    rows.back().push_back(v->name);
  }
  std::vector<std::string> headers{"id", "type", "party", "kind", "geometry", "size", "start", "end", "version"};
  if (grid) headers.push_back("at");
  headers.push_back("name");
  std::cout << format_table(headers, rows);
  std::cout << volumes.size() << " object(s)\n";
  return kOk;
}

// --- conflicts -------------------------------------------------------------

struct ConflictsArgs {
  StoreArgs store;
  std::string id;
  bool json = false;
};

int run_conflicts(const ConflictsArgs& a) {
  auto service = open_existing_service(a.store);
  if (!service) return fail(service.error());
  std::vector<Conflict> conflicts;
  if (a.id.empty()) {
    conflicts = (*service)->all_conflicts();
  } else {
    auto c = (*service)->conflicts(a.id);
    if (!c) return fail(c.error());
    conflicts = std::move(*c);
  }
  if (a.json) {
    for (const Conflict& c : conflicts) {
      nlohmann::ordered_json j = {{"activity", c.activity_id}};
      j.update(format::to_json(c));
      std::cout << j.dump() << "\n";
    }
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const Conflict& c : conflicts) {
    const Volume* other = (*service)->find(c.other_id);
    const Volume* activity = (*service)->find(c.activity_id);
    const std::string notified = activity && activity->notified ? format_rfc3339(*activity->notified) : "-";
    rows.push_back({notified, c.activity_id, std::string(rule_name(c.rule)), c.other_id,
                    other && !other->name.empty() ? other->name : "", c.other_party, time_cell(c.start),
                    time_cell(c.end), length_cell(c.distance.value), length_cell(c.limit.value - c.distance.value)});
  }
  // Two volumes meet when their shapes are nearer than the sum of their radii
  // or buffers: "apart" is between the shapes, "overlap" how far inside that sum.
  std::cout << format_table(
      {"notified", "activity", "rule", "other", "other name", "party", "from", "until", "apart", "overlap"}, rows);
  std::cout << conflicts.size() << " conflict(s)\n";
  return kOk;
}

}  // namespace

Runner add_import(CLI::App& app) {
  auto a = std::make_shared<ImportArgs>();
  add_store_options(app, a->store);
  app.add_option("file", a->file,
                 "A GeoJSON Feature, FeatureCollection or NDJSON file ('-' for stdin), or any GIS file GDAL reads: "
                 "KML/KMZ, GeoPackage, Shapefile, CSV (lon/lat, WKT or mgrs columns); or an ATAK drawing (.cot) or "
                 "TAK data package of drawings (.zip), with --set for what a drawing lacks")
      ->required();
  app.add_option("--map", a->maps,
                 "PROPERTY=FIELD: read a property from a field of another name (start=begin); repeatable, or "
                 "comma-separated");
  app.add_option("--set", a->sets,
                 "PROPERTY=VALUE: a property for every feature (type=site, party=un, radius_m=500); repeatable");
  app.add_option("--id-field", a->id_field, "The field that holds each feature's id (as --map id=FIELD)");
  app.add_option("--z", a->z,
                 "A third coordinate: drop (read without it, with a warning), band (the altitude band from its "
                 "least to its greatest value) or refuse")
      ->check(CLI::IsMember({"drop", "band", "refuse"}))
      ->capture_default_str();
  app.add_option("--crs", a->crs,
                 "The coordinate system of layers that name none (EPSG:32637, ...); a named one is always honoured");
  app.add_option("--layer", a->layer, "Only this layer of the file");
  app.add_flag("--skip-invalid", a->skip_invalid, "Skip and count invalid features instead of failing");
  app.add_flag("--replace", a->replace, "Replace stored objects with the same id (their version goes up)");
  app.add_flag("--no-notices", a->no_notices,
               "Store the features unchecked and notify no one (the record says so); activities are 'clear'");
  app.footer(
      "Each feature goes through the line as its party's declaration would: checked against what is stored and "
      "the features before it, its notices sent, an activity's state derived from them. All features are stored "
      "in one transaction, or none is. A field named like a property is that property; other fields are kept as "
      "free properties. See docs/formats.md for each format.");
  return [a] { return run_import(*a); };
}

Runner add_export(CLI::App& app) {
  auto a = std::make_shared<ListArgs>();
  add_store_options(app, a->store);
  add_filter_options(app, a->filter);
  app.add_option("-o,--output", a->output,
                 "Write to this file instead of standard output: .geojson/.json as GeoJSON (RFC 7946); .kml, .kmz, "
                 ".gpkg, .shp or .csv through GDAL, each volume drawn by its true outline; .zip a TAK data package of "
                 "Cursor-on-Target drawings");
  app.add_option("--format", a->format, "GDAL's driver to write with, when the file's name does not say");
  app.add_flag("--outline", a->outline, "GeoJSON too with true outlines (for tools that ignore radius_m and buffer_m)");
  app.add_flag("--with-bbox", a->with_bbox, "GeoJSON: give each feature a bbox");
  app.add_option("--tolerance", a->tolerance_m, "Metres an outline may stray from the true boundary")
      ->check(CLI::Range(0.01, 1000.0))
      ->capture_default_str();
  return [a] { return run_export(*a); };
}

Runner add_list(CLI::App& app) {
  auto a = std::make_shared<ListArgs>();
  add_store_options(app, a->store);
  add_filter_options(app, a->filter);
  app.add_flag("--json", a->json, "Print one GeoJSON Feature per line instead of a table");
  app.add_option("--grid", a->grid,
                 "Add a column `at`, where each object is (a circle's centre, a corridor's or polygon's first "
                 "position), in this grid: decimal, dms, mgrs or utm");
  return [a] { return run_list(*a); };
}

Runner add_conflicts(CLI::App& app) {
  auto a = std::make_shared<ConflictsArgs>();
  add_store_options(app, a->store);
  app.add_option("id", a->id, "An activity's id; default every stored activity");
  app.add_flag("--json", a->json, "Print one JSON object per conflict instead of a table");
  return [a] { return run_conflicts(*a); };
}

}  // namespace deconflict::cli
