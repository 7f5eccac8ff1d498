// Short distances from the chord (src/geo/separation.*; docs/geometry.md,
// "Short distances from the chord"): the proved bracket against GeographicLib's
// exact inverse solution, everywhere and at both extremes of curvature.
#include "geo/separation.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "geo/shape.hpp"
#include "geo_reference.hpp"

namespace deconflict::testing {
namespace {

// GeographicLib's inverse solution is accurate to 15 nm; the chord's
// rounding is nanometres. A bound tightened to the local curvature breaks
// by tens of micrometres (below), far beyond this.
constexpr double kSlackM = 1e-6;

double chord_m(LatLon a, LatLon b) { return geo::norm(geo::ecef_of(a) - geo::ecef_of(b)); }

void expect_bracketed(LatLon a, LatLon b, const std::string& what) {
  const double exact = ref_distance(a, b);
  const geo::Bracket bracket = geo::bracket_of_chord(chord_m(a, b));
  EXPECT_GE(exact, bracket.lo_m - kSlackM) << what << ": " << a.lat_deg << "," << a.lon_deg << " to " << b.lat_deg
                                           << "," << b.lon_deg << " (" << exact << " m)";
  EXPECT_LE(exact, bracket.hi_m + kSlackM) << what << ": " << a.lat_deg << "," << a.lon_deg << " to " << b.lat_deg
                                           << "," << b.lon_deg << " (" << exact << " m)";
}

TEST(Separation, TheBracketHoldsTheTrueDistanceEverywhere) {
  Places places(21);
  for (int i = 0; i < 20'000; ++i) {
    const LatLon a = places.any();  // anywhere, across the antimeridian, both polar caps
    const LatLon b = ref_direct(a, places.uniform(0, 360), std::pow(10.0, places.uniform(0, 5.25)));  // 1 m to 178 km
    expect_bracketed(a, b, "random pair " + std::to_string(i));
    if (HasFailure()) return;
  }
}

// Along a meridian at the equator every geodesic bends at the greatest
// curvature, a/b²: the true distance is within a fraction of a millimetre of the upper
// bound, so a smaller curvature there would leave it outside. Around a pole
// every direction bends at the least, b/a²: without its cos(k₂s/2) margin
// the lower bound would exceed the true distance by 63 µm at 150 km.
TEST(Separation, TheBracketHoldsAtBothExtremesOfCurvature) {
  for (double s : {10'000.0, 50'000.0, 100'000.0, 150'000.0, 175'000.0}) {
    for (double lon : {0.0, 90.0, 179.9, -120.0}) {
      const LatLon south{-s / 2 / 110'574.0, lon};
      const LatLon north = ref_direct(south, 0, s);
      expect_bracketed(south, north, "the equator's meridian");
      const double exact = ref_distance(south, north);
      EXPECT_LT(geo::bracket_of_chord(chord_m(south, north)).hi_m - exact, 3e-4) << "the upper bound is tight";
    }
    for (double az : {0.0, 45.0, 90.0, 200.0}) {
      const LatLon pole{90, 0};
      const LatLon a = ref_direct(pole, az, s / 2), b = ref_direct(pole, az + 180, s / 2);
      expect_bracketed(a, b, "through the pole");
      const LatLon c = ref_direct({-90, 0}, az, s);
      expect_bracketed({-90, 0}, c, "from the south pole");
    }
  }
}

// The longest distance the fast path takes, across the antimeridian at
// every latitude band and over the poles: the pair's chord is kShortChordM.
TEST(Separation, TheLongestChordItTakesAcrossTheAntimeridianAndThePoles) {
  for (double lat : {-89.0, -60.0, -20.0, 0.0, 35.0, 75.0, 89.5}) {
    for (double az : {0.0, 60.0, 90.0, 135.0}) {
      const LatLon a{lat, 179.9};
      // Lengthen the geodesic until its chord is the longest the fast path takes.
      double s = geo::kShortChordM;
      for (int i = 0; i < 4; ++i) s += geo::kShortChordM - chord_m(a, ref_direct(a, az, s));
      const LatLon b = ref_direct(a, az, s);
      ASSERT_NEAR(chord_m(a, b), geo::kShortChordM, 1e-6);
      expect_bracketed(a, b, "the longest chord");
      EXPECT_NEAR(geo::separation_m(a, b), ref_distance(a, b), geo::kShortErrorM);
    }
  }
}

TEST(Separation, TheBracketIsNarrowWithinItsRange) {
  EXPECT_LE(geo::bracket_of_chord(geo::kShortChordM).half_width_m(), geo::kShortErrorM);
  // The widths docs/geometry.md gives.
  EXPECT_NEAR(geo::bracket_of_chord(100'000).hi_m - geo::bracket_of_chord(100'000).lo_m, 0.021, 0.0005);
  EXPECT_NEAR(geo::bracket_of_chord(150'000).hi_m - geo::bracket_of_chord(150'000).lo_m, 0.070, 0.0005);
  EXPECT_NEAR(geo::bracket_of_chord(200'000).hi_m - geo::bracket_of_chord(200'000).lo_m, 0.17, 0.005);
  EXPECT_NEAR(geo::bracket_of_chord(300'000).hi_m - geo::bracket_of_chord(300'000).lo_m, 0.575, 0.005);
}

TEST(Separation, IsWithinItsErrorOfTheExactDistanceAndExactBeyondItsRange) {
  Places places(22);
  for (int i = 0; i < 5'000; ++i) {
    const LatLon a = places.any();
    const LatLon b = ref_direct(a, places.uniform(0, 360), std::pow(10.0, places.uniform(0, 6)));  // to 1,000 km
    const double exact = ref_distance(a, b);
    const double got = geo::separation_m(a, b);
    if (chord_m(a, b) <= geo::kShortChordM) {
      ASSERT_NEAR(got, exact, geo::kShortErrorM) << i;
    } else {
      ASSERT_NEAR(got, exact, 1e-6) << i;
    }
  }
}

// A point near a piece: the least chord, found by gradient steps along the
// piece, bracketed; against a reference that scans the piece with
// GeographicLib's inverse solution.
TEST(Separation, APointAndAPieceFromTheChordMatchTheReference) {
  Places places(23);
  int near = 0;
  for (int i = 0; i < 600; ++i) {
    const LatLon a = places.any();
    const double length = std::pow(10.0, places.uniform(2, 6));  // 100 m to 1,000 km
    const LatLon b = ref_direct(a, places.uniform(0, 360), length);
    const LatLon from = ref_direct(a, places.uniform(0, 360), places.uniform(0, length));
    const LatLon p = ref_direct(from, places.uniform(0, 360), places.uniform(0, 150'000));
    auto point = geo::Shape::build(point_of(p));
    auto line = geo::Shape::build(line_of({a, b}));
    ASSERT_TRUE(point.ok() && line.ok());
    const double want = ref_point_segment(p, a, b);
    near += want < geo::kShortChordM;
    ASSERT_NEAR(geo::distance_m(*point, *line, 1e9), want, geo::kShortErrorM + 1e-3)
        << "piece " << i << " (" << a.lat_deg << "," << a.lon_deg << ")-(" << b.lat_deg << "," << b.lon_deg
        << ") point (" << p.lat_deg << "," << p.lon_deg << ")";
  }
  EXPECT_GT(near, 500);  // most of them take the chord's path
}

}  // namespace
}  // namespace deconflict::testing
