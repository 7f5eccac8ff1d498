// The true outline of a volume, drawn in longitude/latitude (see outline.hpp).
#include "gis/outline.hpp"

#include <GeographicLib/GeodesicLine.hpp>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "geo/earth.hpp"

namespace deconflict::gis {
namespace {

// A point of the plane the outline is drawn in: x the longitude (unwrapped:
// it may leave [-180, 180] so that a ring stays continuous), y the latitude.
struct Xy {
  double x = 0, y = 0;
};
using Path = std::vector<Xy>;

// The highest latitude an outline may reach: beyond it the plate carrée
// drawing of a small shape is no longer a usable picture of it.
constexpr double kMaxLatDeg = 89.5;
// The longest straight step along a geodesic, which keeps its bow in plate
// carrée (about L² tan φ / 8R) under a decimetre at mid latitudes.
constexpr double kMaxStepM = 2000.0;
constexpr double kMinStepM = 20.0;

double unwrap(double lon, double near) { return near + std::remainder(lon - near, 360.0); }

// The step along a geodesic near latitude `lat_deg`: shorter towards the
// poles, where plate carrée stretches longitude by 1/cos φ.
double step_m(double lat_deg) {
  const double t = std::tan(std::min(std::fabs(lat_deg), 89.0) * std::numbers::pi / 180.0);
  return std::clamp(kMaxStepM / std::max(1.0, t), kMinStepM, kMaxStepM);
}

// Builds paths point by point, each longitude unwrapped against the previous
// point, and remembers whether the outline stays drawable.
class Drawer {
 public:
  explicit Drawer(double tolerance_m) : tolerance_m_(tolerance_m) {}

  bool drawable() const { return drawable_; }

  void add(Path& path, double lat, double lon, double near_x) {
    if (std::fabs(lat) > kMaxLatDeg) drawable_ = false;
    path.push_back({unwrap(lon, path.empty() ? near_x : path.back().x), lat});
  }

  // A closed ring must come back to its start: one that gained 360° of
  // longitude on the way round goes round a pole.
  void close(Path& ring) {
    if (ring.empty()) return;
    const Xy first = ring.front(), last = ring.back();
    if (std::fabs(last.x - first.x) > 180.0) drawable_ = false;
    // A densified ring ends on its first vertex, up to rounding.
    if (ring.size() > 1 && std::fabs(last.x - first.x) < 1e-9 && std::fabs(last.y - first.y) < 1e-9) {
      ring.back() = first;
    } else {
      ring.push_back(first);
    }
  }

  // How many chords a whole geodesic circle of radius r round c takes:
  // enough that each one's sagitta is under half the tolerance, and short
  // enough for plate carrée.
  double chords_per_turn(LatLon c, double r) const {
    const double sagitta = 2.0 * std::acos(1.0 - std::min(1.0, 0.5 * tolerance_m_ / r));
    const double by_length = 2.0 * std::numbers::pi * r / step_m(c.lat_deg + r / 111'000.0);
    return std::clamp(std::ceil(std::max(2.0 * std::numbers::pi / sagitta, by_length)), 16.0, 200'000.0);
  }

  // The geodesic circle of radius r round c (at unwrapped longitude cx).
  Path circle(LatLon c, double cx, double r) {
    const int n = static_cast<int>(chords_per_turn(c, r));
    Path ring;
    ring.reserve(static_cast<size_t>(n) + 1);
    for (int k = 0; k < n; ++k) {
      double lat = 0, lon = 0;
      geo::wgs84().Direct(c.lat_deg, c.lon_deg, 360.0 * k / n, r, lat, lon);
      add(ring, lat, lon, cx);
    }
    close(ring);
    return ring;
  }

  // The sector of the circle of radius r round c from azimuth `from` through
  // `sweep` degrees: what a join needs where the bands of two edges leave a gap.
  Path wedge(LatLon c, double cx, double from, double sweep, double r) {
    const int n = std::max(1, static_cast<int>(std::ceil(chords_per_turn(c, r) * std::fabs(sweep) / 360.0)));
    Path ring;
    add(ring, c.lat_deg, c.lon_deg, cx);
    for (int k = 0; k <= n; ++k) {
      double lat = 0, lon = 0;
      geo::wgs84().Direct(c.lat_deg, c.lon_deg, from + sweep * k / n, r, lat, lon);
      add(ring, lat, lon, cx);
    }
    close(ring);
    return ring;
  }

  // Samples of the geodesic a→b (a at unwrapped longitude ax), each with its
  // azimuth, at steps short enough for plate carrée.
  template <class F>
  void along(LatLon a, LatLon b, double reach_m, F&& f) const {
    const GeographicLib::GeodesicLine line = geo::wgs84().InverseLine(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg);
    const double length = line.Distance();
    const double lat = std::max(std::fabs(a.lat_deg), std::fabs(b.lat_deg)) + reach_m / 111'000.0;
    const int n = std::max(1, static_cast<int>(std::ceil(length / step_m(lat))));
    for (int k = 0; k <= n; ++k) {
      double plat = 0, plon = 0, azi = 0;
      line.Position(length * k / n, plat, plon, azi);
      f(plat, plon, azi);
    }
  }

  // The path through a ring or line's positions with every edge densified.
  Path densified(const std::vector<LatLon>& positions, double near_x) {
    Path path;
    for (size_t i = 0; i + 1 < positions.size(); ++i) {
      along(positions[i], positions[i + 1], 0, [&](double lat, double lon, double) {
        if (path.empty() || lat != path.back().y || unwrap(lon, path.back().x) != path.back().x) {
          add(path, lat, lon, near_x);
        }
      });
    }
    if (positions.size() == 1) add(path, positions[0].lat_deg, positions[0].lon_deg, near_x);
    return path;
  }

  // The band of half-width d along the edge a→b: the points reached by
  // geodesics of length d perpendicular to it, left side then right side back.
  Path band(LatLon a, LatLon b, double ax, double d) {
    Path left, right;
    along(a, b, d, [&](double lat, double lon, double azi) {
      const double x = unwrap(lon, left.empty() ? ax : left.back().x);
      double llat = 0, llon = 0, rlat = 0, rlon = 0;
      geo::wgs84().Direct(lat, lon, azi - 90.0, d, llat, llon);
      geo::wgs84().Direct(lat, lon, azi + 90.0, d, rlat, rlon);
      add(left, llat, llon, x);
      add(right, rlat, rlon, x);
    });
    // Each end of the band runs through its vertex exactly, as the sectors
    // at the joins do: a straight chord between the two sides would pass a
    // few centimetres off it, and leave slivers in the union.
    Path ring = std::move(left);
    ring.push_back({unwrap(b.lon_deg, ring.back().x), b.lat_deg});
    for (auto it = right.rbegin(); it != right.rend(); ++it) ring.push_back({unwrap(it->x, ring.back().x), it->y});
    ring.push_back({unwrap(a.lon_deg, ring.back().x), a.lat_deg});
    close(ring);
    return ring;
  }

 private:
  double tolerance_m_;
  bool drawable_ = true;
};

std::unique_ptr<OGRLinearRing> to_ring(const Path& path) {
  auto ring = std::make_unique<OGRLinearRing>();
  ring->setNumPoints(static_cast<int>(path.size()), FALSE);
  for (size_t i = 0; i < path.size(); ++i) ring->setPoint(static_cast<int>(i), path[i].x, path[i].y);
  return ring;
}

std::unique_ptr<OGRLineString> to_line(const Path& path) {
  auto line = std::make_unique<OGRLineString>();
  line->setNumPoints(static_cast<int>(path.size()), FALSE);
  for (size_t i = 0; i < path.size(); ++i) line->setPoint(static_cast<int>(i), path[i].x, path[i].y);
  return line;
}

std::unique_ptr<OGRPolygon> polygon_of(Path outer, std::vector<Path> holes = {}) {
  auto polygon = std::make_unique<OGRPolygon>();
  polygon->addRingDirectly(to_ring(outer).release());
  for (const Path& h : holes) polygon->addRingDirectly(to_ring(h).release());
  return polygon;
}

// Shifts every x by `dx` degrees.
void shift_x(OGRGeometry& g, double dx) {
  if (auto* curve = dynamic_cast<OGRSimpleCurve*>(&g)) {
    for (int i = 0; i < curve->getNumPoints(); ++i) curve->setPoint(i, curve->getX(i) + dx, curve->getY(i));
  } else if (auto* polygon = dynamic_cast<OGRPolygon*>(&g)) {
    for (OGRLinearRing* ring : *polygon) shift_x(*ring, dx);
  } else if (auto* parts = dynamic_cast<OGRGeometryCollection*>(&g)) {
    for (OGRGeometry* part : *parts) shift_x(*part, dx);
  } else if (auto* point = dynamic_cast<OGRPoint*>(&g)) {
    point->setX(point->getX() + dx);
  }
}

void add_parts(OGRGeometry& from, OGRGeometryCollection& to, bool polygons) {
  const OGRwkbGeometryType t = wkbFlatten(from.getGeometryType());
  if (t == wkbPolygon || t == wkbLineString) {
    if ((t == wkbPolygon) == polygons && !from.IsEmpty()) to.addGeometry(&from);
    return;
  }
  if (auto* c = dynamic_cast<OGRGeometryCollection*>(&from)) {
    for (OGRGeometry* part : *c) add_parts(*part, to, polygons);
  }
}

// The outline cut at the antimeridian: the parts that fell outside
// [-180, 180] are moved back by whole turns.
OgrGeometry cut_at_antimeridian(OgrGeometry g, bool polygons) {
  OGREnvelope env;
  g->getEnvelope(&env);
  if (env.MinX >= -180.0 && env.MaxX <= 180.0) return g;
  OgrGeometry out = polygons ? OgrGeometry(new OGRMultiPolygon) : OgrGeometry(new OGRMultiLineString);
  auto& parts = *out->toGeometryCollection();
  for (int turn = -2; turn <= 2; ++turn) {
    const double west = -180.0 + 360.0 * turn;
    OGRPolygon box;
    box.addRingDirectly(to_ring({{west, -90}, {west + 360, -90}, {west + 360, 90}, {west, 90}, {west, -90}}).release());
    OgrGeometry piece(g->Intersection(&box));
    if (!piece || piece->IsEmpty()) continue;
    shift_x(*piece, -360.0 * turn);
    add_parts(*piece, parts, polygons);
  }
  return out;
}

Result<OgrGeometry> finish(OgrGeometry g, const Drawer& drawer, bool polygons) {
  if (!drawer.drawable()) {
    return make_error(ErrorCode::invalid_input,
                      "its outline reaches a pole, which longitude/latitude cannot draw; export it as declared");
  }
  if (!g) return make_error(ErrorCode::invalid_input, "its outline could not be drawn (GEOS's union failed)");
  return cut_at_antimeridian(std::move(g), polygons);
}

// Every ring or line of the geometry, each vertex with its unwrapped longitude.
struct Traced {
  std::vector<std::vector<LatLon>> paths;
  std::vector<double> first_x;
};

Traced trace(const Geometry& g) {
  Traced t;
  double near_x = g.parts.front().front().front().lon_deg;
  for (const auto& part : g.parts) {
    for (const auto& ring : part) {
      t.paths.push_back(ring);
      near_x = unwrap(ring.front().lon_deg, near_x);
      t.first_x.push_back(near_x);
    }
  }
  return t;
}

// The polygons of the geometry itself, densified.
void add_polygons(const Geometry& g, Drawer& d, OGRGeometryCollection& into, double near_x) {
  for (const auto& part : g.parts) {
    Path outer = d.densified(part.front(), near_x);
    d.close(outer);
    std::vector<Path> holes;
    for (size_t h = 1; h < part.size(); ++h) {
      holes.push_back(d.densified(part[h], outer.front().x));
      d.close(holes.back());
    }
    into.addGeometryDirectly(polygon_of(std::move(outer), std::move(holes)).release());
  }
}

// The positions of a path without repeats; a ring without its closing one.
std::vector<LatLon> distinct(const std::vector<LatLon>& path, bool& closed) {
  std::vector<LatLon> out;
  for (const LatLon& p : path) {
    if (out.empty() || !(out.back() == p)) out.push_back(p);
  }
  closed = out.size() > 2 && out.front() == out.back();
  if (closed) out.pop_back();
  return out;
}

// The pieces within d of one path: a band along each edge, and at each join
// the sectors the two bands leave open. A band covers what lies beside its
// edge; at a vertex where the path turns by δ, the points whose nearest
// point is the vertex itself lie in a sector of δ between the two edges'
// normals, on the outer side (both sides are added: the inner one is inside
// the bands anyway). The ends of a line get whole circles.
void add_path_pieces(const std::vector<LatLon>& path, double first_x, double d, Drawer& drawer, OGRMultiPolygon& into) {
  bool closed = false;
  const std::vector<LatLon> v = distinct(path, closed);
  const size_t m = v.size();
  std::vector<double> x(m);
  for (size_t i = 0; i < m; ++i) x[i] = i == 0 ? unwrap(v[0].lon_deg, first_x) : unwrap(v[i].lon_deg, x[i - 1]);
  if (m == 1) {
    into.addGeometryDirectly(polygon_of(drawer.circle(v[0], x[0], d)).release());
    return;
  }
  const size_t edges = closed ? m : m - 1;
  std::vector<double> leaves(edges), arrives(edges);  // each edge's azimuth at its start and at its end
  for (size_t k = 0; k < edges; ++k) {
    const LatLon a = v[k], b = v[(k + 1) % m];
    double s12 = 0, azi1 = 0, azi2 = 0;
    geo::wgs84().Inverse(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg, s12, azi1, azi2);
    leaves[k] = azi1;
    arrives[k] = azi2;
    into.addGeometryDirectly(polygon_of(drawer.band(a, b, x[k], d)).release());
  }
  for (size_t i = 0; i < m; ++i) {
    if (!closed && (i == 0 || i == m - 1)) {
      into.addGeometryDirectly(polygon_of(drawer.circle(v[i], x[i], d)).release());
      continue;
    }
    const double in = arrives[(i + edges - 1) % edges], turn = std::remainder(leaves[i] - in, 360.0);
    // However gentle the turn, the gap it leaves runs down to the vertex.
    if (turn == 0) continue;
    // Each sector reaches a degree into the bands beside it, so that no edge
    // of it lies along a band's edge (GEOS's union is then free of slivers).
    const double grow = std::copysign(1.0, turn);
    for (double side : {-90.0, 90.0}) {
      into.addGeometryDirectly(polygon_of(drawer.wedge(v[i], x[i], in + side - grow, turn + 2 * grow, d)).release());
    }
  }
}

// A corridor or a margin: the union of the pieces within d of the geometry.
Result<OgrGeometry> buffered(const Geometry& g, double d, Drawer& drawer) {
  OGRMultiPolygon pieces;
  const Traced t = trace(g);
  if (g.type != GeometryType::line_string) add_polygons(g, drawer, pieces, t.first_x.front());
  for (size_t p = 0; p < t.paths.size(); ++p) add_path_pieces(t.paths[p], t.first_x[p], d, drawer, pieces);
  return finish(OgrGeometry(pieces.UnionCascaded()), drawer, true);
}

}  // namespace

Result<OgrGeometry> outline(const Geometry& g, Metres radius, const OutlineOptions& options) {
  if (!(options.tolerance_m > 0)) return make_error(ErrorCode::usage, "the tolerance must be > 0", "tolerance_m");
  if (g.parts.empty() || g.parts.front().empty() || g.parts.front().front().empty()) {
    return make_error(ErrorCode::invalid_input, "an empty geometry has no outline", "geometry");
  }
  Drawer drawer(options.tolerance_m);
  const double r = radius.value;
  if (g.type == GeometryType::point) {
    const LatLon c = g.parts[0][0][0];
    return finish(OgrGeometry(polygon_of(drawer.circle(c, c.lon_deg, r)).release()), drawer, true);
  }
  if (r > 0) return buffered(g, r, drawer);
  if (g.type == GeometryType::line_string) {
    Path line = drawer.densified(g.parts[0][0], g.parts[0][0][0].lon_deg);
    return finish(OgrGeometry(to_line(line).release()), drawer, false);
  }
  auto polygons = std::make_unique<OGRMultiPolygon>();
  add_polygons(g, drawer, *polygons, g.parts[0][0][0].lon_deg);
  OgrGeometry drawn = polygons->getNumGeometries() == 1 ? OgrGeometry(polygons->getGeometryRef(0)->clone())
                                                        : OgrGeometry(polygons.release());
  return finish(std::move(drawn), drawer, true);
}

OgrGeometry declared_geometry(const Geometry& g) {
  auto path_of = [](const std::vector<LatLon>& ps) {
    Path p;
    for (const LatLon& q : ps) p.push_back({q.lon_deg, q.lat_deg});
    return p;
  };
  switch (g.type) {
    case GeometryType::point:
      return std::make_unique<OGRPoint>(g.parts[0][0][0].lon_deg, g.parts[0][0][0].lat_deg);
    case GeometryType::line_string:
      return to_line(path_of(g.parts[0][0]));
    case GeometryType::polygon:
    case GeometryType::multi_polygon: {
      auto multi = std::make_unique<OGRMultiPolygon>();
      for (const auto& part : g.parts) {
        std::vector<Path> holes;
        for (size_t h = 1; h < part.size(); ++h) holes.push_back(path_of(part[h]));
        multi->addGeometryDirectly(polygon_of(path_of(part[0]), std::move(holes)).release());
      }
      if (g.type == GeometryType::polygon) return OgrGeometry(multi->getGeometryRef(0)->clone());
      return multi;
    }
  }
  return nullptr;
}

}  // namespace deconflict::gis
