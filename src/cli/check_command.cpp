// deconflict check --against WORLD QUERIES
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/cli.hpp"
#include "deconflict/position.hpp"
#include "deconflict/time.hpp"
#include "engine/world.hpp"
#include "format/feature_reader.hpp"
#include "format/feature_writer.hpp"

namespace deconflict::cli {

// A checked world, once its command is done (run_check says why); with
// external linkage, so that the assignment to it is not optimised away.
const engine::World* world_left_to_the_exit = nullptr;

namespace {

// One activity described on the command line (--at and what goes with it).
struct AtArgs {
  std::string at, party, kind = "movement", start, end;
  double radius_m = 0;
};

struct CheckArgs {
  std::string world;
  std::string queries;
  AtArgs at;
  std::string now;
  bool stats = false;
  bool skip_invalid = false;
  bool fail_on_conflict = false;
};

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Reads a file into volumes; a volume without an id is named by its position.
Result<std::vector<PreparedVolume>> load(const std::string& path, bool skip_invalid, const char* what) {
  auto text = format::read_file(path);
  if (!text) return text.error();
  // A world described as it is (an export, say): nothing of it enters the line.
  auto batch = format::read_features(*text, {skip_invalid, format::ServerFields::all});
  if (!batch) {
    Error e = batch.error();
    e.field = std::string(what) + " " + path + (e.field.empty() ? "" : ": " + e.field);
    return e;
  }
  for (const Error& e : batch->rejected) std::cerr << "deconflict: skipped " << what << " " << e.describe() << "\n";
  if (!batch->rejected.empty()) {
    std::cerr << "deconflict: skipped " << batch->rejected.size() << " invalid feature(s) in " << path << "\n";
  }
  for (size_t i = 0; i < batch->volumes.size(); ++i) {
    if (batch->volumes[i].id.empty()) batch->volumes[i].id = batch->labels[i];
  }
  return std::move(batch->volumes);
}

// The activity --at describes: a circle of --radius round the position, in
// [--start, --end) (default the next hour).
Result<std::vector<PreparedVolume>> at_query(const AtArgs& a, TimePoint now) {
  if (a.party.empty()) return make_error(ErrorCode::usage, "whose activity: --at needs --party", "--party");
  auto at = read_position_option(a.at, "--at",
                                 "the check is of a circle round its centre (widen --radius by half its "
                                 "diagonal to cover the whole square)");
  if (!at) return at.error();
  const std::string start = a.start.empty() ? format_rfc3339(now) : a.start;
  const std::string end = a.end.empty() ? format_rfc3339(now + std::chrono::hours(1)) : a.end;
  const nlohmann::json feature = {
      {"type", "Feature"},
      {"geometry", {{"type", "Point"}, {"coordinates", {at->point.lon_deg, at->point.lat_deg}}}},
      {"properties",
       {{"id", "at"},
        {"type", "activity"},
        {"party", a.party},
        {"kind", a.kind},
        {"radius_m", a.radius_m},
        {"start", start},
        {"end", end}}}};
  auto v = format::read_feature(feature);
  if (!v) {
    Error e = v.error();
    if (e.field.starts_with("properties.")) e.field = "--" + e.field.substr(11);
    if (e.field == "--radius_m") e.field = "--radius";
    return e;
  }
  std::vector<PreparedVolume> out;
  out.push_back(std::move(*v));
  return out;
}

double percentile_us(std::vector<double>& latencies, double p) {
  if (latencies.empty()) return 0;
  const size_t k = std::min(latencies.size() - 1, static_cast<size_t>(p * static_cast<double>(latencies.size())));
  std::nth_element(latencies.begin(), latencies.begin() + static_cast<long>(k), latencies.end());
  return latencies[k] * 1e6;
}

int run_check(const CheckArgs& args) {
  if (args.queries.empty() == args.at.at.empty()) {
    return fail(make_error(ErrorCode::usage, "give QUERIES or --at POSITION, one of them"));
  }
  if (args.world == "-" && args.queries == "-") {
    return fail(make_error(ErrorCode::usage, "WORLD and QUERIES cannot both be standard input"));
  }
  TimePoint now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  if (!args.now.empty()) {
    auto t = parse_rfc3339(args.now);
    if (!t) return fail(make_error(ErrorCode::usage, t.error().message, "--now"));
    now = *t;
  }
  const auto load_start = Clock::now();
  auto world_volumes = load(args.world, args.skip_invalid, "world");
  if (!world_volumes) return fail(world_volumes.error());
  auto world = std::make_unique<engine::World>();
  const size_t loaded = world_volumes->size();
  world->assign(std::move(*world_volumes));
  const double load_seconds = seconds_since(load_start);

  auto queries = args.queries.empty() ? at_query(args.at, now) : load(args.queries, args.skip_invalid, "queries");
  if (!queries) return fail(queries.error());
  std::vector<PreparedVolume> activities;
  for (PreparedVolume& q : *queries) {
    if (q.type == ObjectType::activity) {
      activities.push_back(std::move(q));
      continue;
    }
    Error e = make_error(ErrorCode::invalid_input,
                         "only activities can be checked, this is a " + std::string(type_name(q.type)),
                         q.id + ": properties.type");
    if (!args.skip_invalid) return fail(e);
    std::cerr << "deconflict: skipped query " << e.describe() << "\n";
  }

  std::vector<double> latencies;
  latencies.reserve(activities.size());
  std::string out;
  bool any_conflict = false;
  uint64_t most_work = 0;  // geo::Work units of the costliest check
  const auto check_start = Clock::now();
  for (const PreparedVolume& q : activities) {
    const auto t0 = Clock::now();
    geo::Work work;
    const auto conflicts = world->check(q, {q.notified.value_or(now)}, work);
    latencies.push_back(seconds_since(t0));
    most_work = std::max(most_work, work.used());
    // {"id": ..., "conflicts": [...]}, as one line, written piece by piece.
    out += "{\"id\":";
    format::append_json(q.id, out);
    out += ",\"conflicts\":[";
    for (size_t i = 0; i < conflicts.size(); ++i) {
      if (i > 0) out += ',';
      format::append_json(conflicts[i], out);
    }
    out += "]}\n";
    any_conflict = any_conflict || !conflicts.empty();
    // Written out every 64 KiB: a buffer that stays in the cache, its pages
    // touched once (a megabyte's fresh pages were half of the output's time).
    if (out.size() > (1 << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  const double check_seconds = seconds_since(check_start);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (args.stats) {
    // The checks alone, each timed from its call to its conflicts, without
    // writing them out: what a query's own timing measures in a database.
    double checking_seconds = 0;
    for (const double l : latencies) checking_seconds += l;
    const nlohmann::ordered_json stats = {
        {"objects", loaded},
        {"load_seconds", load_seconds},
        {"queries", activities.size()},
        {"check_seconds", check_seconds},
        {"checks_per_second", check_seconds > 0 ? static_cast<double>(activities.size()) / check_seconds : 0.0},
        {"checking_seconds", checking_seconds},
        {"checks_per_second_checking",
         checking_seconds > 0 ? static_cast<double>(activities.size()) / checking_seconds : 0.0},
        {"p50_us", percentile_us(latencies, 0.50)},
        {"p99_us", percentile_us(latencies, 0.99)},
        {"most_work", most_work}};
    std::cerr << stats.dump() << "\n";
  }
  // The process ends with this command, and the system takes the world's
  // memory back at once, where freeing its volumes one by one took seconds
  // (2.6 s of 41 for a million). Kept reachable, so that LeakSanitizer does
  // not count it as lost.
  world_left_to_the_exit = world.release();
  return args.fail_on_conflict && any_conflict ? kConflictFound : kOk;
}

}  // namespace

Runner add_check(CLI::App& app) {
  auto args = std::make_shared<CheckArgs>();
  app.add_option("--against", args->world, "WORLD: the zones, sites and activities to check against ('-' for stdin)")
      ->required();
  app.add_option("queries", args->queries, "QUERIES: the activities to check ('-' for stdin), or --at");
  app.add_option("--at", args->at.at,
                 "Check one activity at this position instead: decimal degrees (latitude first), DMS, MGRS or UTM");
  app.add_option("--radius", args->at.radius_m, "With --at: the activity's radius in metres")
      ->check(CLI::PositiveNumber);
  app.add_option("--party", args->at.party, "With --at: whose activity it is");
  app.add_option("--kind", args->at.kind, "With --at: movement, exercise, strike, flight, convoy or patrol")
      ->capture_default_str();
  app.add_option("--start", args->at.start, "With --at: when it starts (RFC 3339); default now");
  app.add_option("--end", args->at.end, "With --at: when it ends (RFC 3339); default an hour after it starts");
  app.add_flag("--stats", args->stats, "Print load and check statistics as one JSON line on standard error");
  app.add_flag("--skip-invalid", args->skip_invalid, "Skip and count invalid features instead of failing");
  app.add_flag("--fail-on-conflict", args->fail_on_conflict, "Exit with status 1 when any conflict is found");
  app.add_option("--now", args->now,
                 "When the queries were notified (RFC 3339), for short-notice, unless a query says `notified`; "
                 "default the current time");
  app.footer(
      "Prints one NDJSON line per query, in input order. Exit status: 0 ran, 1 conflict found "
      "(with --fail-on-conflict), 2 usage error, 3 invalid input, 4 a file that cannot be read.");
  return [args] { return run_check(*args); };
}

}  // namespace deconflict::cli
