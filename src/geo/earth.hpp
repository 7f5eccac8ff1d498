// The WGS84 ellipsoid and the geocentric unit vectors used for cheap bounds.
//
// Exact work (distances, azimuths, positions on geodesics) goes through
// GeographicLib's Geodesic for WGS84. Bounds use geocentric directions: the
// unit vector from the earth's centre towards a point. Because the ellipsoid
// lies outside the sphere of radius b (the semi-minor axis) and central
// projection onto that sphere shortens every path, the geodesic distance
// between two points is at least b times the angle between their directions
// (lower_bound_m). Pure functions; thread-safe.
#pragma once

#include <GeographicLib/Geodesic.hpp>
#include <algorithm>
#include <cmath>
#include <numbers>

#include "deconflict/units.hpp"

namespace deconflict::geo {

struct Vec3 {
  double x = 0, y = 0, z = 0;
};

inline Vec3 operator+(Vec3 a, Vec3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
inline Vec3 operator-(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
inline Vec3 operator*(double k, Vec3 a) { return {k * a.x, k * a.y, k * a.z}; }
inline double dot(Vec3 a, Vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline Vec3 cross(Vec3 a, Vec3 b) { return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x}; }
inline double norm(Vec3 a) { return std::sqrt(dot(a, a)); }
inline Vec3 normalized(Vec3 a) {
  const double n = norm(a);
  return n > 0 ? (1.0 / n) * a : Vec3{1, 0, 0};
}
/// The angle between two unit vectors in radians, accurate for small angles too.
inline double angle_between(Vec3 a, Vec3 b) { return std::atan2(norm(cross(a, b)), dot(a, b)); }
/// A lower bound on the angle between two unit vectors, without
/// trigonometry, for pruning: their chord c spans the angle 2 asin(c/2) =
/// c + c³/24 + 3c⁵/640 + ... (every term positive), so c + c³/24 never
/// exceeds it, and falls short by about 3c⁵/640 (5e-8 rad, 0.3 m of the
/// surface, at 600 km).
inline double angle_at_least(Vec3 a, Vec3 b) {
  const double c = norm(a - b);
  return c + c * c * c / 24.0;
}

const GeographicLib::Geodesic& wgs84();

/// Radians in a degree, and degrees in a radian.
constexpr double kRadPerDeg = std::numbers::pi / 180.0;
constexpr double kDegPerRad = 180.0 / std::numbers::pi;

constexpr double kSemiMajorM = 6378137.0;
constexpr double kFlattening = 1.0 / 298.257223563;
constexpr double kSemiMinorM = kSemiMajorM * (1.0 - kFlattening);
constexpr double kEccentricity2 = kFlattening * (2.0 - kFlattening);

/// Geocentric unit vector of a geodetic position.
Vec3 direction_of(LatLon p);
/// Geodetic position of the surface point along a geocentric direction.
LatLon position_of(Vec3 direction);

/// A conservative lower bound on the geodesic distance between two points
/// whose directions are `angle_rad` apart.
inline double lower_bound_m(double angle_rad) { return angle_rad > 0 ? kSemiMinorM * angle_rad : 0.0; }
/// The distance from the earth's centre to the surface point along a
/// direction whose z coordinate is `z` (metres; between b at the poles and a).
inline double surface_radius_m(double z) {
  const double z2 = std::min(1.0, z * z);
  return 1.0 / std::sqrt((1.0 - z2) / (kSemiMajorM * kSemiMajorM) + z2 / (kSemiMinorM * kSemiMinorM));
}
/// The least surface radius of the points within `radius_rad` of direction
/// c: a unit vector's z moves no more than the angle it turns through.
inline double least_surface_radius_m(Vec3 c, double radius_rad) {
  return surface_radius_m(std::min(1.0, std::fabs(c.z) + radius_rad));
}
/// A lower bound on the geodesic distance between two surface points whose
/// directions are at least `angle_rad` apart and whose surface radii are at
/// least rho1 and rho2: the larger of b times the angle and the chord, which
/// no path between them is shorter than. The chord is the tighter one below
/// about 1,800 km except near the poles: it falls short of the distance by
/// d³/24R² (66 m at 400 km) where b·angle falls short by up to 0.34% (1.3 km).
///
/// The chord is bounded below without trigonometry: 2 sin(x/2) ≥ x − x³/24
/// for every x ≥ 0 (the sine's Taylor series alternates), and sin(x/2) grows
/// up to x = π, so for a true angle θ ≥ angle_rad (both at most π) the chord
/// 2√(ρ1ρ2) sin(θ/2) is at least √(ρ1ρ2)(x − x³/24) with x = angle_rad. It
/// falls short of the sine's by x⁵/1920 (3 cm of the surface at 600 km).
inline double lower_bound_m(double angle_rad, double rho1, double rho2) {
  if (angle_rad <= 0) return 0.0;
  const double x = std::min(angle_rad, std::numbers::pi);
  const double chord = std::sqrt(rho1 * rho2) * (x - x * x * x / 24.0);
  return std::max(kSemiMinorM * angle_rad, chord);
}
/// The largest angle between the directions of two points at most `m` apart.
inline double max_angle_for(double m) { return m / kSemiMinorM; }

/// Geodesic distance in metres.
double distance_m(LatLon a, LatLon b);

}  // namespace deconflict::geo
