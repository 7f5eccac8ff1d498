// Independent reference computations for the geometry tests: slow, simple
// searches built on GeographicLib's direct and inverse solutions only.
#pragma once

#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/GeodesicLine.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "deconflict/units.hpp"
#include "deconflict/volume.hpp"

namespace deconflict::testing {

inline const GeographicLib::Geodesic& geod() { return GeographicLib::Geodesic::WGS84(); }

inline double ref_distance(LatLon a, LatLon b) {
  double s = 0;
  geod().Inverse(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg, s);
  return s;
}

inline LatLon ref_direct(LatLon a, double azimuth_deg, double s_m) {
  LatLon out;
  geod().Direct(a.lat_deg, a.lon_deg, azimuth_deg, s_m, out.lat_deg, out.lon_deg);
  return out;
}

/// Distance from p to the geodesic a-b: a dense scan, then golden-section
/// search around the best sample (unimodal near the minimum).
inline double ref_point_segment(LatLon p, LatLon a, LatLon b) {
  const GeographicLib::GeodesicLine line = geod().InverseLine(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg);
  const double length = line.Distance();
  const auto at = [&](double s) {
    double lat = 0, lon = 0;
    line.Position(s, lat, lon);
    return ref_distance(p, {lat, lon});
  };
  const int samples = 500;
  int best_k = 0;
  double best = at(0);
  for (int k = 1; k <= samples; ++k) {
    const double d = at(length * k / samples);
    if (d < best) best = d, best_k = k;
  }
  double lo = length * std::max(0, best_k - 1) / samples, hi = length * std::min(samples, best_k + 1) / samples;
  const double g = (std::sqrt(5.0) - 1) / 2;
  for (int i = 0; i < 100 && hi - lo > 1e-5; ++i) {
    const double m1 = hi - g * (hi - lo), m2 = lo + g * (hi - lo);
    if (at(m1) < at(m2))
      hi = m2;
    else
      lo = m1;
  }
  return std::min(best, at((lo + hi) / 2));
}

/// Distance from p to a ring or line of geodesics; skips a segment only when
/// the triangle inequality proves it cannot be closer than the best so far.
inline double ref_point_path(LatLon p, const std::vector<LatLon>& path) {
  double best = std::numeric_limits<double>::infinity();
  for (size_t e = 0; e + 1 < path.size(); ++e) {
    const double near_end = std::min(ref_distance(p, path[e]), ref_distance(p, path[e + 1]));
    if (near_end - ref_distance(path[e], path[e + 1]) / 2 > best) continue;
    best = std::min(best, ref_point_segment(p, path[e], path[e + 1]));
  }
  return best;
}

/// Random positions, weighted towards the hard places: the antimeridian and
/// the polar caps, as well as anywhere on the globe.
class Places {
 public:
  explicit Places(uint64_t seed) : rng_(seed) {}

  LatLon any() {
    switch (pick(4)) {
      case 0:
        return {uniform(-89.9, 89.9), uniform(-180, 180)};  // anywhere (in lat/lon)
      case 1:
        return {uniform(-80, 80), wrap(180 + uniform(-3, 3))};  // across the antimeridian
      case 2:
        return {uniform(80, 90), uniform(-180, 180)};  // north polar cap
      default:
        return {uniform(-90, -80), uniform(-180, 180)};  // south polar cap
    }
  }
  double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::mt19937_64& rng() { return rng_; }

  static double wrap(double lon) { return std::remainder(lon, 360.0); }

 private:
  std::mt19937_64 rng_;
};

/// A star-shaped ring around c: vertices at increasing (or, reversed,
/// decreasing) azimuths and random distances in [r_min, r_max].
inline std::vector<LatLon> star_ring(Places& places, LatLon c, int n, double r_min, double r_max, bool clockwise,
                                     std::vector<double>* azimuths = nullptr) {
  std::vector<double> az(n);
  for (int i = 0; i < n; ++i) az[i] = 360.0 * (i + places.uniform(0.1, 0.9)) / n;
  std::vector<LatLon> ring;
  for (int i = 0; i < n; ++i) ring.push_back(ref_direct(c, az[i], places.uniform(r_min, r_max)));
  if (clockwise) {
    std::reverse(ring.begin(), ring.end());
    std::reverse(az.begin(), az.end());
  }
  ring.push_back(ring.front());
  if (azimuths) *azimuths = az;
  return ring;
}

inline Geometry polygon_of(std::vector<std::vector<LatLon>> rings) {
  Geometry g;
  g.type = GeometryType::polygon;
  g.parts = {std::move(rings)};
  return g;
}

inline Geometry point_of(LatLon p) {
  Geometry g;
  g.type = GeometryType::point;
  g.parts = {{{p}}};
  return g;
}

inline Geometry line_of(std::vector<LatLon> pts) {
  Geometry g;
  g.type = GeometryType::line_string;
  g.parts = {{std::move(pts)}};
  return g;
}

}  // namespace deconflict::testing
