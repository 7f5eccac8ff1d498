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
// The winding is first counted cheaply around the great-circle arcs through
// the ring's vertex directions (crossings of one direction from p, no
// trigonometry). Each geodesic piece and its arc bound a thin
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

// Whether the ring of great-circle arcs winds round p (the direction from p
// to a point going once round it turns by ±360°, not 0°), counted as the
// crossings of one direction from p (e1 below) with no trigonometry. Seen
// from p, each step between consecutive vertices turns by less than 180°
// (its arc passes neither through p nor near p's antipode, outside the
// ring's cap), with the sign of p · (a × b); a step from below the great
// circle through p and e1 to above it crosses e1 itself when it turns
// anticlockwise and the opposite direction otherwise, so the winding number
// is the anticlockwise crossings upwards less the clockwise ones downwards.
// Nothing when p is too near a piece for the arcs to stand for the
// geodesics, or a step's turn is too small to sign surely.
std::optional<bool> Shape::arcs_wind_round(const Path& ring, Vec3 p) const {
  const Vec3 e1 = normalized(cross(p, std::fabs(p.x) < 0.6 ? Vec3{1, 0, 0} : Vec3{0, 1, 0}));
  const Vec3 e2 = cross(p, e1);
  int winding = 0;
  for (uint32_t k = 0; k < ring.edge_count; ++k) {
    const Edge& e = edges_[ring.first_edge + k];
    if (!e.clear_of_arc(p)) return std::nullopt;
    const Vec3 a = head(e).dir, b = tail(e).dir;
    const bool a_below = dot(a, e2) < 0, b_below = dot(b, e2) < 0;
    if (a_below == b_below) continue;
    const double turn = dot(p, cross(a, b));
    if (std::fabs(turn) < 1e-14) return std::nullopt;
    if (a_below && turn > 0) ++winding;
    if (b_below && turn < 0) --winding;
  }
  return winding != 0;
}

bool Shape::ring_contains(const Path& ring, const Vertex& p) const {
  if (ring.cap.lower_bound_m(p.dir) > 0) return false;
  if (const std::optional<bool> inside = arcs_wind_round(ring, p.dir)) return *inside;
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
