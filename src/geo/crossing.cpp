// Where two geodesic pieces cross, after Karney, "Algorithms for geodesics"
// (J. Geodesy 2013) §8: in the ellipsoidal gnomonic projection centred on a
// point, geodesics through that point are straight lines and others nearly
// so. Intersecting the straight lines through the projected end points and
// re-centring the projection on the result converges in a few steps to the
// true intersection; there both geodesics pass through the centre, so the
// projection of each piece is exactly straight, and the intersection lies on a
// piece exactly when the centre lies between its projected end points.
#include <GeographicLib/Gnomonic.hpp>
#include <cmath>

#include "geo/shape.hpp"

namespace deconflict::geo {
namespace {

struct Xy {
  double x = 0, y = 0;
};

bool project(const GeographicLib::Gnomonic& g, LatLon c, LatLon p, Xy& out) {
  g.Forward(c.lat_deg, c.lon_deg, p.lat_deg, p.lon_deg, out.x, out.y);
  return std::isfinite(out.x) && std::isfinite(out.y);
}

double cross2(Xy a, Xy b) { return a.x * b.y - a.y * b.x; }

// The spherical estimate of the crossing: the intersection of the two pieces'
// great circles closest to `near`, or false when they are (nearly) the same.
bool spherical_estimate(const Edge& ea, const Edge& eb, Vec3 near, Vec3& out) {
  const Vec3 p = cross(ea.normal, eb.normal);
  const double n = norm(p);
  if (n < 1e-18) return false;
  out = (1.0 / n) * p;
  if (dot(out, near) < 0) out = -1.0 * out;
  return true;
}

// Which side of a piece's plane p lies on, beyond `threshold` (the sine of an
// angle): +1 or -1, or 0 within it. The piece's normal is zero when its ends
// nearly coincide: then p is never beyond, and the shortcuts below give way
// to the iteration.
int side_of(Vec3 p, const Edge& e, double threshold) {
  const double d = dot(p, e.normal);
  return d > threshold ? 1 : d < -threshold ? -1 : 0;
}

// Certainly no crossing: the ends of one piece lie on one side of the other's
// great circle by more than both geodesics can stray from their great circles
// (a minor arc of a great circle is no nearer a plane than its nearer end, and
// a piece of at most 1,000 km strays by less than 1e-4 of its angle, see
// Caps.GeodesicsStayNearTheirGreatCircles; 1% of both angles is allowed here,
// each cap's radius exceeding half its piece's angle).
bool clearly_apart(const Shape& sa, const Edge& ea, const Shape& sb, const Edge& eb) {
  const double s = std::sin(0.02 * (ea.cap.radius_rad + eb.cap.radius_rad) + 1e-9);
  const auto one_side = [s](Vec3 p, Vec3 q, const Edge& e) {
    const int side = side_of(p, e, s);
    return side != 0 && side == side_of(q, e, s);
  };
  return one_side(sb.head(eb).dir, sb.tail(eb).dir, ea) || one_side(sa.head(ea).dir, sa.tail(ea).dir, eb);
}

// Certainly a crossing: the ends of each piece lie on opposite sides of the
// other's plane, beyond the margin by which the other strays from it. Each
// piece then runs across the small quadrilateral where the two bands of
// width 2 x margin meet (the one near the pieces; its antipode is far from
// both caps), one between one pair of its opposite sides, the other between
// the other pair, and two such curves must meet. |p.n| is the sine of p's
// angle to the plane, less than the angle, so the tests are conservative.
bool clearly_cross(const Shape& sa, const Edge& ea, const Shape& sb, const Edge& eb) {
  const auto straddles = [](Vec3 p, Vec3 q, const Edge& e) {
    const int side = side_of(p, e, e.plane_margin_rad());
    return side != 0 && side == -side_of(q, e, e.plane_margin_rad());
  };
  return straddles(sa.head(ea).dir, sa.tail(ea).dir, eb) && straddles(sb.head(eb).dir, sb.tail(eb).dir, ea);
}

}  // namespace

bool edges_cross(const Shape& sa, const Edge& ea, const Shape& sb, const Edge& eb) {
  if (ea.cap.lower_bound_m(eb.cap) > 0) return false;
  if (clearly_apart(sa, ea, sb, eb)) return false;
  if (clearly_cross(sa, ea, sb, eb)) return true;
  const Vertex& a1 = sa.head(ea);
  const Vertex& a2 = sa.tail(ea);
  const Vertex& b1 = sb.head(eb);
  const Vertex& b2 = sb.tail(eb);
  // Start from where the great circles meet when that is near both pieces.
  // At shallow angles the geodesics may meet far from there, so otherwise
  // start between the pieces and let the projection find the crossing.
  Vec3 estimate;
  const double margin = 1e-3;
  if (!spherical_estimate(ea, eb, ea.cap.center, estimate) ||
      angle_between(estimate, ea.cap.center) > ea.cap.radius_rad + margin ||
      angle_between(estimate, eb.cap.center) > eb.cap.radius_rad + margin) {
    estimate = normalized(ea.cap.center + eb.cap.center);
  }

  static thread_local const GeographicLib::Gnomonic gnomonic(wgs84());
  LatLon centre = position_of(estimate);
  double t = 0, u = 0;
  for (int iteration = 0; iteration < 12; ++iteration) {
    Xy p1, p2, q1, q2;
    if (!project(gnomonic, centre, a1.pos, p1) || !project(gnomonic, centre, a2.pos, p2) ||
        !project(gnomonic, centre, b1.pos, q1) || !project(gnomonic, centre, b2.pos, q2)) {
      return false;
    }
    const Xy da{p2.x - p1.x, p2.y - p1.y};
    const Xy db{q2.x - q1.x, q2.y - q1.y};
    const double denom = cross2(da, db);
    if (denom == 0) return false;  // parallel: touching is found by the end point distances
    const Xy w{q1.x - p1.x, q1.y - p1.y};
    t = cross2(w, db) / denom;
    u = cross2(w, da) / denom;
    const Xy hit{p1.x + t * da.x, p1.y + t * da.y};
    if (std::hypot(hit.x, hit.y) < 1e-4) break;  // the centre is the crossing, to 0.1 mm
    // Far outside both pieces: no crossing, and the projection would degrade.
    if (t < -1 || t > 2 || u < -1 || u > 2) return false;
    double lat = 0, lon = 0;
    gnomonic.Reverse(centre.lat_deg, centre.lon_deg, hit.x, hit.y, lat, lon);
    if (!std::isfinite(lat) || !std::isfinite(lon)) return false;
    centre = {lat, lon};
  }
  return t >= 0 && t <= 1 && u >= 0 && u <= 1;
}

}  // namespace deconflict::geo
