// Point in polygon on the ellipsoid.
//
// A ring that fits in a cap of less than 90° separates the directions inside
// the cap from their antipodes. Seen from a point p in the cap, the azimuth to
// a point travelling once round the ring turns by ±360° when the ring encloses
// p and by 0° when it does not; the sign is the winding, which does not matter
// (DESIGN §4). Each piece subtends less than 180° from p (p is neither on it
// nor near its antipode), so wrapping each azimuth step into (-180°, 180°]
// recovers the exact turn.
//
// The turn is first taken cheaply around the great-circle arcs through the
// ring's vertex directions. Each geodesic piece and its arc bound a thin
// region inside the piece's cap and within the piece's plane margin of its
// plane; when p is outside every such region, the ring of arcs deforms into
// the ring of geodesics without passing over p (or its antipode, outside the
// ring's cap), so both turn the same way. Only a p that close to a piece pays
// for the geodesic azimuths.
#include <cmath>
#include <optional>

#include "geo/shape.hpp"

namespace deconflict::geo {
namespace {

double wrap_deg(double d) {
  d = std::remainder(d, 360.0);
  return d == -180.0 ? 180.0 : d;
}

}  // namespace

// The turn (radians) of the ring of great-circle arcs around p, or nullopt
// when p is too near a piece for the arcs to stand for the geodesics.
std::optional<double> Shape::arc_turn_rad(const Path& ring, Vec3 p) const {
  double turn = 0;
  for (uint32_t k = 0; k < ring.edge_count; ++k) {
    const Edge& e = edges_[ring.first_edge + k];
    if (!e.clear_of_arc(p)) return std::nullopt;
    const Vec3 a = head(e).dir, b = tail(e).dir;
    // The angle at p from the great circle towards a to the one towards b.
    turn += std::atan2(dot(p, cross(a, b)), dot(a, b) - dot(p, a) * dot(p, b));
  }
  return turn;
}

bool Shape::ring_contains(const Path& ring, const Vertex& p) const {
  if (ring.cap.lower_bound_m(p.dir) > 0) return false;
  if (const std::optional<double> turn = arc_turn_rad(ring, p.dir)) return std::fabs(*turn) > 3.14159265358979;
  return ring_contains_geodesic(ring, p);
}

bool Shape::ring_contains_geodesic(const Path& ring, const Vertex& p) const {
  const auto& g = wgs84();
  double first_azimuth = 0, previous = 0, turn = 0;
  for (uint32_t i = 0; i < ring.vertex_count; ++i) {
    const LatLon v = vertices_[ring.first_vertex + i].pos;
    double s12 = 0, azi1 = 0, azi2 = 0;
    g.Inverse(p.pos.lat_deg, p.pos.lon_deg, v.lat_deg, v.lon_deg, s12, azi1, azi2);
    if (s12 < 1e-6) return true;  // on a vertex
    if (i == 0) {
      first_azimuth = azi1;
    } else {
      turn += wrap_deg(azi1 - previous);
    }
    previous = azi1;
  }
  turn += wrap_deg(first_azimuth - previous);
  return std::fabs(turn) > 180.0;
}

bool Shape::contains(const Vertex& p) const {
  for (const Area& area : areas_) {
    const Path& outer = paths_[area.first_path];
    if (!ring_contains(outer, p)) continue;
    bool in_hole = false;
    for (uint32_t h = 1; h < area.path_count && !in_hole; ++h) {
      in_hole = ring_contains(paths_[area.first_path + h], p);
    }
    if (!in_hole) return true;
  }
  return false;
}

}  // namespace deconflict::geo
