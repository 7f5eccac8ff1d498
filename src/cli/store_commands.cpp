// deconflict import | export | list | conflicts: commands on the embedded store.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/cli.hpp"
#include "deconflict/position.hpp"
#include "deconflict/service.hpp"
#include "deconflict/time.hpp"
#include "format/feature_reader.hpp"
#include "format/feature_writer.hpp"
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
    auto at = read_position(a.near);
    if (!at) return make_error(ErrorCode::usage, at.error().message, "--near");
    if (at->square_m > 0) {
      std::cerr << "deconflict: '" << a.near << "' names a square of " << at->square_m
                << " m; distances are measured from its centre\n";
    }
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
};

int run_import(const ImportArgs& a) {
  auto text = format::read_file(a.file);
  if (!text) return fail(text.error());
  auto batch = format::read_features(*text, {a.skip_invalid, format::ServerFields::zone_answers});
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
  std::string output;
};

int run_export(const ListArgs& a) {
  auto filter = to_filter(a.filter);
  if (!filter) return fail(filter.error());
  auto service = open_existing_service(a.store);
  if (!service) return fail(service.error());
  nlohmann::ordered_json fc = {{"type", "FeatureCollection"}, {"features", nlohmann::ordered_json::array()}};
  for (const Volume* v : (*service)->list(*filter)) fc["features"].push_back(format::to_feature(*v));
  const std::string text = fc.dump(2) + "\n";
  if (a.output.empty() || a.output == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kOk;
  }
  FILE* f = std::fopen(a.output.c_str(), "wb");
  if (!f || std::fwrite(text.data(), 1, text.size(), f) != text.size() || std::fclose(f) != 0) {
    return fail(make_error(ErrorCode::io_error, "cannot write file", a.output));
  }
  return kOk;
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
  std::vector<std::vector<std::string>> rows;
  for (const Volume* v : volumes) {
    rows.push_back({v->id, std::string(type_name(v->type)), v->party, v->kind, geometry_name(v->geometry.type),
                    size_cell(*v), time_cell(v->window.start), time_cell(v->window.end), std::to_string(v->version),
                    v->name});
  }
  std::cout << format_table({"id", "type", "party", "kind", "geometry", "size", "start", "end", "version", "name"},
                            rows);
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
  app.add_option("file", a->file, "A Feature, FeatureCollection or NDJSON file ('-' for stdin)")->required();
  app.add_flag("--skip-invalid", a->skip_invalid, "Skip and count invalid features instead of failing");
  app.add_flag("--replace", a->replace, "Replace stored objects with the same id (their version goes up)");
  app.add_flag("--no-notices", a->no_notices,
               "Store the features unchecked and notify no one (the record says so); activities are 'clear'");
  app.footer(
      "Each feature goes through the line as its party's declaration would: checked against what is stored and "
      "the features before it, its notices sent, an activity's state derived from them. All features are stored "
      "in one transaction, or none is.");
  return [a] { return run_import(*a); };
}

Runner add_export(CLI::App& app) {
  auto a = std::make_shared<ListArgs>();
  add_store_options(app, a->store);
  add_filter_options(app, a->filter);
  app.add_option("-o,--output", a->output, "Write to this file instead of standard output");
  return [a] { return run_export(*a); };
}

Runner add_list(CLI::App& app) {
  auto a = std::make_shared<ListArgs>();
  add_store_options(app, a->store);
  add_filter_options(app, a->filter);
  app.add_flag("--json", a->json, "Print one GeoJSON Feature per line instead of a table");
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
