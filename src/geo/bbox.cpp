#include "geo/bbox.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace deconflict::geo {
namespace {

// Geodetic latitude of a geocentric latitude (both in radians).
double geodetic(double geocentric) { return std::atan(std::tan(geocentric) / (1.0 - kEccentricity2)); }

// Longitude intervals as [from, to] with from <= to, split at the antimeridian.
int split(double west, double east, double out[2][2]) {
  if (west <= east) {
    out[0][0] = west;
    out[0][1] = east;
    return 1;
  }
  out[0][0] = west;
  out[0][1] = 180;
  out[1][0] = -180;
  out[1][1] = east;
  return 2;
}

}  // namespace

LonLatBounds bounds_of(const Cap& cap) {
  const double half_pi = std::numbers::pi / 2;
  const double lat = std::asin(std::clamp(cap.center.z, -1.0, 1.0));
  const double lon = std::atan2(cap.center.y, cap.center.x) * kDegPerRad;
  const double r = cap.radius_rad;
  const double north = lat + r, south = lat - r;
  if (north >= half_pi || south <= -half_pi || r >= half_pi) {
    return {-180, north >= half_pi ? geodetic(std::max(south, -half_pi)) * kDegPerRad : -90, 180,
            south <= -half_pi ? geodetic(std::min(north, half_pi)) * kDegPerRad : 90};
  }
  const double half_width = std::asin(std::min(1.0, std::sin(r) / std::cos(lat))) * kDegPerRad;
  double west = lon - half_width, east = lon + half_width;
  if (west < -180) west += 360;
  if (east > 180) east -= 360;
  return {west, geodetic(south) * kDegPerRad, east, geodetic(north) * kDegPerRad};
}

bool boxes_meet(const LonLatBounds& a, const LonLatBounds& b) {
  if (a.north_deg < b.south_deg || b.north_deg < a.south_deg) return false;
  double ia[2][2], ib[2][2];
  const int na = split(a.west_deg, a.east_deg, ia), nb = split(b.west_deg, b.east_deg, ib);
  for (int i = 0; i < na; ++i) {
    for (int j = 0; j < nb; ++j) {
      if (ia[i][0] <= ib[j][1] && ib[j][0] <= ia[i][1]) return true;
    }
  }
  return false;
}

namespace {

struct Range {
  double lo, hi;
};

// The range of cos over [from, to] (degrees, from <= to, within [-180, 180]).
Range cos_range(double from, double to) {
  const double a = std::cos(from / kDegPerRad), b = std::cos(to / kDegPerRad);
  return {(from <= -180 || to >= 180) ? -1.0 : std::min(a, b), (from <= 0 && 0 <= to) ? 1.0 : std::max(a, b)};
}

// The range of sin over [from, to] (degrees, from <= to, within [-180, 180]).
Range sin_range(double from, double to) {
  const double a = std::sin(from / kDegPerRad), b = std::sin(to / kDegPerRad);
  return {(from <= -90 && -90 <= to) ? -1.0 : std::min(a, b), (from <= 90 && 90 <= to) ? 1.0 : std::max(a, b)};
}

// The range of r * t for r in `r` (non-negative) and t in `t`.
Range times(Range r, Range t) { return {t.lo >= 0 ? r.lo * t.lo : r.hi * t.lo, t.hi >= 0 ? r.hi * t.hi : r.lo * t.hi}; }

Range hull(Range a, Range b) { return {std::min(a.lo, b.lo), std::max(a.hi, b.hi)}; }

}  // namespace

DirectionBox directions_of(const LonLatBounds& box) {
  // A direction is (c cos lon, c sin lon, z) with c = cos(geocentric latitude):
  // bound c and z over the latitudes, cos and sin over the longitudes.
  const Vec3 south = direction_of({box.south_deg, 0}), north = direction_of({box.north_deg, 0});
  const Range z{south.z, north.z};
  const Range c{std::min(south.x, north.x),
                (box.south_deg <= 0 && 0 <= box.north_deg) ? 1.0 : std::max(south.x, north.x)};
  double lons[2][2];
  const int n = split(box.west_deg, box.east_deg, lons);
  Range cosr = cos_range(lons[0][0], lons[0][1]), sinr = sin_range(lons[0][0], lons[0][1]);
  if (n == 2) {
    cosr = hull(cosr, cos_range(lons[1][0], lons[1][1]));
    sinr = hull(sinr, sin_range(lons[1][0], lons[1][1]));
  }
  const Range x = times(c, cosr), y = times(c, sinr);
  constexpr double kSlack = 1e-12;  // rounding in the trigonometry
  return {{x.lo - kSlack, y.lo - kSlack, z.lo - kSlack}, {x.hi + kSlack, y.hi + kSlack, z.hi + kSlack}};
}

}  // namespace deconflict::geo
