#include "geo/separation.hpp"

#include <algorithm>
#include <cmath>

namespace deconflict::geo {
namespace {

// The least and the greatest principal curvature of the ellipsoid: the
// meridian's at the equator is a/b², the curvature at the poles b/a².
constexpr double kLeastCurvature = kSemiMinorM / (kSemiMajorM * kSemiMajorM);
constexpr double kGreatestCurvature = kSemiMajorM / (kSemiMinorM * kSemiMinorM);
constexpr double kRadPerDeg = 3.14159265358979323846 / 180.0;

// The smaller root x of (k²/12) x² − x + c² = 0, as s² ≤ or ≥ it: the form
// 2c² / (1 + √(1 − k²c²/3)) keeps its digits when k²c² is small.
double smaller_root(double k, double c) {
  const double y = k * k * c * c / 3.0;
  return 2.0 * c * c / (1.0 + std::sqrt(1.0 - y));
}

}  // namespace

Bracket bracket_of_chord(double chord_lo_m, double chord_hi_m) {
  // A priori, s is at most the length of the curve on the ellipsoid that the
  // affine map (x, y, z) -> (x, y, z a/b) takes onto a great circle of the
  // sphere of radius a: that map stretches no vector by more than a/b, so
  // its inverse shortens none of the great circle, 2a asin(|AP - AQ|/2a)
  // long, and |AP - AQ| <= (a/b) c.
  const double prior = 2.0 * kSemiMajorM * std::asin(std::min(1.0, chord_hi_m / (2.0 * kSemiMinorM)));
  const double rho = kLeastCurvature * std::cos(std::min(1.5707963267948966, kGreatestCurvature * prior / 2.0));
  return {std::sqrt(smaller_root(rho, chord_lo_m)), std::sqrt(smaller_root(kGreatestCurvature, chord_hi_m))};
}

// Sines and cosines of radians, not GeographicLib's sincosd: its exact
// reduction of degrees costs more than it saves here, where an error of
// 10⁻¹⁶ rad moves a point by a nanometre.
Vec3 ecef_of(LatLon p) {
  const double lat = p.lat_deg * kRadPerDeg, lon = p.lon_deg * kRadPerDeg;
  const double sin_lat = std::sin(lat), cos_lat = std::cos(lat);
  const double n = kSemiMajorM / std::sqrt(1.0 - kEccentricity2 * sin_lat * sin_lat);  // prime vertical radius
  return {n * cos_lat * std::cos(lon), n * cos_lat * std::sin(lon), n * (1.0 - kEccentricity2) * sin_lat};
}

Heading heading_of(LatLon p, double azimuth_deg) {
  const double lat = p.lat_deg * kRadPerDeg, lon = p.lon_deg * kRadPerDeg, az = azimuth_deg * kRadPerDeg;
  const double sin_lat = std::sin(lat), cos_lat = std::cos(lat), sin_lon = std::sin(lon), cos_lon = std::cos(lon);
  const double n = kSemiMajorM / std::sqrt(1.0 - kEccentricity2 * sin_lat * sin_lat);
  const Vec3 at{n * cos_lat * cos_lon, n * cos_lat * sin_lon, n * (1.0 - kEccentricity2) * sin_lat};
  const Vec3 north{-sin_lat * cos_lon, -sin_lat * sin_lon, cos_lat};
  const Vec3 east{-sin_lon, cos_lon, 0};
  return {at, std::cos(az) * north + std::sin(az) * east};
}

double separation_m(LatLon a, LatLon b) {
  const double chord = norm(ecef_of(a) - ecef_of(b));
  if (chord <= kShortChordM) return bracket_of_chord(chord).mid_m();
  double s12 = 0;
  wgs84().Inverse(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg, s12);
  return s12;
}

double separation_m(const Vertex& a, const Vertex& b) {
  const double chord = norm(ecef_of(a.dir) - ecef_of(b.dir));
  if (chord <= kShortChordM) return bracket_of_chord(chord).mid_m();
  double s12 = 0;
  wgs84().Inverse(a.pos.lat_deg, a.pos.lon_deg, b.pos.lat_deg, b.pos.lon_deg, s12);
  return s12;
}

}  // namespace deconflict::geo
