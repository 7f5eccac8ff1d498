// Short geodesic distances from the chord, with a proved bracket
// (docs/geometry.md, "Short distances from the chord").
//
//   const Bracket b = bracket_of_chord(chord_m);      // b.lo_m <= s <= b.hi_m
//   double s = b.mid_m();                             // within kShortErrorM of s up to kShortChordM
//
// A unit-speed geodesic γ of length s on the ellipsoid bends only along the
// surface normal, at the normal curvature κ of its direction, which lies
// between the least and the greatest principal curvature of the ellipsoid
// (b/a², a/b²). With T = γ' and T̄ its mean, the chord c = |γ(s) − γ(0)| obeys
// s² − c² = s ∫|T − T̄|², and bounding that integral above by the tangent's
// turn and below by its turn towards the midpoint's normal gives
//   ρ² s⁴/12 ≤ s² − c² ≤ (a/b²)² s⁴/12,   ρ = (b/a²) cos((a/b²) s/2),
// which solve for s in closed form. Pure functions; thread-safe.
#pragma once

#include "deconflict/units.hpp"
#include "geo/earth.hpp"
#include "geo/shape.hpp"

namespace deconflict::geo {

/// The longest chord the bracket is used for, and the error of its midpoint
/// there (the bracket is at most twice that wide: 7.0 cm at 150 km).
constexpr double kShortChordM = 150'000.0;
/// The greatest principal curvature of the ellipsoid, a/b² (1/m): the
/// meridian's at the equator. No geodesic bends faster.
constexpr double kGreatestCurvature = kSemiMajorM / (kSemiMinorM * kSemiMinorM);
constexpr double kShortErrorM = 0.036;

/// Bounds on a geodesic distance.
struct Bracket {
  double lo_m = 0, hi_m = 0;
  double mid_m() const { return 0.5 * (lo_m + hi_m); }
  double half_width_m() const { return 0.5 * (hi_m - lo_m); }
};

/// The geodesic distance between two points whose chord is at least
/// `chord_lo_m` and at most `chord_hi_m` (both at most 2b): the shortest
/// geodesic between them is in the bracket.
Bracket bracket_of_chord(double chord_lo_m, double chord_hi_m);
inline Bracket bracket_of_chord(double chord_m) { return bracket_of_chord(chord_m, chord_m); }

/// The point on the ellipsoid's surface, in metres from its centre (ECEF).
Vec3 ecef_of(LatLon p);
/// The same from the point's geocentric direction, without trigonometry.
inline Vec3 ecef_of(Vec3 direction) { return surface_radius_m(direction.z) * direction; }

/// A point of the surface and the unit vector along the surface there
/// towards an azimuth (clockwise from north), in the same frame.
struct Heading {
  Vec3 at, along;
};
Heading heading_of(LatLon p, double azimuth_deg);

/// The geodesic distance between two points: from the chord when it is at
/// most kShortChordM (within kShortErrorM), otherwise GeographicLib's exact
/// inverse solution.
double separation_m(LatLon a, LatLon b);
/// The same between two vertices of shapes, from their directions.
double separation_m(const Vertex& a, const Vertex& b);

}  // namespace deconflict::geo
