// Geometry on WGS84 against independent references built on GeographicLib.
// Tolerances: the product promises 1 m; these tests hold it to 5 cm so that a
// regression shows long before it matters.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "geo/shape.hpp"
#include "geo_reference.hpp"

namespace deconflict::testing {
namespace {

constexpr double kTolM = 0.05;
constexpr double kInf = std::numeric_limits<double>::infinity();

geo::Shape build(const Geometry& g) {
  auto s = geo::Shape::build(g);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().describe());
  return std::move(*s);
}

double dist(const Geometry& a, const Geometry& b) { return geo::distance_m(build(a), build(b), kInf); }

TEST(Geodesic, PinnedReferenceValues) {
  // JFK to LHR, the example of GeographicLib's documentation: 5551.759 km.
  EXPECT_NEAR(geo::distance_m({40.6, -73.8}, {51.6, -0.5}), 5551759.4, 0.5);
  // Equator, one degree of longitude: a * pi / 180.
  EXPECT_NEAR(geo::distance_m({0, 0}, {0, 1}), 111319.49079, 1e-4);
  // Across the antimeridian the short way.
  EXPECT_NEAR(geo::distance_m({0, 179.5}, {0, -179.5}), 111319.49079, 1e-4);
  // Pole to pole along a meridian: twice the quarter meridian 10001965.729 m.
  EXPECT_NEAR(geo::distance_m({90, 0}, {-90, 0}), 2 * 10001965.729, 1e-3);
}

TEST(Caps, ContainEveryPointOfTheirPiece) {
  Places places(1);
  for (int i = 0; i < 500; ++i) {
    const LatLon a = places.any();
    const LatLon b = ref_direct(a, places.uniform(0, 360), places.uniform(1, 1'000'000));
    const geo::Cap cap = geo::piece_cap(geo::direction_of(a), geo::direction_of(b));
    const GeographicLib::GeodesicLine line = geod().InverseLine(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg);
    for (int k = 0; k <= 50; ++k) {
      double lat = 0, lon = 0;
      line.Position(line.Distance() * k / 50, lat, lon);
      ASSERT_LE(geo::angle_between(cap.center, geo::direction_of({lat, lon})), cap.radius_rad) << i << " " << k;
    }
  }
}

// The crossing test relies on pieces of at most 1,000 km staying within 1% of
// their angle of the great circle through their ends (measured: under 1e-4).
TEST(Caps, GeodesicsStayNearTheirGreatCircles) {
  Places places(9);
  double worst = 0;
  for (int i = 0; i < 2000; ++i) {
    const LatLon a = places.any();
    const LatLon b = ref_direct(a, places.uniform(0, 360), places.uniform(1, geo::kMaxPieceM));
    const geo::Vec3 n = geo::normalized(geo::cross(geo::direction_of(a), geo::direction_of(b)));
    const double angle = geo::angle_between(geo::direction_of(a), geo::direction_of(b));
    const GeographicLib::GeodesicLine line = geod().InverseLine(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg);
    for (int k = 1; k < 20; ++k) {
      double lat = 0, lon = 0;
      line.Position(line.Distance() * k / 20, lat, lon);
      worst = std::max(worst, std::fabs(std::asin(geo::dot(geo::direction_of({lat, lon}), n))) / angle);
    }
  }
  EXPECT_LT(worst, 1e-4);
}

TEST(Caps, LowerBoundNeverExceedsTheDistance) {
  Places places(2);
  for (int i = 0; i < 2000; ++i) {
    const LatLon a = places.any(), b = places.any();
    const double angle = geo::angle_between(geo::direction_of(a), geo::direction_of(b));
    ASSERT_LE(geo::lower_bound_m(angle), ref_distance(a, b) + 1e-6);
    const geo::Vec3 da = geo::direction_of(a), db = geo::direction_of(b);
    const double rho_a = geo::surface_radius_m(da.z), rho_b = geo::surface_radius_m(db.z);
    ASSERT_LE(geo::lower_bound_m(angle, rho_a, rho_b), ref_distance(a, b) + 1e-6) << i;
    // A cap's least surface radius is at most that of any point in it.
    ASSERT_LE(geo::least_surface_radius_m(da, places.uniform(0, 0.1)), rho_a) << i;
  }
}

// Guards the pruning bounds that take no trigonometry (earth.hpp): the angle
// from the chord never exceeds the angle between the directions, nor the
// chord bound the chord with the sine, at any angle up to antipodal, and
// each falls short by no more than its series' next term.
TEST(Caps, BoundsWithoutTrigonometryNeverExceedTheirAngleOrChord) {
  Places places(21);
  for (int i = 0; i < 20000; ++i) {
    const geo::Vec3 a = geo::direction_of(places.any());
    const geo::Vec3 b = i % 2 ? geo::direction_of(places.any())
                              : geo::direction_of(ref_direct(geo::position_of(a), places.uniform(0, 360),
                                                             std::pow(10.0, places.uniform(-3, 7.3))));
    const double exact = geo::angle_between(a, b), c = geo::norm(a - b);
    ASSERT_LE(geo::angle_at_least(a, b), exact + 1e-15) << i;
    if (c < 0.5) {
      ASSERT_GE(geo::angle_at_least(a, b), exact - 3.0 * std::pow(c, 5) / 640 * 1.1 - 1e-15) << i;
    }
    const double rho = geo::surface_radius_m(a.z), sine_chord = 2.0 * rho * std::sin(exact / 2);
    const double bound = geo::lower_bound_m(exact, rho, rho);
    ASSERT_LE(bound, std::max(geo::kSemiMinorM * exact, sine_chord) * (1 + 1e-15)) << i;
    ASSERT_GE(bound, sine_chord - rho * std::pow(exact, 5) / 1920 - 1e-6) << i;
  }
}

// Guards what makes the search between two large shapes far apart cheap
// (distance.cpp): the chord bound at 400 km falls short by tens of metres,
// where b times the angle falls short by more than a kilometre.
TEST(Caps, TheChordBoundIsTightAtHundredsOfKilometres) {
  Places places(9);
  for (int i = 0; i < 200; ++i) {
    const LatLon a{places.uniform(-60, 60), places.uniform(-180, 180)};
    const LatLon b = ref_direct(a, places.uniform(0, 360), 400'000);
    const geo::Vec3 da = geo::direction_of(a), db = geo::direction_of(b);
    const double bound =
        geo::lower_bound_m(geo::angle_between(da, db), geo::surface_radius_m(da.z), geo::surface_radius_m(db.z));
    ASSERT_GT(bound, 400'000 - 300) << i;
  }
}

// Guards the pruning of vertex-to-piece pairs (distance.cpp): the bound from
// the chord and the plane never exceeds the true distance.
TEST(Caps, QuickLowerBoundNeverExceedsTheDistanceToThePiece) {
  Places places(13);
  for (int i = 0; i < 300; ++i) {
    const LatLon a = places.any();
    const LatLon b = ref_direct(a, places.uniform(0, 360), std::pow(10.0, places.uniform(2, 5.9)));
    const LatLon p = ref_direct(a, places.uniform(0, 360), std::pow(10.0, places.uniform(1, 6.5)));
    const geo::Shape line = build(line_of({a, b}));
    const geo::Edge& e = line.edges().front();
    ASSERT_LE(e.quick_lower_bound_m(geo::direction_of(p), geo::surface_radius_m(geo::direction_of(p).z)),
              ref_point_segment(p, a, b) + 1e-6)
        << i;
  }
}

TEST(PointToLine, MatchesReferenceEverywhere) {
  Places places(3);
  for (int i = 0; i < 300; ++i) {
    const LatLon a = places.any();
    const double length = std::pow(10.0, places.uniform(3, 6.5));  // 1 km to 3,000 km
    const LatLon b = ref_direct(a, places.uniform(0, 360), length);
    LatLon p;
    if (i % 3 == 0) {
      p = places.any();
    } else {
      const LatLon on = ref_direct(a, 0, 0);
      p = ref_direct(on, places.uniform(0, 360), places.uniform(0, 2 * length));
    }
    const double got = dist(point_of(p), line_of({a, b}));
    const double want = ref_point_segment(p, a, b);
    ASSERT_NEAR(got, want, kTolM) << "segment " << i << " (" << a.lat_deg << "," << a.lon_deg << ")-(" << b.lat_deg
                                  << "," << b.lon_deg << ") point (" << p.lat_deg << "," << p.lon_deg << ")";
  }
}

// Guards the ends of a piece (distance.cpp, PieceWalk): a point whose
// nearest point of the piece is at or just short of an end is measured from
// the direction of the piece there, its azimuth at that end, without the
// geodesic line; pieces of several hundred metres to two split edges, points
// a metre to 100 km off, just before and beyond either end.
TEST(PointToLine, NearEitherEndMatchesReference) {
  Places places(31);
  for (int i = 0; i < 600; ++i) {
    const LatLon a = places.any();
    const double length = std::pow(10.0, places.uniform(i % 3 ? 5 : 2.5, 6.3));  // 300 m or 100 km to 2,000 km
    const GeographicLib::GeodesicLine line = geod().Line(a.lat_deg, a.lon_deg, places.uniform(0, 360));
    double lat = 0, lon = 0, azimuth = 0;
    line.Position(length, lat, lon);
    const LatLon b{lat, lon};
    const double end = i % 2 ? length : 0;
    line.Position(end + (i % 8 < 4 ? places.uniform(-3'000, 3'000) : places.uniform(-300, 300)), lat, lon, azimuth);
    const double side = i % 4 < 2 ? 90 : -90;
    const LatLon p = ref_direct({lat, lon}, azimuth + side, std::pow(10.0, places.uniform(0, 5.2)));
    ASSERT_NEAR(dist(point_of(p), line_of({a, b})), ref_point_segment(p, a, b), kTolM)
        << i << " (" << a.lat_deg << "," << a.lon_deg << ")-(" << b.lat_deg << "," << b.lon_deg << ") point ("
        << p.lat_deg << "," << p.lon_deg << ")";
  }
}

// The azimuth kept at each piece's tail is the geodesic's there (what
// PieceWalk takes as the piece's direction at that end), split edges included.
TEST(PointToLine, EachPieceKnowsItsAzimuthAtBothEnds) {
  Places places(37);
  for (int i = 0; i < 200; ++i) {
    const LatLon a = places.any();
    const LatLon b = ref_direct(a, places.uniform(0, 360), std::pow(10.0, places.uniform(2, 6.6)));  // to 4,000 km
    const geo::Shape line = build(line_of({a, b}));
    for (const geo::Edge& e : line.edges()) {
      const LatLon p = line.head(e).pos, q = line.tail(e).pos;
      double s12 = 0, azi1 = 0, azi2 = 0;
      geod().Inverse(p.lat_deg, p.lon_deg, q.lat_deg, q.lon_deg, s12, azi1, azi2);
      ASSERT_NEAR(std::remainder(e.azimuth_deg - azi1, 360.0), 0, 1e-7) << i;
      ASSERT_NEAR(std::remainder(e.azimuth_b_deg - azi2, 360.0), 0, 1e-7) << i;
    }
  }
}

TEST(LineToLine, CrossingLinesTouch) {
  Places places(4);
  for (int i = 0; i < 300; ++i) {
    const LatLon m = places.any();
    const double az1 = places.uniform(0, 360), az2 = az1 + places.uniform(5, 175);
    const auto through = [&](double az) {
      return line_of(
          {ref_direct(m, az, places.uniform(100, 500'000)), ref_direct(m, az + 180, places.uniform(100, 500'000))});
    };
    // The geodesic through m at az continues at the reverse azimuth of the far side;
    // rebuild each line from its two ends so that it is a true single geodesic.
    const Geometry l1 = through(az1), l2 = through(az2);
    ASSERT_EQ(dist(l1, l2), 0.0) << i;
  }
}

// Guards against missing a crossing where the great circles through the ends
// meet far from where the geodesics do: long pieces at a very shallow angle.
TEST(LineToLine, ShallowCrossingsTouch) {
  Places places(8);
  for (int i = 0; i < 200; ++i) {
    const LatLon m = places.any();
    const double az = places.uniform(0, 360), angle = std::pow(10.0, places.uniform(-3, 0));
    const auto through = [&](double a) {
      return line_of({ref_direct(m, a, places.uniform(300'000, 990'000)),
                      ref_direct(m, a + 180, places.uniform(300'000, 990'000))});
    };
    ASSERT_EQ(dist(through(az), through(az + angle)), 0.0) << i << " angle " << angle;
  }
}

// Guards the certified crossing (crossing.cpp, clearly_cross): a line that
// stops a few centimetres to metres short of another, at any angle, is apart
// by that much and not reported as crossing.
TEST(LineToLine, LinesStoppingJustShortOfACrossingAreApart) {
  Places places(10);
  for (int i = 0; i < 200; ++i) {
    const LatLon a = places.any();
    const double az = places.uniform(0, 360), length = places.uniform(1'000, 990'000);
    double lat = 0, lon = 0, az_at_m = 0;
    const GeographicLib::GeodesicLine line = geod().Line(a.lat_deg, a.lon_deg, az);
    line.Position(length * places.uniform(0.1, 0.9), lat, lon, az_at_m);
    const LatLon b = ref_direct(a, az, length);
    // c is `gap` to one side of the line's point m; d far beyond it on that side.
    const double side = places.pick(2) == 0 ? 90 : -90, gap = std::pow(10.0, places.uniform(-1, 2));
    const LatLon c = ref_direct({lat, lon}, az_at_m + side, gap);
    const LatLon d = ref_direct({lat, lon}, az_at_m + side + places.uniform(-60, 60), places.uniform(1'000, 500'000));
    const double want = ref_point_segment(c, a, b);
    ASSERT_NEAR(want, gap, kTolM) << i;
    ASSERT_NEAR(dist(line_of({a, b}), line_of({c, d})), want, kTolM) << i << " gap " << gap;
  }
}

TEST(LineToLine, SeparatedLinesMatchReference) {
  Places places(5);
  for (int i = 0; i < 200; ++i) {
    const LatLon a = places.any();
    const double az = places.uniform(0, 360), length = places.uniform(1'000, 800'000);
    double lat = 0, lon = 0, az_at_b = 0;
    geod().Direct(a.lat_deg, a.lon_deg, az, length, lat, lon, az_at_b);
    const LatLon b{lat, lon};
    // c and d lie to the left of the line a-b (relative to its direction at
    // each end), so the two lines cannot cross.
    const double gap = places.uniform(10, 50'000);
    const LatLon c = ref_direct(a, az - 90, gap), d = ref_direct(b, az_at_b - 90 + places.uniform(-20, 20), gap);
    const double want = std::min({ref_point_segment(a, c, d), ref_point_segment(b, c, d), ref_point_segment(c, a, b),
                                  ref_point_segment(d, a, b)});
    ASSERT_NEAR(dist(line_of({a, b}), line_of({c, d})), want, kTolM) << i;
  }
}

// The distance from the centre of a star-shaped ring to its boundary along
// azimuth `az`, found by bisection on the edge that the ray meets.
double boundary_along(LatLon c, const std::vector<LatLon>& ring_ccw, const std::vector<double>& azimuths, double az) {
  const size_t n = azimuths.size();
  size_t i = n - 1;
  for (size_t k = 0; k < n; ++k) {
    if (azimuths[k] <= az) i = k;
  }
  const LatLon a = ring_ccw[i], b = ring_ccw[(i + 1) % n];
  const GeographicLib::GeodesicLine line = geod().InverseLine(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg);
  const auto offset = [&](double s) {
    double lat = 0, lon = 0, s12 = 0, azi1 = 0, azi2 = 0;
    line.Position(s, lat, lon);
    geod().Inverse(c.lat_deg, c.lon_deg, lat, lon, s12, azi1, azi2);
    return std::remainder(azi1 - az, 360.0);
  };
  double lo = 0, hi = line.Distance();
  for (int k = 0; k < 80; ++k) {
    const double mid = (lo + hi) / 2;
    (offset(mid) < 0 ? lo : hi) = mid;
  }
  double lat = 0, lon = 0;
  line.Position(lo, lat, lon);
  return ref_distance(c, {lat, lon});
}

TEST(Polygon, ContainmentMatchesReferenceBothWindingsEverywhere) {
  Places places(6);
  int inside = 0, outside = 0;
  for (int i = 0; i < 120; ++i) {
    const LatLon c = i % 10 == 0 ? LatLon{i % 20 == 0 ? 90.0 : -90.0, 0.0} : places.any();
    const double r_max = std::pow(10.0, places.uniform(3.5, 6.3));  // 3 km to 2,000 km
    std::vector<double> az;
    const std::vector<LatLon> ccw = star_ring(places, c, 4 + places.pick(20), r_max * 0.4, r_max, false, &az);
    std::vector<LatLon> cw(ccw.rbegin(), ccw.rend());
    const geo::Shape s_ccw = build(polygon_of({ccw}));
    const geo::Shape s_cw = build(polygon_of({cw}));
    for (int k = 0; k < 20; ++k) {
      const double theta = places.uniform(0, 360);
      const double edge = boundary_along(c, ccw, az, theta);
      const bool in = places.pick(2) == 0;
      const double rho = in ? edge * places.uniform(0, 0.99) : edge * places.uniform(1.01, 1.5);
      const LatLon p = ref_direct(c, theta, rho);
      const geo::Vertex v{p, geo::direction_of(p)};
      ASSERT_EQ(s_ccw.contains(v), in) << "ring " << i << " point " << k;
      ASSERT_EQ(s_cw.contains(v), in) << "ring " << i << " point " << k << " (clockwise)";
      (in ? inside : outside)++;
      if (!in) {
        const double want = ref_point_path(p, ccw);
        ASSERT_NEAR(geo::distance_m(build(point_of(p)), s_cw, kInf), want, kTolM) << "ring " << i;
      } else {
        ASSERT_EQ(geo::distance_m(build(point_of(p)), s_ccw, kInf), 0.0);
      }
    }
  }
  EXPECT_GT(inside, 500);
  EXPECT_GT(outside, 500);
}

// Guards the great-circle shortcut of point in polygon (contains.cpp): points
// from 1 mm to 1 km either side of the boundary, where the shortcut must give
// way to the geodesic azimuths.
TEST(Polygon, ContainmentJustEitherSideOfTheBoundaryMatchesReference) {
  Places places(11);
  for (int i = 0; i < 60; ++i) {
    const LatLon c = i % 10 == 0 ? LatLon{i % 20 == 0 ? 90.0 : -90.0, 0.0} : places.any();
    const double r_max = std::pow(10.0, places.uniform(3.5, 6.3));
    std::vector<double> az;
    const std::vector<LatLon> ccw = star_ring(places, c, 4 + places.pick(20), r_max * 0.4, r_max, false, &az);
    const std::vector<LatLon> cw(ccw.rbegin(), ccw.rend());
    const geo::Shape s_ccw = build(polygon_of({ccw}));
    const geo::Shape s_cw = build(polygon_of({cw}));
    for (int k = 0; k < 20; ++k) {
      const double theta = places.uniform(0, 360);
      const double edge = boundary_along(c, ccw, az, theta);
      const bool in = places.pick(2) == 0;
      const double offset = std::pow(10.0, places.uniform(-3, 3));
      const LatLon p = ref_direct(c, theta, in ? edge - offset : edge + offset);
      const geo::Vertex v{p, geo::direction_of(p)};
      ASSERT_EQ(s_ccw.contains(v), in) << "ring " << i << " point " << k << " offset " << offset;
      ASSERT_EQ(s_cw.contains(v), in) << "ring " << i << " point " << k << " offset " << offset << " (clockwise)";
    }
  }
}

// Two star-shaped rings apart by 0.05 to 3 times their size, and the reference distance between them.
struct SeparatedRings {
  std::vector<LatLon> ring1, ring2;
  double want = kInf;
};

SeparatedRings separated_rings(Places& places, double log_r_lo, double spread_lo, double spread_hi, int most_vertices) {
  SeparatedRings out;
  const LatLon c1 = places.any();
  const double r = std::pow(10.0, places.uniform(log_r_lo, 5.5));
  const LatLon c2 = ref_direct(c1, places.uniform(0, 360), r * places.uniform(spread_lo, spread_hi));
  out.ring1 = star_ring(places, c1, 5 + places.pick(most_vertices - 4), r * 0.5, r, places.pick(2) == 0);
  out.ring2 = star_ring(places, c2, 5 + places.pick(most_vertices - 4), r * 0.5, r, places.pick(2) == 0);
  for (const LatLon& v : out.ring1) out.want = std::min(out.want, ref_point_path(v, out.ring2));
  for (const LatLon& v : out.ring2) out.want = std::min(out.want, ref_point_path(v, out.ring1));
  return out;
}

TEST(Polygon, SeparatedPolygonsMatchReference) {
  Places places(7);
  for (int i = 0; i < 40; ++i) {
    const SeparatedRings p = separated_rings(places, 3.5, 2.2, 3, 14);
    ASSERT_NEAR(dist(polygon_of({p.ring1}), polygon_of({p.ring2})), p.want, kTolM) << i;
  }
}

// Guards the pruning under a cutoff (distance.cpp, PieceReach and the sorted
// pairs): a distance within the cutoff is exact, one beyond it is reported
// beyond it, for cutoffs just either side of the true distance.
TEST(Polygon, CutoffsNeverHideADistanceWithinThem) {
  Places places(12);
  for (int i = 0; i < 20; ++i) {
    const SeparatedRings p = separated_rings(places, 3, 2.05, 4, 24);
    const geo::Shape s1 = build(polygon_of({p.ring1})), s2 = build(polygon_of({p.ring2}));
    for (const double margin : {0.1, 10.0, 1000.0}) {
      ASSERT_NEAR(geo::distance_m(s1, s2, p.want + margin), p.want, kTolM) << i << " cutoff +" << margin;
      ASSERT_NEAR(geo::distance_m(s2, s1, p.want + margin), p.want, kTolM) << i << " cutoff +" << margin;
      ASSERT_GT(geo::distance_m(s1, s2, p.want - margin), p.want - margin) << i << " cutoff -" << margin;
    }
  }
}

TEST(Polygon, AcrossTheAntimeridian) {
  const Geometry square = polygon_of({{{-1, 179}, {-1, -179}, {1, -179}, {1, 179}, {-1, 179}}});
  const geo::Shape s = build(square);
  EXPECT_TRUE(s.contains({{0, 180}, geo::direction_of({0, 180})}));
  EXPECT_TRUE(s.contains({{0.5, -179.5}, geo::direction_of({0.5, -179.5})}));
  EXPECT_FALSE(s.contains({{0, 0}, geo::direction_of({0, 0})}));
  EXPECT_FALSE(s.contains({{0, 178}, geo::direction_of({0, 178})}));
  // From (0, 178) to the edge at longitude 179: one degree of longitude, nearly.
  EXPECT_NEAR(dist(point_of({0, 178}), square), ref_point_segment({0, 178}, {1, 179}, {-1, 179}), kTolM);
}

TEST(Polygon, AroundThePolesEitherWinding) {
  for (double pole : {90.0, -90.0}) {
    std::vector<LatLon> ring;
    const double lat = pole > 0 ? 85 : -85;
    for (double lon : {0.0, 90.0, 180.0, -90.0, 0.0}) ring.push_back({lat, lon});
    std::vector<LatLon> reversed(ring.rbegin(), ring.rend());
    for (const auto& r : {ring, reversed}) {
      const geo::Shape s = build(polygon_of({r}));
      EXPECT_TRUE(s.contains({{pole, 0}, geo::direction_of({pole, 0})}));
      const LatLon near_pole{pole > 0 ? 89.0 : -89.0, 45};
      EXPECT_TRUE(s.contains({near_pole, geo::direction_of(near_pole)}));
      EXPECT_FALSE(s.contains({{0, 45}, geo::direction_of({0, 45})}));
      EXPECT_FALSE(s.contains({{-pole, 0}, geo::direction_of({-pole, 0})}));
      // The edges bulge towards the pole: a point at the ring's latitude midway
      // between vertices is outside.
      EXPECT_FALSE(s.contains({{lat, 45}, geo::direction_of({lat, 45})}));
    }
  }
}

TEST(Polygon, HolesAreOutside) {
  const LatLon c{10, 20};
  std::vector<LatLon> outer, hole;
  for (int k = 0; k <= 8; ++k) outer.push_back(ref_direct(c, 45.0 * (k % 8), 100'000));
  for (int k = 8; k >= 0; --k) hole.push_back(ref_direct(c, 45.0 * (k % 8), 30'000));
  const Geometry g = polygon_of({outer, hole});
  const geo::Shape s = build(g);
  EXPECT_FALSE(s.contains({c, geo::direction_of(c)}));
  const LatLon between = ref_direct(c, 10, 60'000);
  EXPECT_TRUE(s.contains({between, geo::direction_of(between)}));
  // From the centre of the hole to the hole's boundary.
  double want = kInf;
  for (size_t e = 0; e + 1 < hole.size(); ++e) want = std::min(want, ref_point_segment(c, hole[e], hole[e + 1]));
  EXPECT_NEAR(dist(point_of(c), g), want, kTolM);
}

TEST(Polygon, ContainedShapesAreAtZero) {
  const LatLon c{-45, 170};
  std::vector<LatLon> big, small;
  for (int k = 0; k <= 6; ++k) big.push_back(ref_direct(c, 60.0 * (k % 6), 200'000));
  for (int k = 0; k <= 6; ++k) small.push_back(ref_direct(c, 60.0 * (k % 6), 20'000));
  EXPECT_EQ(dist(polygon_of({small}), polygon_of({big})), 0.0);
  EXPECT_EQ(dist(polygon_of({big}), polygon_of({small})), 0.0);
  EXPECT_EQ(dist(line_of({small[0], small[3]}), polygon_of({big})), 0.0);
  EXPECT_EQ(dist(point_of(c), polygon_of({big})), 0.0);
}

// Boundaries that cross with no vertex of either inside the other: a plus sign,
// here straddling the antimeridian.
TEST(Polygon, CrossingBoundariesWithNoVertexInsideAreAtZero) {
  const Geometry across = polygon_of({{{-0.1, 179}, {-0.1, -179}, {0.1, -179}, {0.1, 179}, {-0.1, 179}}});
  const Geometry up = polygon_of({{{-1, 179.9}, {-1, -179.9}, {1, -179.9}, {1, 179.9}, {-1, 179.9}}});
  EXPECT_EQ(dist(across, up), 0.0);
  EXPECT_EQ(dist(up, across), 0.0);
  EXPECT_EQ(dist(line_of({{0, 178}, {0, -178}}), up), 0.0);
}

// Stored volumes are indexed by Shape::quick_cap and prepared later by
// build_trusted: both must agree exactly with what build gives.
TEST(QuickCap, IsTheCapThatBuildGivesWithoutSolvingGeodesics) {
  Places places(11);
  int checked = 0;
  for (int i = 0; i < 300; ++i) {
    const LatLon c = i % 25 == 0 ? LatLon{i % 50 == 0 ? 89.9 : -89.9, 0.0} : places.any();
    const double r = std::pow(10.0, places.uniform(2, 5.6));  // 100 m to 400 km
    const auto ring = star_ring(places, c, 4 + places.pick(28), r * 0.3, r, places.pick(2) == 0);
    const std::vector<LatLon> line(ring.begin(), ring.end() - 1 - places.pick(2));
    for (const Geometry& g : {point_of(c), line_of(line), polygon_of({ring})}) {
      const geo::Shape built = build(g);
      const auto quick = geo::Shape::quick_cap(g);
      ASSERT_TRUE(quick.ok() && quick->has_value()) << i;
      const geo::Cap& want = built.cap();
      ASSERT_EQ((*quick)->center.x, want.center.x) << i;
      ASSERT_EQ((*quick)->center.y, want.center.y) << i;
      ASSERT_EQ((*quick)->center.z, want.center.z) << i;
      ASSERT_EQ((*quick)->radius_rad, want.radius_rad) << i;
      const auto trusted = geo::Shape::build_trusted(g);
      ASSERT_TRUE(trusted.ok()) << i;
      ASSERT_EQ(trusted->edges().size(), built.edges().size());
      const geo::Shape probe = build(point_of(ref_direct(c, places.uniform(0, 360), places.uniform(0, 3 * r))));
      ASSERT_EQ(geo::distance_m(*trusted, probe, kInf), geo::distance_m(built, probe, kInf)) << i;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 900);
}

TEST(QuickCap, LeavesLongEdgesToTheExactBuild) {
  // A 2,000 km edge is split into pieces by build(): no quick cap for it.
  const auto quick = geo::Shape::quick_cap(line_of({{0, 0}, {0, 18}}));
  ASSERT_TRUE(quick.ok());
  EXPECT_FALSE(quick->has_value());
  // Structural errors are found without the exact build.
  EXPECT_FALSE(geo::Shape::quick_cap(polygon_of({{{0, 0}, {0, 1}, {1, 1}, {1, 0}}})).ok());
  // build_trusted does not look for crossings: a bow tie passes it, not build().
  const Geometry bow_tie = polygon_of({{{0, 0}, {1, 1}, {0, 1}, {1, 0}, {0, 0}}});
  EXPECT_TRUE(geo::Shape::build_trusted(bow_tie).ok());
  EXPECT_FALSE(geo::Shape::build(bow_tie).ok());
}

TEST(Validation, RejectsBadRings) {
  EXPECT_FALSE(geo::Shape::build(polygon_of({{{0, 0}, {1, 1}, {0, 1}, {1, 0}, {0, 0}}})).ok());    // bow tie
  EXPECT_FALSE(geo::Shape::build(polygon_of({{{0, 0}, {0, 1}, {0, 0}, {0, 0}}})).ok());            // degenerate
  EXPECT_FALSE(geo::Shape::build(polygon_of({{{0, 0}, {0, 1}, {1, 1}, {0, 0.5}, {0, 0}}})).ok());  // spike back
  EXPECT_FALSE(geo::Shape::build(polygon_of({{{0, 0}, {0, 1}, {1, 1}}})).ok());                    // too few
  EXPECT_FALSE(geo::Shape::build(polygon_of({{{0, 0}, {0, 1}, {1, 1}, {1, 0}}})).ok());            // not closed
  // Larger than a hemisphere allows.
  EXPECT_FALSE(geo::Shape::build(polygon_of({{{0, -170}, {0, -50}, {0, 70}, {0, -170}}})).ok());
  // A hole outside its outer ring.
  EXPECT_FALSE(geo::Shape::build(
                   polygon_of({{{0, 0}, {0, 1}, {1, 1}, {1, 0}, {0, 0}}, {{5, 5}, {5, 6}, {6, 6}, {6, 5}, {5, 5}}}))
                   .ok());
  // Repeated positions are harmless.
  EXPECT_TRUE(geo::Shape::build(polygon_of({{{0, 0}, {0, 1}, {0, 1}, {1, 1}, {1, 0}, {0, 0}}})).ok());
}

// The piece tree (geo/piece_tree.cpp) prunes pairs of pieces; these hold its
// searches to the measurement of every vertex against every piece.
TEST(PieceTree, LargeShapesMatchTheMeasurementOfEveryPair) {
  Places places(21);
  for (int i = 0; i < 8; ++i) {
    const SeparatedRings p = separated_rings(places, 3.5, 0.9 + 0.25 * i, 3, 48);
    const geo::Shape s1 = build(polygon_of({p.ring1})), s2 = build(polygon_of({p.ring2}));
    const double every = geo::distance_by_every_pair_m(s1, s2);
    ASSERT_NEAR(geo::distance_m(s1, s2, kInf), every, 1e-6) << i;
    ASSERT_NEAR(geo::distance_m(s2, s1, every + 1), every, 1e-6) << i;
    std::vector<LatLon> path(p.ring2.begin(), p.ring2.end() - 1 - places.pick(10));
    const geo::Shape line = build(line_of(path));
    ASSERT_NEAR(geo::distance_m(s1, line, kInf), geo::distance_by_every_pair_m(s1, line), 1e-6) << i;
    const geo::Shape point = build(point_of(p.ring2[0]));
    ASSERT_NEAR(geo::distance_m(point, s1, kInf), geo::distance_by_every_pair_m(point, s1), 1e-6) << i;
  }
}

// Guards the bound on a check's work (DESIGN §12): two 5,000-vertex rings
// 10 m apart all the way round, the case where every vertex is near the
// other shape, cost a small fraction of measuring every pair.
TEST(PieceTree, TwoLargeShapesCloseEverywhereCostFarLessThanEveryPair) {
  Places places(5);
  const LatLon c{33.5, 38.6};
  std::vector<LatLon> inner, outer;
  constexpr int kN = 5000;
  for (int i = 0; i < kN; ++i) {
    inner.push_back(ref_direct(c, 360.0 * i / kN, 50'000));
    outer.push_back(ref_direct(c, 360.0 * (i + 0.5) / kN, 50'010));
  }
  inner.push_back(inner.front());
  outer.push_back(outer.front());
  // As lines: the boundaries themselves, with no containment to end the search.
  const geo::Shape a = build(line_of(inner)), b = build(line_of(outer));
  geo::Work work;
  const double d = geo::distance_m(a, b, 500'000, work);
  EXPECT_NEAR(d, 10, 0.5);
  EXPECT_LT(work.used(), uint64_t{kN} * kN / 4)
      << "every pair would cost " << uint64_t{kN} * kN * geo::Work::kExactUnits;
  geo::Work small(work.used() / 2);
  geo::distance_m(a, b, 500'000, small);
  EXPECT_TRUE(small.exhausted());
}

TEST(Validation, ALargeRingCrossingItselfFarFromItsStartIsFound) {
  Places places(3);
  std::vector<LatLon> ring = star_ring(places, {10, 20}, 4000, 20'000, 21'000, false);
  std::swap(ring[2500], ring[2502]);  // a bow tie in the middle
  auto s = geo::Shape::build(polygon_of({ring}));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("ring crosses itself"), std::string::npos) << s.error().message;
  std::swap(ring[2500], ring[2502]);
  EXPECT_TRUE(geo::Shape::build(polygon_of({ring})).ok());
}

}  // namespace
}  // namespace deconflict::testing
