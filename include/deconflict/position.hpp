// Positions as the field writes them: decimal degrees, degrees-minutes-
// seconds, MGRS and UTM/UPS, read and written with GeographicLib (DMS, MGRS,
// UTMUPS) on WGS84.
//
//   auto p = read_position("37SBT 12345 67890");   // an MGRS square of 1 m
//   p->point;      // the centre of the square (lat/lon, degrees)
//   p->square_m;   // 1: the side of the square the reference names
//   write_position(p->point, Grid::dms);   // "33°30'21.0\"N 038°37'04.0\"E"
//
// A grid reference names a square, not a point: read_position gives its
// centre and the side of the square, so that a caller can say which point
// is meant and how far from it the true one may be (half the diagonal).
// Decimal and DMS are latitude first (as written in the field; GeoJSON's
// longitude-first order is only for its coordinates), each with an optional
// hemisphere letter, which also allows either order ("38.6E 33.5N").
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "deconflict/status.hpp"
#include "deconflict/units.hpp"

namespace deconflict {

/// The ways of writing a position.
enum class Grid { decimal, dms, mgrs, utm };
/// Every grid, in the order answers list them.
inline constexpr std::array<Grid, 4> kGrids{Grid::decimal, Grid::dms, Grid::mgrs, Grid::utm};

/// The grid named `name` ("decimal", "dms", "mgrs", "utm"), or nothing.
std::optional<Grid> grid_named(std::string_view name);
const char* grid_name(Grid grid);

struct ReadPosition {
  LatLon point;         // the position, or the centre of the square a grid reference names
  Grid written_as;      // how the text wrote it
  double square_m = 0;  // the side of the square named (MGRS, UTM to the metre); 0 for degrees
};

/// Reads a position written in any of the grids: "33.50583, 38.61778",
/// "33.50583N 38.61778E", "33°30'21\"N 38°37'04\"E", "37SBT 12345 67890"
/// (any precision, spaces allowed), "37N 561234 3707890" (zone and
/// hemisphere, easting, northing; "N"/"S" alone for UPS). invalid_input
/// naming what is wrong otherwise.
Result<ReadPosition> read_position(std::string_view text);

/// Writes `p` in `grid`: decimal degrees to 6 places (about 0.1 m), DMS to
/// a tenth of a second (about 3 m), MGRS with `mgrs_digits` digits per
/// coordinate (5: a square of 1 m, the default), UTM/UPS to the metre.
/// Latitudes beyond the grid (MGRS and UTM cover every latitude through
/// UPS) never fail; an invalid position gives invalid_input.
Result<std::string> write_position(LatLon p, Grid grid, int mgrs_digits = 5);

}  // namespace deconflict
