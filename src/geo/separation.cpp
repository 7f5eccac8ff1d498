#include "geo/separation.hpp"

#include <algorithm>
#include <cmath>

namespace deconflict::geo {
namespace {

// The least principal curvature of the ellipsoid, at the poles: b/a².
constexpr double kLeastCurvature = kSemiMinorM / (kSemiMajorM * kSemiMajorM);

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

namespace {

// Sines and cosines of radians, not GeographicLib's sincosd: its exact
// reduction of degrees costs more than it saves here, where an error of
// 10⁻¹⁶ rad moves a point by a nanometre.
struct SinCos {
  double sin, cos;
  explicit SinCos(double deg) : sin(std::sin(deg * kRadPerDeg)), cos(std::cos(deg * kRadPerDeg)) {}
};

Vec3 ecef_of(const SinCos& lat, const SinCos& lon) {
  const double n = kSemiMajorM / std::sqrt(1.0 - kEccentricity2 * lat.sin * lat.sin);  // prime vertical radius
  return {n * lat.cos * lon.cos, n * lat.cos * lon.sin, n * (1.0 - kEccentricity2) * lat.sin};
}

// The distance from the chord, or GeographicLib's exact solution beyond the
// bracket's range.
double from_chord(double chord, LatLon a, LatLon b) {
  if (chord <= kShortChordM) return bracket_of_chord(chord).mid_m();
  double s12 = 0;
  wgs84().Inverse(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg, s12);
  return s12;
}

}  // namespace

Vec3 ecef_of(LatLon p) { return ecef_of(SinCos(p.lat_deg), SinCos(p.lon_deg)); }

Heading heading_of(LatLon p, double azimuth_deg) {
  const SinCos lat(p.lat_deg), lon(p.lon_deg), az(azimuth_deg);
  const Vec3 north{-lat.sin * lon.cos, -lat.sin * lon.sin, lat.cos};
  const Vec3 east{-lon.sin, lon.cos, 0};
  return {ecef_of(lat, lon), az.cos * north + az.sin * east};
}

double separation_m(LatLon a, LatLon b) { return from_chord(norm(ecef_of(a) - ecef_of(b)), a, b); }

double separation_m(const Vertex& a, const Vertex& b) {
  return from_chord(norm(ecef_of(a.dir) - ecef_of(b.dir)), a.pos, b.pos);
}

}  // namespace deconflict::geo
