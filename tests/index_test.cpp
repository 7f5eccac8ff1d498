// The index against a brute-force scan on 10,000 random volumes that include
// the antimeridian, the polar caps and both windings (S2's brute-force mode).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "deconflict/time.hpp"
#include "geo/shape.hpp"
#include "geo_reference.hpp"
#include "index/volume_index.hpp"

namespace deconflict::testing {
namespace {

PreparedVolume random_volume(Places& places, int i) {
  Volume v;
  v.id = "v" + std::to_string(i);
  v.type = static_cast<ObjectType>(places.pick(3));
  v.party = "p" + std::to_string(places.pick(4));
  const LatLon c = places.any();
  switch (places.pick(3)) {
    case 0:
      v.geometry = point_of(c);
      v.radius = Metres(std::pow(10.0, places.uniform(2, 5.3)));
      break;
    case 1: {
      std::vector<LatLon> pts{c};
      for (int k = 0, n = 1 + places.pick(4); k < n; ++k) {
        pts.push_back(ref_direct(pts.back(), places.uniform(0, 360), std::pow(10.0, places.uniform(3, 5.7))));
      }
      v.geometry = line_of(pts);
      v.radius = Metres(places.pick(3) == 0 ? 0.0 : places.uniform(0, 20'000));
      break;
    }
    default: {
      const double r = std::pow(10.0, places.uniform(3, 5.7));
      v.geometry = polygon_of({star_ring(places, c, 4 + places.pick(12), r * 0.3, r, places.pick(2) == 0)});
      v.radius = Metres(places.pick(2) == 0 ? 0.0 : places.uniform(0, 10'000));
    }
  }
  const TimePoint base = *parse_rfc3339("2018-09-01T00:00:00Z");
  const auto hours = [](double h) { return std::chrono::milliseconds(static_cast<long long>(h * 3'600'000)); };
  if (places.pick(5) != 0) {
    v.window.start = base + hours(places.uniform(0, 720));
    v.window.end = places.pick(4) == 0 ? kTimeMax : v.window.start + hours(places.uniform(0.5, 200));
  }
  if (places.pick(3) == 0) {
    v.altitude.lower_m = places.uniform(0, 5000);
    v.altitude.upper_m = v.altitude.lower_m + places.uniform(10, 5000);
  }
  auto prepared = PreparedVolume::prepare(std::move(v));
  EXPECT_TRUE(prepared.ok());
  return std::move(*prepared);
}

std::map<std::string, double> by_id(const std::vector<index::Match>& matches) {
  std::map<std::string, double> out;
  for (const auto& m : matches) out[m.volume->id] = m.distance_m;
  return out;
}

TEST(VolumeIndex, MatchesBruteForceOnTenThousandRandomVolumes) {
  Places places(42);
  std::vector<PreparedVolume> volumes;
  for (int i = 0; i < 10'000; ++i) volumes.push_back(random_volume(places, i));
  std::vector<const PreparedVolume*> all;
  for (const PreparedVolume& v : volumes) all.push_back(&v);

  index::VolumeIndex index;
  index.assign(std::span(all).first(6'000));                         // packed
  for (size_t i = 6'000; i < all.size(); ++i) index.insert(all[i]);  // and one at a time
  std::vector<const PreparedVolume*> kept;
  for (size_t i = 0; i < all.size(); ++i) {
    if (i % 10 == 3) {
      ASSERT_TRUE(index.remove(all[i]));
    } else {
      kept.push_back(all[i]);
    }
  }
  ASSERT_EQ(index.size(), kept.size());

  size_t total_matches = 0;
  for (int q = 0; q < 400; ++q) {
    const PreparedVolume query = random_volume(places, 100'000 + q);
    const auto keep = [&](const Volume& v) { return v.party != query.party; };
    const auto got = by_id(index.query(query, keep));
    const auto want = by_id(index::brute_force(kept, query, keep));
    ASSERT_EQ(got.size(), want.size()) << "query " << q;
    for (const auto& [id, d] : want) {
      ASSERT_TRUE(got.count(id)) << "query " << q << " missed " << id;
      ASSERT_EQ(got.at(id), d);
    }
    total_matches += want.size();
  }
  EXPECT_GT(total_matches, 200u);  // the test compares real answers, not empty ones
}

// A random lon/lat box, often across the antimeridian or up to a pole.
geo::LonLatBounds random_box(Places& places) {
  const double west = places.uniform(-180, 180), width = std::pow(10.0, places.uniform(-1, 2.2));
  const double south = places.pick(4) == 0 ? places.uniform(60, 89) : places.uniform(-90, 80);
  const double north = places.pick(4) == 0 ? 90.0 : std::min(90.0, south + std::pow(10.0, places.uniform(-1, 1.5)));
  return {west, south, Places::wrap(west + std::min(width, 359.0)), north};
}

// A volume of radius 0 at one position, over all time and altitude.
PreparedVolume probe_at(LatLon p) {
  Volume v;
  v.id = "probe";
  v.geometry = point_of(p);
  return *PreparedVolume::prepare(std::move(v));
}

TEST(VolumeIndex, ARegionQueryFindsEveryVolumeThatMeetsTheBox) {
  Places places(11);
  std::vector<PreparedVolume> volumes;
  for (int i = 0; i < 3'000; ++i) volumes.push_back(random_volume(places, i));
  std::vector<const PreparedVolume*> all;
  for (const PreparedVolume& v : volumes) all.push_back(&v);
  index::VolumeIndex index;
  index.assign(all);

  size_t found = 0, must = 0;
  for (int q = 0; q < 60; ++q) {
    const geo::LonLatBounds box = random_box(places);
    std::vector<const PreparedVolume*> got;
    index.in_region(box, kTimeMin, kTimeMax, got);
    const std::set<const PreparedVolume*> in(got.begin(), got.end());
    // Probe a grid of positions in the box: a volume that holds one must be found.
    const double width = box.east_deg >= box.west_deg ? box.east_deg - box.west_deg : box.east_deg - box.west_deg + 360;
    for (int i = 0; i <= 6; ++i) {
      for (int j = 0; j <= 6; ++j) {
        const LatLon p{box.south_deg + (box.north_deg - box.south_deg) * i / 6,
                       Places::wrap(box.west_deg + width * j / 6)};
        const PreparedVolume probe = probe_at(p);
        for (const PreparedVolume* v : all) {
          if (!index::intersect(probe, *v) || in.count(v)) continue;
          FAIL() << "box " << q << " [" << box.west_deg << "," << box.south_deg << "," << box.east_deg << ","
                 << box.north_deg << "] misses " << v->id << " at " << p.lat_deg << "," << p.lon_deg;
        }
        must += 1;
      }
    }
    found += got.size();
  }
  EXPECT_GT(must, 0u);
  EXPECT_LT(found, all.size() * 60 / 3);  // the index prunes: boxes are mostly small
  EXPECT_GT(found, 0u);
}

TEST(VolumeIndex, ARegionQueryKeepsToItsTimeWindow) {
  Places places(5);
  PreparedVolume v = random_volume(places, 1);
  v.window = {*parse_rfc3339("2018-09-01T00:00:00Z"), *parse_rfc3339("2018-09-02T00:00:00Z")};
  index::VolumeIndex index;
  index.insert(&v);
  std::vector<const PreparedVolume*> got;
  index.in_region({-180, -90, 180, 90}, *parse_rfc3339("2018-09-03T00:00:00Z"), kTimeMax, got);
  EXPECT_TRUE(got.empty());
  index.in_region({-180, -90, 180, 90}, *parse_rfc3339("2018-09-01T12:00:00Z"), kTimeMax, got);
  EXPECT_EQ(got.size(), 1u);
}

TEST(VolumeIndex, RemoveOfAnAbsentEntryIsFalse) {
  Places places(7);
  PreparedVolume v = random_volume(places, 1);
  index::VolumeIndex index;
  EXPECT_FALSE(index.remove(&v));
  index.insert(&v);
  EXPECT_TRUE(index.remove(&v));
  EXPECT_EQ(index.size(), 0u);
}

}  // namespace
}  // namespace deconflict::testing
