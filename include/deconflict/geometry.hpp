// The plain values a volume's extent is made of: its geometry as given, its
// bounding cap, its altitude band and its time window. Nothing here knows of
// volumes; the geometry layer (src/geo) builds on these alone.
#pragma once

#include <limits>
#include <vector>

#include "deconflict/units.hpp"

namespace deconflict {

enum class GeometryType { point, line_string, polygon, multi_polygon };

/// The geometry as given: for a Point one part with one ring of one position;
/// for a LineString one part with one ring (the line); for a Polygon one part
/// (outer ring then holes); for a MultiPolygon one part per polygon. Rings
/// keep their closing position.
struct Geometry {
  GeometryType type = GeometryType::point;
  std::vector<std::vector<std::vector<LatLon>>> parts;
  /// How many positions it has, in all its rings and parts.
  size_t position_count() const {
    size_t n = 0;
    for (const auto& part : parts) {
      for (const auto& ring : part) n += ring.size();
    }
    return n;
  }
};

/// An altitude band in metres above the WGS84 ellipsoid; default the whole column.
struct AltitudeBand {
  double lower_m = -std::numeric_limits<double>::infinity();
  double upper_m = std::numeric_limits<double>::infinity();
  bool bounded() const { return lower_m > -1e300 || upper_m < 1e300; }
};

/// A spherical cap that holds a geometry (not grown by its radius or buffer):
/// every point's geocentric direction is within `radius_rad` of the unit
/// vector (x, y, z).
struct BoundingCap {
  double x = 1, y = 0, z = 0;
  double radius_rad = 0;
};

/// A half-open time window [start, end); open ends are kTimeMin / kTimeMax.
struct TimeWindow {
  TimePoint start = kTimeMin;
  TimePoint end = kTimeMax;
};

}  // namespace deconflict
