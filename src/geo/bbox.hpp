// Longitude/latitude bounds of a cap, for bounding-box filters.
#pragma once

#include "geo/shape.hpp"

namespace deconflict::geo {

struct LonLatBounds {
  double west_deg, south_deg, east_deg, north_deg;  // west > east crosses the antimeridian
};

/// Bounds that contain every point of the cap (all longitudes when it holds a pole).
LonLatBounds bounds_of(const Cap& cap);

/// True when two boxes share a point; either may cross the antimeridian.
bool boxes_meet(const LonLatBounds& a, const LonLatBounds& b);

}  // namespace deconflict::geo

namespace deconflict::geo {

/// An axis-aligned box of geocentric unit vectors.
struct DirectionBox {
  Vec3 lo, hi;
};

/// A box that holds the direction of every point in the lon/lat box: the
/// query region of a bounding-box search in the index.
DirectionBox directions_of(const LonLatBounds& box);

}  // namespace deconflict::geo
