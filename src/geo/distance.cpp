// Geodesic distance between prepared shapes.
//
// The distance between two shapes is 0 when a piece of one crosses a piece of
// the other, or when one contains a vertex of the other (then, the boundaries
// not crossing, it contains that whole part). Otherwise it is attained with a
// vertex at one end: two geodesic pieces that do not cross are closest at an
// end point of one of them, so the minimum over vertex-to-piece distances is
// exact. Caps give lower bounds that skip most pairs (branch and bound).
#include <GeographicLib/GeodesicLine.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "geo/separation.hpp"
#include "geo/shape.hpp"

namespace deconflict::geo {
namespace {

constexpr double kMeanRadiusM = 6371008.8;

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

// Points of a piece and the piece's direction there. Its ends are known
// from its vertices and the azimuths kept with it; a point between them needs
// the piece's geodesic, set up (at the cost of about two positions on it)
// only then: most searches end at an end without one.
class PieceWalk {
 public:
  PieceWalk(const Shape& s, const Edge& e) : s_(s), e_(e) {}

  Heading at(double along) {
    if (along == 0) return heading_of(s_.head(e_).pos, e_.azimuth_deg);
    if (along == e_.length_m) return heading_of(s_.tail(e_).pos, e_.azimuth_b_deg);
    double lat = 0, lon = 0, azimuth = 0;
    line().Position(along, lat, lon, azimuth);
    return heading_of({lat, lon}, azimuth);
  }

  const GeographicLib::GeodesicLine& line() {
    if (!line_) {
      const LatLon a = s_.head(e_).pos;
      line_.emplace(wgs84(), a.lat_deg, a.lon_deg, e_.azimuth_deg,
                    GeographicLib::Geodesic::LATITUDE | GeographicLib::Geodesic::LONGITUDE |
                        GeographicLib::Geodesic::AZIMUTH | GeographicLib::Geodesic::DISTANCE_IN);
    }
    return *line_;
  }

 private:
  const Shape& s_;
  const Edge& e_;
  std::optional<GeographicLib::GeodesicLine> line_;
};

// The distance from p to a piece from the least chord between them, when
// that is short (docs/geometry.md, "A point and a piece from the chord"):
// f(u) = |P − X(u)|², X(u) the piece's point u metres along it, is convex
// while every chord is under the least radius of curvature b²/a, as it is
// for a piece of at most 1,000 km and a chord of at most kShortChordM; so
// gradient steps (f''/2 lies in [1 − |P − X| a/b², 1]) reach its one
// minimum, which convexity bounds below, and stop once that bound puts the
// least chord within 1 mm. Nothing when the chord is longer.
std::optional<double> from_least_chord(const Vertex& p, const Shape& s, const Edge& e, PieceWalk& walk) {
  const Vec3 target = ecef_of(p.dir);
  double along = spherical_foot(p.dir, s, e) * e.length_m;
  for (int iteration = 0; iteration < 8; ++iteration) {
    const Heading here = walk.at(along);
    const Vec3 d = target - here.at;
    const double chord = norm(d), slope = dot(d, here.along);  // −f'/2
    if (chord > kShortChordM) return std::nullopt;
    const double next = std::clamp(along + slope, 0.0, e.length_m);
    const bool at_end = next == along;  // at an end, the least of a convex f over the piece
    // f(u*) >= f(u) − f'(u)²/(2 min f''): with m >= 1/2, u* is within 2|slope|
    // of u, where every chord is at most chord + 2|slope| and f''/2 >= m.
    const double m = 1.0 - kGreatestCurvature * (chord + 2.0 * std::fabs(slope));
    const double least = at_end ? chord : std::sqrt(std::max(0.0, chord * chord - slope * slope / m));
    // Stop once the least chord is known to 1 mm (often one step from the
    // spherical foot: the slope is then centimetres).
    if (!at_end && (m < 0.5 || chord - least > 1e-3)) {
      along = next;
      continue;
    }
    const Bracket b = bracket_of_chord(least, chord);
    if (b.half_width_m() > kShortErrorM) return std::nullopt;
    return b.mid_m();
  }
  return std::nullopt;
}

// The closest point of a piece to p, when the chord cannot give it (it is
// longer than kShortChordM), by a Newton-like iteration along it: from
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
  if (e.length_m == 0) return separation_m(p, s.head(e));
  PieceWalk walk(s, e);
  if (auto d = from_least_chord(p, s, e, walk)) return *d;
  const GeographicLib::GeodesicLine& line = walk.line();
  double best = std::numeric_limits<double>::infinity();
  if (e.cap.lower_bound_m(p.dir) > 0.5 * kSemiMinorM) {
    best = std::min(inverse(p.pos, a).distance_m, inverse(p.pos, s.tail(e).pos).distance_m);
  }
  double along = spherical_foot(p.dir, s, e) * e.length_m;
  for (int iteration = 0; iteration < 16; ++iteration) {
    double lat = 0, lon = 0, azimuth = 0;
    line.Position(along, lat, lon, azimuth);
    const Reach r = inverse({lat, lon}, p.pos);
    best = std::min(best, r.distance_m);
    if (r.distance_m < 1e-9) return 0;
    const double sigma = r.distance_m / kMeanRadiusM;
    const double theta = (r.azimuth_deg - azimuth) * kRadPerDeg;
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
bool any_part_inside(const Shape& inner, const Shape& outer, Work& work) {
  if (outer.areas().empty()) return false;
  for (const Path& path : inner.paths()) {
    if (!work.spend(outer.areas().size() + Work::kExactUnits)) return false;
    if (outer.contains(inner.vertices()[path.first_vertex])) return true;
  }
  return false;
}

bool any_edges_cross(const Shape& a, const Shape& b, Work& work) {
  // One pointer captured, which std::function holds without allocating (three
  // references would be allocated for at every distance measured).
  struct Both {
    const Shape &a, &b;
    Work& work;
  } both{a, b, work};
  return any_meeting_pair(a, b, work, [on = &both](uint32_t i, uint32_t j) {
    return on->work.spend(Work::kExactUnits) && edges_cross(on->a, on->a.edges()[i], on->b, on->b.edges()[j]);
  });
}

// A vertex-to-piece pair and a lower bound on its distance.
struct Candidate {
  double lower_m;
  uint32_t vertex, edge;
  bool operator<(const Candidate& o) const { return lower_m < o.lower_m; }
};

// The vertices a leaf stands for: each piece's head, and the tail of a
// LineString's last piece; a point's one vertex when it has no pieces.
template <typename F>
void for_each_vertex(const Shape& s, const PieceNode& leaf, F&& f) {
  if (s.edges().empty()) {
    for (uint32_t v = 0; v < s.vertices().size(); ++v) f(v);
    return;
  }
  for (uint32_t k = 0; k < leaf.count; ++k) {
    const Edge& e = s.edges()[s.piece_at(leaf.first + k)];
    f(e.a);
    if (e.ends_line) f(e.b);
  }
}

// Candidates from the vertices of leaf `lv` of `v` to the pieces of leaf `lp` of `p`.
void gather(const Shape& v, const PieceNode& lv, const Shape& p, const PieceNode& lp, double bound, bool from_a,
            std::vector<Candidate>& out, Work& work) {
  if (lp.count == 0) return;
  for_each_vertex(v, lv, [&](uint32_t i) {
    const Vec3 dir = v.vertices()[i].dir;
    const double rho = surface_radius_m(dir.z);
    work.spend(1);
    if (geo::lower_bound_m(angle_at_least(lp.cap.center, dir) - lp.cap.radius_rad, rho, lp.rho_min_m) > bound) return;
    work.spend(lp.count);
    for (uint32_t l = 0; l < lp.count; ++l) {
      const uint32_t k = p.piece_at(lp.first + l);
      const double lower = p.edges()[k].quick_lower_bound_m(dir, rho);
      // The vertex's side is kept in the top bit of the vertex number.
      if (lower <= bound) out.push_back({lower, i | (from_a ? 0u : 0x80000000u), k});
    }
  });
}

// A pair of nodes, one of each shape, and a lower bound on the distance between them.
struct NodePair {
  double lower_m;
  uint32_t i, j;
  bool operator>(const NodePair& o) const { return lower_m > o.lower_m; }
};

double node_lower_bound_m(const PieceNode& na, const PieceNode& nb) {
  return geo::lower_bound_m(angle_at_least(na.cap.center, nb.cap.center) - na.cap.radius_rad - nb.cap.radius_rad,
                            na.rho_min_m, nb.rho_min_m);
}

// The least vertex-to-piece distance between the shapes (both ways), never
// measuring a pair that cannot beat `bound`: pairs of nodes are opened
// nearest first, and in a pair of leaves the vertex-to-piece pairs are
// measured nearest bound first, so that early measurements make most of the
// rest unnecessary.
double vertices_to_pieces(const Shape& a, const Shape& b, double bound, Work& work) {
  double best = std::numeric_limits<double>::infinity();
  thread_local std::vector<NodePair> heap;
  thread_local std::vector<Candidate> candidates;
  heap.clear();
  const auto push = [&](uint32_t i, uint32_t j) {
    const PieceNode na = a.node(i), nb = b.node(j);
    const double lower = node_lower_bound_m(na, nb);
    if (lower > std::min(best, bound)) return;
    heap.push_back({lower, i, j});
    std::push_heap(heap.begin(), heap.end(), std::greater<>());
  };
  push(0, 0);
  while (!heap.empty() && work.spend(1)) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>());
    const NodePair top = heap.back();
    heap.pop_back();
    if (top.lower_m > std::min(best, bound)) break;
    const PieceNode na = a.node(top.i), nb = b.node(top.j);
    if (!na.leaf() || !nb.leaf()) {
      if (split_first(na, nb)) {
        push(na.left, top.j);
        push(na.right, top.j);
      } else {
        push(top.i, nb.left);
        push(top.i, nb.right);
      }
      continue;
    }
    candidates.clear();
    gather(a, na, b, nb, std::min(best, bound), true, candidates, work);
    gather(b, nb, a, na, std::min(best, bound), false, candidates, work);
    std::sort(candidates.begin(), candidates.end());
    for (const Candidate& c : candidates) {
      if (c.lower_m > std::min(best, bound) || !work.spend(Work::kExactUnits)) break;
      const bool from_a = (c.vertex & 0x80000000u) == 0;
      const uint32_t vertex = c.vertex & 0x7fffffffu;
      const Shape& vs = from_a ? a : b;
      const Shape& ps = from_a ? b : a;
      best = std::min(best, point_edge_distance_m(vs.vertices()[vertex], ps, ps.edges()[c.edge]));
      if (best == 0) return 0;
    }
  }
  return best;
}

}  // namespace

double distance_m(const Shape& a, const Shape& b, double cutoff_m, Work& work) {
  const double lower = a.cap().lower_bound_m(b.cap());
  if (!work.spend(1) || lower > cutoff_m) return lower;
  // Crossing pieces are cheaper to find than containment (an inverse
  // solution per ring vertex), and overlapping shapes mostly cross.
  if (any_edges_cross(a, b, work)) return 0;
  if (any_part_inside(a, b, work) || any_part_inside(b, a, work)) return 0;
  if (a.edges().empty() && b.edges().empty()) {
    work.spend(Work::kExactUnits);
    return separation_m(a.vertices()[0], b.vertices()[0]);
  }
  // Past the cutoff only "more than the cutoff" matters; keep a little slack
  // so that a distance a hair above the cutoff is still computed exactly.
  const double bound = cutoff_m + 1.0;
  const double d = vertices_to_pieces(a, b, bound, work);
  return std::isfinite(d) ? d : std::max(lower, cutoff_m + 1.0);
}

double distance_m(const Shape& a, const Shape& b, double cutoff_m) {
  Work unlimited;
  return distance_m(a, b, cutoff_m, unlimited);
}

double distance_by_every_pair_m(const Shape& a, const Shape& b) {
  Work unlimited;
  for (const Edge& ea : a.edges()) {
    for (const Edge& eb : b.edges()) {
      if (edges_cross(a, ea, b, eb)) return 0;
    }
  }
  if (any_part_inside(a, b, unlimited) || any_part_inside(b, a, unlimited)) return 0;
  double best = std::numeric_limits<double>::infinity();
  const auto every = [&](const Shape& v, const Shape& p) {
    for (const Vertex& x : v.vertices()) {
      if (p.edges().empty()) {
        for (const Vertex& y : p.vertices()) best = std::min(best, separation_m(x, y));
      }
      for (const Edge& e : p.edges()) best = std::min(best, point_edge_distance_m(x, p, e));
    }
  };
  every(a, b);
  every(b, a);
  return best;
}

}  // namespace deconflict::geo
