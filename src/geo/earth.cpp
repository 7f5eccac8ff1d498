#include "geo/earth.hpp"

namespace deconflict::geo {

const GeographicLib::Geodesic& wgs84() { return GeographicLib::Geodesic::WGS84(); }

Vec3 direction_of(LatLon p) {
  const double lat = p.lat_deg * kRadPerDeg;
  const double lon = p.lon_deg * kRadPerDeg;
  const double c = std::cos(lat);
  // The geocentric point is N*(cos lat cos lon, cos lat sin lon, (1-e2) sin lat);
  // its direction does not depend on N.
  return normalized({c * std::cos(lon), c * std::sin(lon), (1.0 - kEccentricity2) * std::sin(lat)});
}

LatLon position_of(Vec3 d) {
  const double h = std::hypot(d.x, d.y);
  // tan(geodetic latitude) = tan(geocentric latitude) / (1 - e2)
  return {std::atan2(d.z, (1.0 - kEccentricity2) * h) * kDegPerRad, std::atan2(d.y, d.x) * kDegPerRad};
}

double distance_m(LatLon a, LatLon b) {
  double s12 = 0;
  wgs84().Inverse(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg, s12);
  return s12;
}

}  // namespace deconflict::geo
