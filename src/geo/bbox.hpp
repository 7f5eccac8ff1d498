// Longitude/latitude bounds of a cap, for bounding-box filters.
#pragma once

#include "geo/shape.hpp"

namespace deconflict::geo {

struct LonLatBounds {
  double west_deg, south_deg, east_deg, north_deg;  // west > east crosses the antimeridian
};

/// Bounds that contain every point of the cap (all longitudes when it holds a pole).
LonLatBounds bounds_of(const Cap& cap);

/// The longitudes from `west` to `east` as intervals [from, to], from <= to:
/// one, or two when they cross the antimeridian (west > east). Returns how many.
int split_longitudes(double west, double east, double out[2][2]);

/// True when two boxes share a point; either may cross the antimeridian.
bool boxes_meet(const LonLatBounds& a, const LonLatBounds& b);

}  // namespace deconflict::geo
