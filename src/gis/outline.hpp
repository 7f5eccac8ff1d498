// The true outline of a volume's horizontal extent, for GIS tools that draw
// straight lines between longitude/latitude vertices (QGIS, Google Earth).
//
//   Result<OgrGeometry> o = gis::outline(v.geometry, v.radius, {});
//
// A circle is drawn on its geodesic circle; a corridor or a margin as the
// union of its geodesic pieces: the polygon, a band along each edge (points
// reached by geodesics perpendicular to it) and a circle round each vertex.
// Every vertex of the outline lies on the true boundary (at the exact
// distance from the geometry, by GeographicLib's direct problem), and the
// straight segments between vertices are short enough to stay within
// `tolerance_m` of it (a circle's chords by their sagitta; geodesic edges and
// bands in steps that keep the plate carrée bow of a geodesic small).
// gis_test checks both at every vertex and every segment's midpoint.
//
// Longitudes are unwrapped along the outline and the result is cut at the
// antimeridian into a MultiPolygon whose parts lie within [-180, 180]. An
// outline that would enclose a pole has no drawing in longitude/latitude and is
// refused (invalid_input). Pure function; thread-safe.
#pragma once

#include <ogr_geometry.h>

#include <memory>

#include "deconflict/geometry.hpp"
#include "deconflict/status.hpp"

namespace deconflict::gis {

using OgrGeometry = std::unique_ptr<OGRGeometry>;

struct OutlineOptions {
  /// How far (metres) a drawn segment may stray from the true boundary; > 0.
  double tolerance_m = 0.5;
};

/// A Polygon or MultiPolygon for a volume with area; the densified line
/// (LineString or MultiLineString) for a corridor of no width.
Result<OgrGeometry> outline(const Geometry& g, Metres radius, const OutlineOptions& options);

/// The geometry as declared (vertices as given, nothing densified), for the
/// `declared` field that lets an export be imported back exactly.
OgrGeometry declared_geometry(const Geometry& g);

}  // namespace deconflict::gis
