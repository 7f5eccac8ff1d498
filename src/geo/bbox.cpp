#include "geo/bbox.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace deconflict::geo {
namespace {

// Geodetic latitude of a geocentric latitude (both in radians).
double geodetic(double geocentric) { return std::atan(std::tan(geocentric) / (1.0 - kEccentricity2)); }

}  // namespace

int split_longitudes(double west, double east, double out[2][2]) {
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
  const int na = split_longitudes(a.west_deg, a.east_deg, ia), nb = split_longitudes(b.west_deg, b.east_deg, ib);
  for (int i = 0; i < na; ++i) {
    for (int j = 0; j < nb; ++j) {
      if (ia[i][0] <= ib[j][1] && ib[j][0] <= ia[i][1]) return true;
    }
  }
  return false;
}

}  // namespace deconflict::geo
