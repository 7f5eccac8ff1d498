// A prepared geometry on WGS84: the vertices, the geodesic edges between them
// and bounding caps, ready for exact distance and containment queries.
//
//   Result<Shape> s = Shape::build(geometry);       // validates the topology
//   double d = distance_m(*s, other, cutoff_m);      // geo/distance.hpp
//
// Edges are shortest geodesics. Edges longer than kMaxPieceM are split into
// pieces of the same geodesic, so that every piece is short enough for the
// ellipsoidal gnomonic projection and for the tight caps used in pruning.
// Polygons must fit within kMaxPolygonAngleRad of the mean of their vertices,
// which makes "the smaller of the two regions a ring bounds" (DESIGN §4) the
// region inside that cap, whatever the winding.
//
// A Shape is immutable after build; concurrent reads are safe.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "deconflict/geometry.hpp"
#include "deconflict/status.hpp"
#include "geo/earth.hpp"
#include "geo/work.hpp"

namespace deconflict::geo {

constexpr double kMaxPieceM = 1'000'000.0;
constexpr double kMaxPolygonAngleRad = 80.0 * 3.14159265358979323846 / 180.0;

/// A spherical cap around a geocentric direction: every point of the bounded
/// object has a direction within `radius_rad` of `center`.
struct Cap {
  Vec3 center{1, 0, 0};
  double radius_rad = 0;

  /// Lower bound on the geodesic distance between anything in this cap and anything in `o`.
  double lower_bound_m(const Cap& o) const {
    return geo::lower_bound_m(angle_at_least(center, o.center) - radius_rad - o.radius_rad);
  }
  double lower_bound_m(Vec3 d) const { return geo::lower_bound_m(angle_at_least(center, d) - radius_rad); }
  Cap expanded_by(double metres) const { return {center, radius_rad + max_angle_for(metres)}; }
  /// False only when the caps are certainly apart, without trigonometry.
  bool may_meet(const Cap& o) const { return angle_at_least(center, o.center) <= radius_rad + o.radius_rad; }
};

inline Cap cap_of(const BoundingCap& c) { return {{c.x, c.y, c.z}, c.radius_rad}; }
inline BoundingCap bounding_cap_of(const Cap& c) { return {c.center.x, c.center.y, c.center.z, c.radius_rad}; }

/// A cap with the sines and cosines that make overlap tests trigonometry-free,
/// for loops over many pairs.
struct CapTrig {
  Vec3 center{1, 0, 0};
  double radius_rad = 0, cos_r = 1, sin_r = 0;
  CapTrig() = default;
  explicit CapTrig(const Cap& c)
      : center(c.center), radius_rad(c.radius_rad), cos_r(std::cos(c.radius_rad)), sin_r(std::sin(c.radius_rad)) {}
  /// False only when the caps are certainly apart: angle(centres) > r1 + r2.
  bool may_meet(const CapTrig& o) const {
    if (radius_rad + o.radius_rad >= 3.14159265358979) return true;
    // cos(angle) >= cos(r1 + r2), with a little slack for rounding.
    return dot(center, o.center) >= cos_r * o.cos_r - sin_r * o.sin_r - 1e-12;
  }
};

struct Vertex {
  LatLon pos;
  Vec3 dir;
};

/// A geodesic piece from vertex a to vertex b.
struct Edge {
  uint32_t a = 0, b = 0;
  double azimuth_deg = 0;    // at vertex a
  double azimuth_b_deg = 0;  // at vertex b, onwards: the two ends' tangents need no geodesic line
  double length_m = 0;
  Cap cap;
  /// The unit normal of the plane of the great circle through the ends'
  /// directions; zero when the ends are too close to define one.
  Vec3 normal;
  uint32_t source_index = 0;  // the position in the input where the original edge starts
  bool ends_line = false;     // the last piece of a LineString: its tail is no other piece's head

  /// How far (radians) the geodesic piece may stray from that plane: 1% of
  /// its angle, far above the 1e-4 measured in
  /// Caps.GeodesicsStayNearTheirGreatCircles (the cap's radius exceeds half the angle).
  double plane_margin_rad() const { return 0.02 * cap.radius_rad + 1e-9; }
  /// A lower bound (metres) on the distance from direction p to the piece,
  /// with no trigonometry: the chord to the cap's centre and p's offset from
  /// the plane (the sine of its angle) each understate their angle.
  /// `rho_p` is p's surface radius (surface_radius_m(p.z)).
  double quick_lower_bound_m(Vec3 p, double rho_p) const {
    const double from_cap = norm(p - cap.center) - cap.radius_rad;
    const double from_plane = std::fabs(dot(p, normal)) - plane_margin_rad();
    return geo::lower_bound_m(std::max(from_cap, from_plane), rho_p,
                              least_surface_radius_m(cap.center, cap.radius_rad));
  }
  /// True when p is certainly off the thin region between the geodesic piece
  /// and the great-circle arc through its ends: farther from the plane than
  /// the piece strays, or outside the cap that holds both.
  bool clear_of_arc(Vec3 p) const {
    // |p.n| = sin(angle to the plane) <= that angle, so this is conservative.
    if (std::fabs(dot(p, normal)) > plane_margin_rad()) return true;
    return cap.lower_bound_m(p) > 0;
  }
};

/// A ring (closed) or a line: vertices [first_vertex, first_vertex + vertex_count),
/// edges [first_edge, first_edge + edge_count). A closed path repeats no vertex.
struct Path {
  uint32_t first_vertex = 0, vertex_count = 0;
  uint32_t first_edge = 0, edge_count = 0;
  bool closed = false;
  Cap cap;
};

/// A polygon: paths [first_path, first_path + path_count), the first is the outer ring.
struct Area {
  uint32_t first_path = 0, path_count = 0;
};

/// A node of a shape's piece tree (a bounding-cap hierarchy): its cap holds
/// the caps of the pieces piece_at(first) .. piece_at(first + count - 1).
struct PieceNode {
  CapTrig cap;
  double rho_min_m = 0;  // the least surface radius within the cap (least_surface_radius_m)
  uint32_t first = 0, count = 0;
  uint32_t left = 0, right = 0;  // the children's node numbers; 0 in a leaf (the root is no one's child)
  bool leaf() const { return left == 0; }
};

/// Pieces a leaf of the tree holds at most; a shape with no more pieces has
/// no stored tree, only the root that node(0) makes from its cap.
constexpr uint32_t kLeafPieces = 8;

class Shape {
 public:
  /// Builds and validates: rings are closed and simple, holes inside their
  /// outer ring, polygons within kMaxPolygonAngleRad.
  static Result<Shape> build(const Geometry& g);
  /// Builds a geometry that build() accepted before (a stored one): only the
  /// structural checks (enough distinct positions, closed rings).
  static Result<Shape> build_trusted(const Geometry& g);
  /// The cap() that build() would give, without solving any geodesic, when no
  /// edge is long enough to be split into pieces; nullopt when one is (build
  /// the shape for its cap). Errors are the structural ones.
  static Result<std::optional<Cap>> quick_cap(const Geometry& g);
  /// The structural checks of build_trusted() alone (enough distinct
  /// positions, closed rings, a polygon in each part), computing nothing:
  /// for a stored geometry whose cap was stored with it.
  static Status check_structure(const Geometry& g);

  const std::vector<Vertex>& vertices() const { return vertices_; }
  const std::vector<Edge>& edges() const { return edges_; }
  const std::vector<Path>& paths() const { return paths_; }
  const std::vector<Area>& areas() const { return areas_; }
  const Cap& cap() const { return cap_; }

  /// The piece tree, for searches that must not visit every pair of pieces
  /// of two large shapes: node(0) is the root; a shape without pieces (a
  /// point) has one leaf with none.
  PieceNode node(uint32_t i) const {
    if (!nodes_.empty()) return nodes_[i];
    PieceNode root;
    root.cap = CapTrig(cap_);
    root.rho_min_m = least_surface_radius_m(cap_.center, cap_.radius_rad);
    root.count = static_cast<uint32_t>(edges_.size());
    return root;
  }
  /// The number of the k-th piece in tree order.
  uint32_t piece_at(uint32_t k) const { return order_.empty() ? k : order_[k]; }

  const Vertex& head(const Edge& e) const { return vertices_[e.a]; }
  const Vertex& tail(const Edge& e) const { return vertices_[e.b]; }

  /// True when the point lies in one of the areas (on the boundary counts as in).
  bool contains(const Vertex& p) const;

  /// Asks the processor for the first lines of the arrays a distance reads
  /// first (PreparedVolume::prefetch_shape_arrays).
  void prefetch() const {
    __builtin_prefetch(vertices_.data());
    __builtin_prefetch(edges_.data());
    __builtin_prefetch(paths_.data());
    __builtin_prefetch(nodes_.data());
  }

 private:
  friend class ShapeBuilder;
  enum class Mode { validate, trust, caps_only, structure };
  static Result<Shape> assemble(const Geometry& g, Mode mode);
  static Status assemble_into(Shape& s, const Geometry& g, Mode mode, bool* needs_exact);
  Status validate_size(const Area& area, const std::string& part) const;
  Status validate_rings(const Area& area, const std::string& part) const;
  bool ring_contains(const Path& ring, const Vertex& p) const;
  std::optional<bool> arcs_wind_round(const Path& ring, Vec3 p) const;
  bool ring_contains_geodesic(const Path& ring, const Vertex& p) const;
  void build_tree();
  uint32_t build_node(uint32_t first, uint32_t count);
  Status validate_crossings(bool multi) const;

  std::vector<Vertex> vertices_;
  std::vector<Edge> edges_;
  std::vector<Path> paths_;
  std::vector<Area> areas_;
  Cap cap_;
  std::vector<PieceNode> nodes_;  // empty when the pieces fit in one leaf
  std::vector<uint32_t> order_;   // piece numbers in tree order; empty with nodes_
};

/// Geodesic distance in metres between two shapes: 0 when they touch or one
/// contains the other. When the distance exceeds `cutoff_m` the result is only
/// guaranteed to exceed `cutoff_m` too (the search stops early). The work is
/// charged to `work`; once it is exhausted the result means nothing.
double distance_m(const Shape& a, const Shape& b, double cutoff_m, Work& work);
double distance_m(const Shape& a, const Shape& b, double cutoff_m);
/// The same distance by measuring every vertex against every piece, with no
/// pruning: the reference the tests hold distance_m to.
double distance_by_every_pair_m(const Shape& a, const Shape& b);

/// Calls f(i, j) for every pair of pieces, i of `a` and j of `b`, whose caps
/// may meet (a superset of the pairs that touch), until f returns true; true
/// when it did. Both piece trees are walked together, so the pairs visited
/// follow where the shapes come near, not the product of their sizes.
/// Charges `work` a unit a pair of nodes and a pair of pieces, and stops
/// (false) once it is exhausted.
bool any_meeting_pair(const Shape& a, const Shape& b, Work& work, const std::function<bool(uint32_t, uint32_t)>& f);
/// The same within one shape: each pair of distinct pieces once, as i < j.
bool any_meeting_pair(const Shape& s, Work& work, const std::function<bool(uint32_t, uint32_t)>& f);
/// The pair of nodes to open next in a walk of two trees: split the wider
/// node, unless it is a leaf.
bool split_first(const PieceNode& na, const PieceNode& nb);

/// True when two edge pieces cross or touch at a point interior to both.
bool edges_cross(const Shape& sa, const Edge& ea, const Shape& sb, const Edge& eb);

/// A cap around the geodesic piece between two points.
Cap piece_cap(Vec3 a, Vec3 b);
/// The unit normal of the great circle through two directions (zero when they nearly coincide).
Vec3 plane_normal(Vec3 a, Vec3 b);

}  // namespace deconflict::geo
