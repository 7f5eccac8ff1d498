#include "geo/separation.hpp"

#include <GeographicLib/Math.hpp>
#include <algorithm>
#include <cmath>

namespace deconflict::geo {
namespace {

// The least and the greatest principal curvature of the ellipsoid: the
// meridian's at the equator is a/b², the curvature at the poles b/a².
constexpr double kLeastCurvature = kSemiMinorM / (kSemiMajorM * kSemiMajorM);
constexpr double kGreatestCurvature = kSemiMajorM / (kSemiMinorM * kSemiMinorM);

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

Vec3 ecef_of(LatLon p) {
  double sin_lat = 0, cos_lat = 0, sin_lon = 0, cos_lon = 0;
  GeographicLib::Math::sincosd(p.lat_deg, sin_lat, cos_lat);
  GeographicLib::Math::sincosd(p.lon_deg, sin_lon, cos_lon);
  const double n = kSemiMajorM / std::sqrt(1.0 - kEccentricity2 * sin_lat * sin_lat);  // prime vertical radius
  return {n * cos_lat * cos_lon, n * cos_lat * sin_lon, n * (1.0 - kEccentricity2) * sin_lat};
}

Vec3 heading_of(LatLon p, double azimuth_deg) {
  double sin_lat = 0, cos_lat = 0, sin_lon = 0, cos_lon = 0, sin_az = 0, cos_az = 0;
  GeographicLib::Math::sincosd(p.lat_deg, sin_lat, cos_lat);
  GeographicLib::Math::sincosd(p.lon_deg, sin_lon, cos_lon);
  GeographicLib::Math::sincosd(azimuth_deg, sin_az, cos_az);
  const Vec3 north{-sin_lat * cos_lon, -sin_lat * sin_lon, cos_lat};
  const Vec3 east{-sin_lon, cos_lon, 0};
  return cos_az * north + sin_az * east;
}

double separation_m(LatLon a, LatLon b) {
  const double chord = norm(ecef_of(a) - ecef_of(b));
  if (chord <= kShortChordM) return bracket_of_chord(chord).mid_m();
  double s12 = 0;
  wgs84().Inverse(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg, s12);
  return s12;
}

}  // namespace deconflict::geo
