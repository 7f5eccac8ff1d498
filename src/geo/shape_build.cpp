// Building and validating a Shape from a Geometry.
#include <GeographicLib/GeodesicLine.hpp>
#include <algorithm>
#include <cmath>
#include <optional>
#include <span>
#include <string>

#include "geo/shape.hpp"

namespace deconflict::geo {

namespace {
// The cap of a piece whose ends' directions a and b are `angle` apart.
Cap cap_between(Vec3 a, Vec3 b, double angle) {
  // The geodesic leaves the plane of the great circle through a and b by far
  // less than 1% of its length; the margin keeps the cap conservative.
  return {normalized(a + b), angle / 2 * 1.01 + 1e-7};
}
}  // namespace

Cap piece_cap(Vec3 a, Vec3 b) { return cap_between(a, b, angle_between(a, b)); }

Vec3 plane_normal(Vec3 a, Vec3 b) {
  const Vec3 n = cross(a, b);
  const double length = norm(n);
  return length < 1e-12 ? Vec3{} : (1.0 / length) * n;
}

// Builds a Shape's vertices, pieces, paths and caps. In caps-only mode it
// solves no geodesic: each edge is one piece whose cap comes from its ends'
// directions, which gives the caps of an exact build as long as no edge is
// long enough to be split (needs_exact() says when one is). In structure
// mode it only checks each path's positions and builds nothing.
class ShapeBuilder {
 public:
  ShapeBuilder(Shape& s, Shape::Mode mode) : s_(s), mode_(mode) {}
  bool needs_exact() const { return needs_exact_; }

  // Adds a line or a ring; `where` names it in errors ("[0]" or "[1][2]").
  Status add_path(const std::vector<LatLon>& positions, bool closed, const std::string& where) {
    thread_local std::vector<LatLon> pts;  // scratch, kept between calls: no allocation per path
    thread_local std::vector<uint32_t> source;
    pts.clear();
    source.clear();
    for (uint32_t i = 0; i < positions.size(); ++i) {
      if (!pts.empty() && pts.back() == positions[i]) continue;  // repeated position
      pts.push_back(positions[i]);
      source.push_back(i);
    }
    if (closed) {
      if (positions.size() < 4) {
        return make_error(ErrorCode::invalid_input,
                          "a ring needs at least 4 positions, got " + std::to_string(positions.size()), where);
      }
      if (!(positions.front() == positions.back())) {
        return make_error(ErrorCode::invalid_input, "ring is not closed (the last position must equal the first)",
                          where);
      }
      pts.pop_back();
      source.pop_back();
      if (pts.size() < 3) {
        return make_error(ErrorCode::invalid_input, "ring has fewer than 3 distinct positions", where);
      }
    } else if (pts.size() < 2) {
      return make_error(ErrorCode::invalid_input, "a LineString needs at least 2 distinct positions", where);
    }
    if (mode_ == Shape::Mode::structure) return {};
    Path path;
    path.closed = closed;
    path.first_vertex = static_cast<uint32_t>(s_.vertices_.size());
    path.first_edge = static_cast<uint32_t>(s_.edges_.size());
    const size_t n = pts.size();
    const size_t edge_count = closed ? n : n - 1;
    for (size_t i = 0; i < edge_count; ++i) add_edge(pts[i], pts[(i + 1) % n], source[i]);
    if (!closed) {
      push_vertex(pts.back());
      s_.edges_.back().ends_line = true;
    }
    path.vertex_count = static_cast<uint32_t>(s_.vertices_.size()) - path.first_vertex;
    path.edge_count = static_cast<uint32_t>(s_.edges_.size()) - path.first_edge;
    // Close the ring: the last piece ends at the first vertex.
    if (closed) s_.edges_.back().b = path.first_vertex;
    path.cap = cap_of(path);
    s_.paths_.push_back(path);
    return {};
  }

  void add_point(LatLon p) {
    if (mode_ == Shape::Mode::structure) return;
    Path path;
    path.first_vertex = static_cast<uint32_t>(s_.vertices_.size());
    push_vertex(p);
    path.vertex_count = 1;
    path.first_edge = static_cast<uint32_t>(s_.edges_.size());
    path.cap = {direction_of(p), 0};
    s_.paths_.push_back(path);
  }

  void finish() {
    if (mode_ == Shape::Mode::structure) return;
    s_.cap_ = enclosing(0, static_cast<uint32_t>(s_.vertices_.size()), std::span<const Path>(s_.paths_));
  }

 private:
  void push_vertex(LatLon p) { s_.vertices_.push_back({p, direction_of(p)}); }

  // Adds the geodesic from p to q as pieces of at most kMaxPieceM, each
  // starting at a new vertex; the caller links the last piece's end.
  void add_edge(LatLon p, LatLon q, uint32_t source_index) {
    if (mode_ == Shape::Mode::caps_only) return add_edge_caps_only(p, q, source_index);
    double length = 0, azimuth = 0, azimuth_at_q = 0;
    wgs84().Inverse(p.lat_deg, p.lon_deg, q.lat_deg, q.lon_deg, length, azimuth, azimuth_at_q);
    const int pieces = std::max(1, static_cast<int>(std::ceil(length / kMaxPieceM)));
    const double step = length / pieces;
    std::optional<GeographicLib::GeodesicLine> line;  // only long edges need one
    if (pieces > 1) line.emplace(wgs84(), p.lat_deg, p.lon_deg, azimuth);
    for (int k = 0; k < pieces; ++k) {
      double lat = p.lat_deg, lon = p.lon_deg, piece_azimuth = azimuth;
      if (k > 0) {
        line->Position(k * step, lat, lon, piece_azimuth);
        s_.edges_.back().azimuth_b_deg = piece_azimuth;  // the last piece ends where this one starts
      }
      Edge e;
      e.a = static_cast<uint32_t>(s_.vertices_.size());
      e.b = e.a + 1;
      e.azimuth_deg = piece_azimuth;
      e.length_m = step;
      e.source_index = source_index;
      push_vertex(k > 0 ? LatLon{lat, lon} : p);
      s_.edges_.push_back(e);
    }
    s_.edges_.back().azimuth_b_deg = azimuth_at_q;
    const LatLon end = q;
    // Caps need both ends; the end vertex is pushed by the next edge (or by
    // the caller for a line), so compute them from directions now.
    const size_t first = s_.edges_.size() - pieces;
    for (size_t k = first; k < s_.edges_.size(); ++k) {
      const Vec3 from = s_.vertices_[s_.edges_[k].a].dir;
      const Vec3 to = k + 1 < s_.edges_.size() ? s_.vertices_[s_.edges_[k + 1].a].dir : direction_of(end);
      s_.edges_[k].cap = piece_cap(from, to);
      s_.edges_[k].normal = plane_normal(from, to);
    }
  }

  void add_edge_caps_only(LatLon p, LatLon q, uint32_t source_index) {
    // Each edge starts where the last one ended: its direction is known.
    const Vec3 from = last_end_ && last_end_->first == p ? last_end_->second : direction_of(p);
    const Vec3 to = direction_of(q);
    last_end_.emplace(q, to);
    // The geodesic is at most 1% longer than a_major times the angle between
    // its ends' directions; anything near kMaxPieceM needs the exact build.
    const double angle = angle_between(from, to);
    if (angle * kSemiMajorM * 1.01 > kMaxPieceM) needs_exact_ = true;
    Edge e;  // only its cap is read: no normal
    e.a = static_cast<uint32_t>(s_.vertices_.size());
    e.b = e.a + 1;
    e.cap = cap_between(from, to, angle);
    e.source_index = source_index;
    s_.vertices_.push_back({p, from});
    s_.edges_.push_back(e);
  }

  Cap cap_of(const Path& path) const {
    return enclosing(path.first_vertex, path.vertex_count,
                     std::span<const Edge>(s_.edges_).subspan(path.first_edge, path.edge_count));
  }

  // A cap around the mean direction of some vertices that holds the given caps.
  // `inner` are edges or paths: anything with a cap.
  template <typename WithCap>
  Cap enclosing(uint32_t first_vertex, uint32_t count, std::span<const WithCap> inner) const {
    Vec3 sum{};
    for (uint32_t i = 0; i < count; ++i) sum = sum + s_.vertices_[first_vertex + i].dir;
    Cap cap{norm(sum) > 1e-9 ? normalized(sum) : s_.vertices_[first_vertex].dir, 0};
    for (const WithCap& w : inner) {
      cap.radius_rad = std::max(cap.radius_rad, angle_between(cap.center, w.cap.center) + w.cap.radius_rad);
    }
    return cap;
  }

  Shape& s_;
  const Shape::Mode mode_;
  bool needs_exact_ = false;
  std::optional<std::pair<LatLon, Vec3>> last_end_;  // caps-only: the last edge's end and its direction
};

namespace {

std::string index_path(const std::string& base, size_t i) { return base + "[" + std::to_string(i) + "]"; }

// A ring must not turn straight back at a vertex (a spike, where adjacent
// pieces overlap); that they do not otherwise cross is validate_crossings'.
Status check_no_spike(const Shape& s, const Path& ring, const std::string& where) {
  const auto& edges = s.edges();
  const uint32_t n = ring.edge_count;
  for (uint32_t i = 0; i < n; ++i) {
    const Edge& in = edges[ring.first_edge + (i + n - 1) % n];
    const Edge& out = edges[ring.first_edge + i];
    double s12 = 0, azi1 = 0, azi2 = 0;
    const LatLon from = s.head(in).pos, at = s.head(out).pos;
    wgs84().Inverse(from.lat_deg, from.lon_deg, at.lat_deg, at.lon_deg, s12, azi1, azi2);
    const double turn = std::remainder(out.azimuth_deg - azi2, 360.0);
    if (std::fabs(std::fabs(turn) - 180.0) < 1e-9) {
      return make_error(ErrorCode::invalid_input,
                        "ring crosses itself: it turns straight back at position " + std::to_string(out.source_index),
                        where);
    }
  }
  return {};
}

// Where a piece lies: its path, and that path's area and ring within it.
struct Place {
  uint32_t path = 0, area = 0, ring = 0;
};

Place place_of(const Shape& s, uint32_t edge) {
  const auto& paths = s.paths();
  const auto path =
      std::upper_bound(paths.begin(), paths.end(), edge, [](uint32_t e, const Path& p) { return e < p.first_edge; }) -
      paths.begin() - 1;
  const auto& areas = s.areas();
  const auto area = std::upper_bound(areas.begin(), areas.end(), static_cast<uint32_t>(path),
                                     [](uint32_t q, const Area& a) { return q < a.first_path; }) -
                    areas.begin() - 1;
  const auto p = static_cast<uint32_t>(path), a = static_cast<uint32_t>(area);
  return {p, a, p - areas[a].first_path};
}

// Adjacent pieces of one path share a vertex by construction.
bool adjacent(const Path& path, uint32_t i, uint32_t j) {
  return j == i + 1 || (path.closed && i == path.first_edge && j == path.first_edge + path.edge_count - 1);
}

}  // namespace

Status Shape::validate_crossings(bool multi) const {
  std::optional<Error> found;
  Work unlimited;
  any_meeting_pair(*this, unlimited, [&](uint32_t i, uint32_t j) {
    const Place pi = place_of(*this, i), pj = place_of(*this, j);
    if (pi.area != pj.area) return false;  // the polygons of a MultiPolygon may overlap
    if (pi.path == pj.path && adjacent(paths_[pi.path], i, j)) return false;
    if (!edges_cross(*this, edges_[i], *this, edges_[j])) return false;
    const std::string part = multi ? index_path("", pi.area) : "";
    if (pi.path == pj.path) {
      const uint32_t first = std::min(edges_[i].source_index, edges_[j].source_index);
      const uint32_t second = std::max(edges_[i].source_index, edges_[j].source_index);
      found = make_error(ErrorCode::invalid_input,
                         "ring crosses itself: the edges from positions " + std::to_string(first) + " and " +
                             std::to_string(second) + " intersect",
                         index_path(part, pi.ring));
    } else {
      found = make_error(ErrorCode::invalid_input, "rings of the polygon cross each other",
                         index_path(part, std::max(pi.ring, pj.ring)));
    }
    return true;
  });
  return found ? Status(*found) : Status{};
}

Result<Shape> Shape::build(const Geometry& g) { return assemble(g, Mode::validate); }

Result<Shape> Shape::build_trusted(const Geometry& g) { return assemble(g, Mode::trust); }

Result<std::optional<Cap>> Shape::quick_cap(const Geometry& g) {
  thread_local Shape scratch;  // only its cap is wanted: its vectors are reused
  bool needs_exact = false;
  if (Status st = assemble_into(scratch, g, Mode::caps_only, &needs_exact); !st) return st.error();
  return needs_exact ? std::optional<Cap>() : std::optional<Cap>(scratch.cap());
}

Status Shape::check_structure(const Geometry& g) {
  thread_local Shape scratch;  // nothing is built in it
  return assemble_into(scratch, g, Mode::structure, nullptr);
}

Result<Shape> Shape::assemble(const Geometry& g, Mode mode) {
  Shape s;
  if (Status st = assemble_into(s, g, mode, nullptr); !st) return st.error();
  return s;
}

Status Shape::assemble_into(Shape& s, const Geometry& g, Mode mode, bool* needs_exact) {
  s.vertices_.clear();
  s.edges_.clear();
  s.paths_.clear();
  s.areas_.clear();
  size_t positions = 0;
  for (const auto& part : g.parts) {
    for (const auto& ring : part) positions += ring.size();
  }
  if (mode != Mode::structure) {
    s.vertices_.reserve(positions);
    s.edges_.reserve(positions);
  }
  ShapeBuilder b(s, mode);
  if (g.type == GeometryType::point) {
    b.add_point(g.parts.at(0).at(0).at(0));
  } else if (g.type == GeometryType::line_string) {
    if (Status st = b.add_path(g.parts.at(0).at(0), false, ""); !st) return st;
  } else {
    const bool multi = g.type == GeometryType::multi_polygon;
    if (g.parts.empty()) {
      return make_error(ErrorCode::invalid_input,
                        multi ? "a MultiPolygon needs at least one polygon" : "a polygon needs at least one ring", "");
    }
    for (size_t p = 0; p < g.parts.size(); ++p) {
      const std::string part = multi ? index_path("", p) : "";
      const auto& rings = g.parts[p];
      if (rings.empty()) return make_error(ErrorCode::invalid_input, "a polygon needs at least one ring", part);
      Area area{static_cast<uint32_t>(s.paths_.size()), static_cast<uint32_t>(rings.size())};
      for (size_t r = 0; r < rings.size(); ++r) {
        if (Status st = b.add_path(rings[r], true, index_path(part, r)); !st) return st;
      }
      if (mode == Mode::validate) {
        if (Status st = s.validate_size(area, part); !st) return st;
      }
      s.areas_.push_back(area);
    }
  }
  b.finish();
  if (needs_exact) *needs_exact = b.needs_exact();
  if (mode == Mode::caps_only || mode == Mode::structure) return {};
  s.build_tree();
  if (mode != Mode::validate || s.areas_.empty()) return {};
  const bool multi = g.type == GeometryType::multi_polygon;
  if (Status st = s.validate_crossings(multi); !st) return st;
  for (size_t a = 0; a < s.areas_.size(); ++a) {
    if (Status st = s.validate_rings(s.areas_[a], multi ? index_path("", a) : ""); !st) return st;
  }
  return {};
}

Status Shape::validate_size(const Area& area, const std::string& part) const {
  if (paths_[area.first_path].cap.radius_rad > kMaxPolygonAngleRad) {
    return make_error(ErrorCode::invalid_input,
                      "polygon is too large: it must lie within 80 degrees (about 8,900 km) of its centre",
                      index_path(part, 0));
  }
  return {};
}

// What validate_crossings leaves: spikes, and holes outside their outer ring.
Status Shape::validate_rings(const Area& area, const std::string& part) const {
  const Path& outer = paths_[area.first_path];
  for (uint32_t r = 0; r < area.path_count; ++r) {
    if (Status st = check_no_spike(*this, paths_[area.first_path + r], index_path(part, r)); !st) return st;
  }
  for (uint32_t r = 1; r < area.path_count; ++r) {
    const Path& hole = paths_[area.first_path + r];
    if (!ring_contains(outer, vertices_[hole.first_vertex])) {
      return make_error(ErrorCode::invalid_input, "hole is not inside the outer ring", index_path(part, r));
    }
  }
  return {};
}

}  // namespace deconflict::geo
