// Positions as the field writes them (include/deconflict/position.hpp).
#include "deconflict/position.hpp"

#include <gtest/gtest.h>

#include <GeographicLib/Geodesic.hpp>
#include <random>

namespace deconflict {
namespace {

double metres_between(LatLon a, LatLon b) {
  double s = 0;
  GeographicLib::Geodesic::WGS84().Inverse(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg, s);
  return s;
}

const LatLon kAtTanf{33.50583, 38.61778};

TEST(Position, TheAtTanfGarrisonReadsTheSameInEveryGrid) {
  for (const char* text :
       {"33.50583, 38.61778", "33.50583N 38.61778E", "38.61778E 33.50583N", "33°30'21\"N 38°37'04\"E",
        "33:30:21N 38:37:04E", "37SDT6449907430", "37sdt 64499 07430", "37S 464499 3707430", "37N 464499 3707430"}) {
    const auto p = read_position(text);
    ASSERT_TRUE(p) << text << ": " << p.error().message;
    EXPECT_LT(metres_between(p->point, kAtTanf), 1.5) << text;
  }
  EXPECT_EQ(read_position("37SDT6449907430")->written_as, Grid::mgrs);
  EXPECT_EQ(read_position("37S 464499 3707430")->written_as, Grid::utm);
  EXPECT_EQ(read_position("33°30'21\"N 38°37'04\"E")->written_as, Grid::dms);
  EXPECT_EQ(read_position("33.50583, 38.61778")->written_as, Grid::decimal);
  EXPECT_EQ(*write_position(kAtTanf, Grid::mgrs), "37SDT6449907430");
  EXPECT_EQ(*write_position(kAtTanf, Grid::mgrs, 3), "37SDT644074");
  EXPECT_EQ(*write_position(kAtTanf, Grid::utm), "37S 464500 3707431");  // to the nearest metre
  EXPECT_EQ(*write_position(kAtTanf, Grid::dms), "33°30'21.0\"N 038°37'04.0\"E");
  EXPECT_EQ(*write_position(kAtTanf, Grid::decimal), "33.505830, 38.617780");
}

// A grid reference names a square: its centre is read, and its side said.
TEST(Position, AGridReferenceIsASquareReadAtItsCentre) {
  const auto coarse = read_position("37SDT 644 074");
  ASSERT_TRUE(coarse);
  EXPECT_EQ(coarse->square_m, 100);
  const auto corner = read_position("37SDT 64400 07400");
  ASSERT_TRUE(corner);
  EXPECT_EQ(corner->square_m, 1);
  // The centre is half the diagonal of the 100 m square from its corner.
  EXPECT_NEAR(metres_between(coarse->point, corner->point), 50 * std::sqrt(2.0), 1.0);
  EXPECT_EQ(read_position("37SDT")->square_m, 100'000);
}

// The letter after a UTM zone is its latitude band; S, which is also a
// hemisphere, is refused where the readings differ rather than guessed.
TEST(Position, AUtmBandThatDisagreesWithTheNorthingIsRefused) {
  EXPECT_FALSE(read_position("37T 464499 3707430")) << "band T is 40N to 48N";
  const auto south = read_position("37S 561234 6246000");
  ASSERT_FALSE(south);
  EXPECT_NE(south.error().message.find("37south"), std::string::npos) << south.error().message;
  const auto spelled = read_position("37south 561234 6246000");
  ASSERT_TRUE(spelled);
  EXPECT_LT(spelled->point.lat_deg, 0);
  EXPECT_EQ(*write_position(spelled->point, Grid::utm), "37H 561234 6246000");
  EXPECT_TRUE(read_position("37H 561234 6246000"));
}

TEST(Position, WhatIsNotAPositionIsAClearError) {
  for (const char* text : {"", "hello", "91, 0", "0, 0, 0", "37SDT 1234 567", "37SDT12345678901234567890123", "99X 1 1",
                           "37S -1 3707430"}) {
    const auto p = read_position(text);
    ASSERT_FALSE(p) << text;
    EXPECT_EQ(p.error().code, ErrorCode::invalid_input) << text;
    EXPECT_NE(p.error().message.find("is not a position"), std::string::npos) << p.error().message;
  }
  EXPECT_FALSE(read_position(std::string(10'000, '1')));
  EXPECT_FALSE(write_position({95, 0}, Grid::mgrs));
  EXPECT_FALSE(write_position(kAtTanf, Grid::mgrs, 12));
}

// Everywhere, poles and the antimeridian included: what is written reads
// back within the square it names (MGRS and UTM to the metre: within 1 m;
// DMS to a tenth of a second: within 3.1 m; decimal to 6 places: 0.1 m).
TEST(Position, EveryGridReadsBackWhatItWrote) {
  std::mt19937_64 rng(20181207);
  std::uniform_real_distribution<double> lat(-90, 90), lon(-180, 180);
  for (int i = 0; i < 3000; ++i) {
    LatLon p{lat(rng), lon(rng)};
    if (i % 10 == 0) p.lat_deg = (i % 20 == 0 ? 1 : -1) * (89.0 + lat(rng) / 90.0);  // the UPS caps
    if (i % 7 == 0) p.lon_deg = (i % 14 == 0 ? 180.0 : -180.0) - lon(rng) / 1e6;     // the antimeridian
    for (auto [grid, tolerance] :
         {std::pair{Grid::decimal, 0.12}, {Grid::dms, 3.1}, {Grid::mgrs, 1.0}, {Grid::utm, 1.0}}) {
      const auto text = write_position(p, grid);
      ASSERT_TRUE(text) << p.lat_deg << "," << p.lon_deg;
      const auto back = read_position(*text);
      ASSERT_TRUE(back) << *text << ": " << back.error().message;
      EXPECT_LT(metres_between(back->point, p), tolerance) << grid_name(grid) << " " << *text;
    }
  }
}

}  // namespace
}  // namespace deconflict
