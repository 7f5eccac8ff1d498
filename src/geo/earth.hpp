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

#include <cmath>

#include <GeographicLib/Geodesic.hpp>

#include "deconflict/units.hpp"

namespace deconflict::geo {

struct Vec3 {
  double x = 0, y = 0, z = 0;
};

inline Vec3 operator+(Vec3 a, Vec3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
inline Vec3 operator-(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
inline Vec3 operator*(double k, Vec3 a) { return {k * a.x, k * a.y, k * a.z}; }
inline double dot(Vec3 a, Vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline Vec3 cross(Vec3 a, Vec3 b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
inline double norm(Vec3 a) { return std::sqrt(dot(a, a)); }
inline Vec3 normalized(Vec3 a) {
  const double n = norm(a);
  return n > 0 ? (1.0 / n) * a : Vec3{1, 0, 0};
}
/// The angle between two unit vectors in radians, accurate for small angles too.
inline double angle_between(Vec3 a, Vec3 b) { return std::atan2(norm(cross(a, b)), dot(a, b)); }

const GeographicLib::Geodesic& wgs84();

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
/// The largest angle between the directions of two points at most `m` apart.
inline double max_angle_for(double m) { return m / kSemiMinorM; }

/// Geodesic distance in metres.
double distance_m(LatLon a, LatLon b);

}  // namespace deconflict::geo
