// Deterministic workloads for `deconflict check --stats`.
//
//   deconflict-gen dense OUT_DIR [--volumes N] [--queries N] [--seed S]
//   deconflict-gen world OUT_DIR [--volumes N] [--queries N] [--seed S]
//
// dense: volumes in a 600 km x 600 km region (centred on At Tanf) over 30 days.
// world: volumes anywhere on the globe, poles and antimeridian included.
// Both: about 60% circles of 100 m to 60 km, 30% polygons of 4 to 32 vertices
// 1 to 50 km across, 10% corridors; zones, sites and activities of 8 parties.
// Writes OUT_DIR/world.ndjson and OUT_DIR/queries.ndjson (activities only).
// The same arguments always give the same files.
#include <GeographicLib/Geodesic.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>

namespace {

constexpr double kPi = 3.14159265358979323846;
const char* const kParties[] = {"coalition", "russia", "syria", "partner-force", "un", "icrc", "turkey", "iran"};
const char* const kKinds[] = {"movement", "exercise", "strike", "flight", "convoy", "patrol"};
const char* const kZoneKinds[] = {"deconfliction", "restricted", "no-fire"};

struct Generator {
  std::mt19937_64 rng;
  bool dense;
  const GeographicLib::Geodesic& geod = GeographicLib::Geodesic::WGS84();

  double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }

  void centre(double& lat, double& lon) {
    if (dense) {  // a 600 km square around At Tanf
      double la = 0, lo = 0;
      geod.Direct(33.50583, 38.61778, 0, uniform(-300e3, 300e3), la, lo);
      geod.Direct(la, lo, 90, uniform(-300e3, 300e3), lat, lon);
      return;
    }
    lat = std::asin(uniform(-1, 1)) * 180 / kPi;  // uniform on the sphere
    lon = uniform(-180, 180);
  }

  std::string iso(double hours) {
    const long long t = 1535760000LL + static_cast<long long>(hours * 3600);  // 2018-09-01T00:00:00Z
    const long long days = t / 86400, secs = t % 86400;
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    long long z = days + 719468, era = z / 146097, doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, y = yoe + era * 400;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    long long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    char buf[128];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", y + (m <= 2), m, d, secs / 3600,
                  secs / 60 % 60, secs % 60);
    return buf;
  }

  std::string geometry(double& radius_key, std::string& extent) {
    double lat = 0, lon = 0;
    centre(lat, lon);
    char buf[64];
    const int shape = pick(10);
    if (shape < 6) {
      std::snprintf(buf, sizeof buf, "\"radius_m\":%.1f", std::exp(uniform(std::log(100.0), std::log(60e3))));
      extent = buf;
      std::snprintf(buf, sizeof buf, "[%.6f,%.6f]", lon, lat);
      return std::string("{\"type\":\"Point\",\"coordinates\":") + buf + "}";
    }
    radius_key = 0;
    std::string coords;
    if (shape < 9) {
      const int n = 4 + pick(29);
      const double across = uniform(1e3, 50e3);
      double first_lat = 0, first_lon = 0;
      for (int i = 0; i < n; ++i) {
        double la = 0, lo = 0;
        geod.Direct(lat, lon, 360.0 * (i + uniform(0.1, 0.9)) / n, across / 2 * uniform(0.5, 1.0), la, lo);
        if (i == 0) first_lat = la, first_lon = lo;
        std::snprintf(buf, sizeof buf, "%s[%.6f,%.6f]", i ? "," : "", lo, la);
        coords += buf;
      }
      std::snprintf(buf, sizeof buf, ",[%.6f,%.6f]", first_lon, first_lat);
      coords += buf;
      std::snprintf(buf, sizeof buf, "\"buffer_m\":%.1f", pick(2) ? 0.0 : uniform(0, 2000));
      extent = buf;
      return "{\"type\":\"Polygon\",\"coordinates\":[[" + coords + "]]}";
    }
    const int n = 2 + pick(4);
    double la = lat, lo = lon, azimuth = uniform(0, 360);
    for (int i = 0; i < n; ++i) {
      std::snprintf(buf, sizeof buf, "%s[%.6f,%.6f]", i ? "," : "", lo, la);
      coords += buf;
      double nla = 0, nlo = 0;
      geod.Direct(la, lo, azimuth, uniform(2e3, 30e3), nla, nlo);
      la = nla, lo = nlo, azimuth += uniform(-40, 40);
    }
    std::snprintf(buf, sizeof buf, "\"buffer_m\":%.1f", uniform(100, 5000));
    extent = buf;
    return "{\"type\":\"LineString\",\"coordinates\":[" + coords + "]}";
  }

  std::string feature(const std::string& id, int type) {  // 0 zone, 1 site, 2 activity
    double unused = 0;
    std::string extent;
    const std::string g = geometry(unused, extent);
    std::string p = "\"id\":\"" + id + "\",\"party\":\"" + kParties[pick(8)] + "\"," + extent;
    if (type == 0) {
      p += std::string(",\"type\":\"zone\",\"kind\":\"") + kZoneKinds[pick(3)] + "\",\"permitted\":[\"" +
           kParties[pick(8)] + "\"],\"notice_h\":" + std::to_string(pick(4) * 24);
    } else if (type == 1) {
      p += ",\"type\":\"site\",\"kind\":\"camp\"";
    } else {
      const double start = uniform(0, 30 * 24 - 1);
      p += std::string(",\"type\":\"activity\",\"kind\":\"") + kKinds[pick(6)] + "\",\"start\":\"" + iso(start) +
           "\",\"end\":\"" + iso(start + uniform(1, 72)) + "\",\"notified\":\"" + iso(start - uniform(1, 96)) + "\"";
      if (pick(3) == 0) {
        const double lower = std::floor(uniform(0, 8000));
        p += ",\"altitude\":{\"lower_m\":" + std::to_string(lower) +
             ",\"upper_m\":" + std::to_string(lower + 500 + pick(5000)) + "}";
      }
    }
    return "{\"type\":\"Feature\",\"geometry\":" + g + ",\"properties\":{" + p + "}}\n";
  }
};

bool write(const std::string& path, Generator& gen, long count, bool activities_only, const char* prefix) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  for (long i = 0; i < count; ++i) {
    const int roll = gen.pick(10);
    const int type = activities_only ? 2 : (roll < 1 ? 0 : roll < 3 ? 1 : 2);  // 10% zones, 20% sites
    const std::string line = gen.feature(std::string(prefix) + std::to_string(i), type);
    std::fwrite(line.data(), 1, line.size(), f);
  }
  return std::fclose(f) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || (std::strcmp(argv[1], "dense") != 0 && std::strcmp(argv[1], "world") != 0)) {
    std::fprintf(stderr, "usage: deconflict-gen dense|world OUT_DIR [--volumes N] [--queries N] [--seed S]\n");
    return 2;
  }
  const bool dense = std::strcmp(argv[1], "dense") == 0;
  long volumes = dense ? 20'000 : 1'000'000, queries = 1'000;
  unsigned long long seed = 2018;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--volumes") == 0)
      volumes = std::atol(argv[i + 1]);
    else if (std::strcmp(argv[i], "--queries") == 0)
      queries = std::atol(argv[i + 1]);
    else if (std::strcmp(argv[i], "--seed") == 0)
      seed = std::strtoull(argv[i + 1], nullptr, 10);
    else
      return std::fprintf(stderr, "unknown option %s\n", argv[i]), 2;
  }
  Generator gen{std::mt19937_64(seed), dense};
  const std::string dir = argv[2];
  std::error_code made;  // the directory is made when missing: bench/data is not in the repository
  std::filesystem::create_directories(dir, made);
  if (!write(dir + "/world.ndjson", gen, volumes, false, "v") ||
      !write(dir + "/queries.ndjson", gen, queries, true, "q")) {
    std::fprintf(stderr, "cannot write to %s\n", dir.c_str());
    return 1;
  }
  return 0;
}
