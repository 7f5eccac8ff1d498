// Geodesic distance between prepared shapes.
//
// The distance between two shapes is 0 when a piece of one crosses a piece of
// the other, or when one contains a vertex of the other (then, the boundaries
// not crossing, it contains that whole part). Otherwise it is attained with a
// vertex at one end: two geodesic pieces that do not cross are closest at an
// end point of one of them, so the minimum over vertex-to-piece distances is
// exact. Caps give lower bounds that skip most pairs (branch and bound).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include <GeographicLib/GeodesicLine.hpp>

#include "geo/shape.hpp"

namespace deconflict::geo {
namespace {

constexpr double kMeanRadiusM = 6371008.8;
constexpr double kDeg = std::numbers::pi / 180.0;

struct Reach {
  double distance_m = 0;
  double azimuth_deg = 0;  // at the first point, towards the second
};

Reach inverse(LatLon a, LatLon b) {
  Reach r;
  double azi2 = 0;
  wgs84().Inverse(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg, r.distance_m, r.azimuth_deg, azi2);
  return r;
}

// Where along the great circle of a piece (as a fraction in [0, 1]) the
// perpendicular from p falls: a starting point within a few hundred metres of
// the answer, so that the iteration below needs one or two steps.
double spherical_foot(Vec3 p, const Shape& s, const Edge& e) {
  const Vec3 n = e.normal, a = s.head(e).dir;
  if (dot(n, n) == 0) return 0.5;
  const Vec3 q = p - dot(p, n) * n;  // p projected on the plane of the great circle
  const double total = angle_between(a, s.tail(e).dir);
  const double from_a = std::atan2(dot(cross(a, q), n), dot(a, q));
  return total > 0 ? std::clamp(from_a / total, 0.0, 1.0) : 0.5;
}

// The closest point of a piece to p, by a Newton-like iteration along it: from
// a point X on the piece at distance d from p, with the direction to p at an
// angle theta to the piece, the spherical right triangle puts the foot of the
// perpendicular at atan2(sin d cos theta, cos d) further on. The fixed point
// (theta = ±90°) is exact on the ellipsoid; the iteration converges linearly
// with a rate of the order of the flattening, so two or three steps reach 1 cm. A
// foot beyond an end is clamped to it, where the iteration then measures.
// Within 0.5 rad of the piece the distance along it has one minimum; farther
// out both ends are measured too.
double point_edge_distance_m(const Vertex& p, const Shape& s, const Edge& e) {
  const LatLon a = s.head(e).pos;
  if (e.length_m == 0) return inverse(p.pos, a).distance_m;
  double best = std::numeric_limits<double>::infinity();
  if (e.cap.lower_bound_m(p.dir) > 0.5 * kSemiMinorM) {
    best = std::min(inverse(p.pos, a).distance_m, inverse(p.pos, s.tail(e).pos).distance_m);
  }
  const GeographicLib::GeodesicLine line(wgs84(), a.lat_deg, a.lon_deg, e.azimuth_deg,
                                         GeographicLib::Geodesic::LATITUDE | GeographicLib::Geodesic::LONGITUDE |
                                             GeographicLib::Geodesic::AZIMUTH |
                                             GeographicLib::Geodesic::DISTANCE_IN);
  double along = spherical_foot(p.dir, s, e) * e.length_m;
  for (int iteration = 0; iteration < 16; ++iteration) {
    double lat = 0, lon = 0, azimuth = 0;
    line.Position(along, lat, lon, azimuth);
    const Reach r = inverse({lat, lon}, p.pos);
    best = std::min(best, r.distance_m);
    if (r.distance_m < 1e-9) return 0;
    const double sigma = r.distance_m / kMeanRadiusM;
    const double theta = (r.azimuth_deg - azimuth) * kDeg;
    const double step = kMeanRadiusM * std::atan2(std::sin(sigma) * std::cos(theta), std::cos(sigma));
    const double next = std::clamp(along + step, 0.0, e.length_m);
    const double moved = std::fabs(next - along);
    if (moved < 1e-2) break;
    // The foot is about `moved` on (to 1%, the rate of convergence), so the
    // distance measured here exceeds the least by at most off²/2d, d >= r - off
    // being the distance at the foot: stop once that is under 1 mm.
    const double off = 1.1 * moved;
    if (next > 0 && next < e.length_m && off < r.distance_m && off * off < 2e-3 * (r.distance_m - off)) break;
    along = next;
  }
  return best;
}

// One vertex per part: if the boundaries do not cross, a part is wholly inside
// or wholly outside an area, so one vertex decides.
bool any_part_inside(const Shape& inner, const Shape& outer) {
  if (outer.areas().empty()) return false;
  for (const Path& path : inner.paths()) {
    if (outer.contains(inner.vertices()[path.first_vertex])) return true;
  }
  return false;
}

bool any_edges_cross(const Shape& a, const Shape& b) {
  if (a.edges().empty() || b.edges().empty()) return false;
  const CapTrig whole_b(b.cap());
  std::vector<CapTrig> caps_b;
  for (const Edge& ea : a.edges()) {
    const CapTrig cap_a(ea.cap);
    if (!cap_a.may_meet(whole_b)) continue;
    if (caps_b.empty()) {
      for (const Edge& eb : b.edges()) caps_b.emplace_back(eb.cap);
    }
    for (size_t j = 0; j < caps_b.size(); ++j) {
      if (cap_a.may_meet(caps_b[j]) && edges_cross(a, ea, b, b.edges()[j])) return true;
    }
  }
  return false;
}

// Where a direction must lie for the bounds below to put it within `bound_m`
// of a piece: within the cap's radius plus that angle of its centre, and
// within the plane margin plus that angle of its plane. Conservative: the
// bounds themselves decide near the edge.
class PieceReach {
 public:
  PieceReach(const Edge& e, double bound_m) : centre_(e.cap.center), normal_(e.normal) {
    const double angle = bound_m / kSemiMinorM;
    constexpr double kSlack = 1e-12;
    if (e.cap.radius_rad + angle < 3.0) min_dot_ = std::cos(e.cap.radius_rad + angle) - kSlack;
    if (e.plane_margin_rad() + angle < 1.5 && dot(normal_, normal_) > 0) {
      max_plane_ = std::sin(e.plane_margin_rad() + angle) + kSlack;
    }
  }
  bool may_reach(Vec3 p) const { return dot(p, centre_) >= min_dot_ && std::fabs(dot(p, normal_)) <= max_plane_; }

 private:
  Vec3 centre_, normal_;
  double min_dot_ = -2, max_plane_ = 2;
};

// A vertex-to-piece pair and a lower bound on its distance.
struct Candidate {
  double lower_m;
  uint32_t vertex, edge;
};

// The least distance from a vertex of `a` to `b` (its pieces, or its only
// vertex), never measuring pairs that cannot beat `bound`. Pairs are measured
// nearest bound first, so that the first measurement makes most of the rest
// unnecessary.
double vertices_to_shape(const Shape& a, const Shape& b, double bound) {
  double best = std::numeric_limits<double>::infinity();
  thread_local std::vector<Candidate> candidates;
  thread_local std::vector<PieceReach> reaches;
  candidates.clear();
  reaches.clear();
  // With several vertices to try, each piece's reach turns the bounds below into dot products.
  if (a.vertices().size() > 2) {
    for (const Edge& e : b.edges()) reaches.emplace_back(e, bound);
  }
  for (uint32_t i = 0; i < a.vertices().size(); ++i) {
    const Vertex& v = a.vertices()[i];
    if (b.cap().lower_bound_m(v.dir) > bound) continue;
    if (b.edges().empty()) {
      for (const Vertex& w : b.vertices()) best = std::min(best, inverse(v.pos, w.pos).distance_m);
      continue;
    }
    for (uint32_t k = 0; k < b.edges().size(); ++k) {
      const Edge& e = b.edges()[k];
      if (!reaches.empty() && !reaches[k].may_reach(v.dir)) continue;
      const double lower = e.quick_lower_bound_m(v.dir);
      if (lower <= bound) candidates.push_back({lower, i, k});
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& x, const Candidate& y) { return x.lower_m < y.lower_m; });
  for (const Candidate& c : candidates) {
    if (c.lower_m > std::min(best, bound)) break;
    best = std::min(best, point_edge_distance_m(a.vertices()[c.vertex], b, b.edges()[c.edge]));
    if (best == 0) return 0;
  }
  return best;
}

}  // namespace

double distance_m(const Shape& a, const Shape& b, double cutoff_m) {
  const double lower = a.cap().lower_bound_m(b.cap());
  if (lower > cutoff_m) return lower;
  // Crossing pieces are cheaper to find than containment (an inverse
  // solution per ring vertex), and overlapping shapes mostly cross.
  if (any_edges_cross(a, b)) return 0;
  if (any_part_inside(a, b) || any_part_inside(b, a)) return 0;
  // Past the cutoff only "more than the cutoff" matters; keep a little slack
  // so that a distance a hair above the cutoff is still computed exactly.
  const double bound = cutoff_m + 1.0;
  // A shape without pieces (a point) is fully measured from the other side:
  // its distance to a piece already covers that piece's end points.
  double d = std::numeric_limits<double>::infinity();
  if (!b.edges().empty() || a.edges().empty()) d = vertices_to_shape(a, b, bound);
  if (!a.edges().empty()) d = std::min(d, vertices_to_shape(b, a, bound));
  return std::isfinite(d) ? d : std::max(lower, cutoff_m + 1.0);
}

}  // namespace deconflict::geo
