// The index against a brute-force scan on 10,000 random volumes that include
// the antimeridian, the polar caps and both windings (S2's brute-force mode).
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <span>

#include "deconflict/time.hpp"
#include "geo/bbox.hpp"
#include "geo/shape.hpp"
#include "geo_reference.hpp"
#include "index/packed_tree.hpp"
#include "index/region_index.hpp"
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

// `n` random volumes (ids v0, v1...) and a pointer to each, for the indexes.
struct RandomWorld {
  std::vector<PreparedVolume> volumes;
  std::vector<const PreparedVolume*> all;
};

RandomWorld random_world(Places& places, int n) {
  RandomWorld world;
  for (int i = 0; i < n; ++i) world.volumes.push_back(random_volume(places, i));
  for (const PreparedVolume& v : world.volumes) world.all.push_back(&v);
  return world;
}

std::map<std::string, double> by_id(const std::vector<index::Match>& matches) {
  std::map<std::string, double> out;
  for (const auto& m : matches) out[m.volume->id] = m.distance_m;
  return out;
}

TEST(VolumeIndex, MatchesBruteForceOnTenThousandRandomVolumes) {
  Places places(42);
  auto [volumes, all] = random_world(places, 10'000);

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

// A volume's box takes each coordinate's range from its cap by the angle-sum
// formula, clamped where the cap holds an end of an axis: at the six ends
// (the poles, and the equator at longitudes 0, 90, 180 and -90), volumes
// and queries from a centimetre to 3,000 km around them, with radii from 0
// (a position, whose box is a single point) to ones that hold the end, must
// be found as a scan finds them, by the packed tree and by Boost's.
TEST(VolumeIndex, FindsWhatMeetsAtTheEndsOfEveryAxis) {
  const LatLon ends[] = {{90, 0}, {-90, 0}, {0, 0}, {0, 180}, {0, 90}, {0, -90}};
  std::vector<LatLon> near;
  for (const LatLon end : ends) {
    near.push_back(end);
    for (const double d : {0.01, 1.0, 100.0, 10'000.0, 3'000'000.0}) {
      for (const double azimuth : {0.0, 90.0, 200.0}) near.push_back(ref_direct(end, azimuth, d));
    }
  }
  const auto volume_at = [](LatLon p, double radius_m, const std::string& id) {
    Volume v;
    v.id = id;
    v.geometry = point_of(p);
    v.radius = Metres(radius_m);
    return *PreparedVolume::prepare(std::move(v));
  };
  std::vector<PreparedVolume> volumes;
  for (const LatLon p : near) {
    for (const double r : {0.0, 0.5, 1'000.0, 3'000'000.0})
      volumes.push_back(volume_at(p, r, std::to_string(volumes.size())));
  }
  std::vector<const PreparedVolume*> all;
  for (const PreparedVolume& v : volumes) all.push_back(&v);
  index::VolumeIndex packed, inserted;
  packed.assign(all);
  for (const PreparedVolume* v : all) inserted.insert(v);
  const auto keep = [](const Volume&) { return true; };
  size_t matches = 0;
  for (const LatLon p : near) {
    for (const double r : {0.0, 0.5, 1'000.0}) {
      const PreparedVolume query = volume_at(p, r, "query");
      const auto want = by_id(index::brute_force(all, query, keep));
      ASSERT_EQ(by_id(packed.query(query, keep)), want) << p.lat_deg << ", " << p.lon_deg << " r " << r;
      ASSERT_EQ(by_id(inserted.query(query, keep)), want) << p.lat_deg << ", " << p.lon_deg << " r " << r;
      matches += want.size();
    }
  }
  EXPECT_GT(matches, 5'000u);  // positions meet themselves at radius 0, and the large caps meet the ends
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

// What a region query must find: every volume whose bounds meet the box.
std::vector<const PreparedVolume*> meeting_by_scan(const std::vector<const PreparedVolume*>& volumes,
                                                   const geo::LonLatBounds& box) {
  std::vector<const PreparedVolume*> out;
  for (const PreparedVolume* v : volumes) {
    if (geo::boxes_meet(index::list_bounds(*v), box)) out.push_back(v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Each volume at most once: a volume across the antimeridian is held as two halves.
std::vector<const PreparedVolume*> meeting(const index::RegionIndex& regions, const geo::LonLatBounds& box) {
  std::vector<const PreparedVolume*> got;
  regions.meeting(box, kTimeMin, kTimeMax, got);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(std::adjacent_find(got.begin(), got.end()), got.end()) << "a volume found twice";
  return got;
}

TEST(RegionIndex, FindsExactlyTheVolumesWhoseBoundsMeetTheBox) {
  Places places(11);
  auto [volumes, all] = random_world(places, 3'000);
  // Half packed at once, half inserted one by one, a third of all removed.
  index::RegionIndex regions;
  regions.assign(std::span(all).first(1'500));
  for (size_t i = 1'500; i < all.size(); ++i) regions.insert(all[i]);
  for (size_t i = 0; i < all.size(); i += 3) ASSERT_TRUE(regions.remove(all[i]));
  std::vector<const PreparedVolume*> kept;
  for (size_t i = 0; i < all.size(); ++i) {
    if (i % 3 != 0) kept.push_back(all[i]);
  }
  const size_t crossing = std::count_if(kept.begin(), kept.end(), [](const PreparedVolume* v) {
    const geo::LonLatBounds b = index::list_bounds(*v);
    return b.west_deg > b.east_deg;
  });
  EXPECT_GT(crossing, 5u);  // the test meets volumes across the antimeridian
  EXPECT_EQ(regions.size(), kept.size() + crossing);

  size_t found = 0;
  for (int q = 0; q < 200; ++q) {
    const geo::LonLatBounds box = q == 0 ? geo::LonLatBounds{-180, -90, 180, 90} : random_box(places);
    const auto want = meeting_by_scan(kept, box);
    ASSERT_EQ(meeting(regions, box), want) << "box " << q << " [" << box.west_deg << "," << box.south_deg << ","
                                           << box.east_deg << "," << box.north_deg << "]";
    found += want.size();
  }
  EXPECT_GT(found, 2'000u);  // real answers, not empty ones
  EXPECT_FALSE(regions.remove(all[0]));
}

// The index keeps boxes as floats: a query whose edge lies on a volume's
// bounds, or a hair inside or outside them (far less than a float's
// rounding), must still be answered as the bounds in doubles say.
TEST(RegionIndex, EdgesCloserThanAFloatsRoundingAreComparedExactly) {
  Places places(17);
  auto [volumes, all] = random_world(places, 500);
  index::RegionIndex regions;
  regions.assign(all);
  size_t in = 0, out = 0;
  for (const PreparedVolume* v : all) {
    const geo::LonLatBounds b = index::list_bounds(*v);
    if (b.west_deg > b.east_deg || b.east_deg > 179 || b.north_deg > 89) continue;
    for (const double hair : {-1e-9, 0.0, 1e-9, 3e-6, -3e-6}) {
      // A box east of the volume whose west edge is the volume's east edge, moved by `hair`.
      const geo::LonLatBounds east{b.east_deg + hair, b.south_deg, b.east_deg + 1, b.north_deg};
      // A box north of it, the same way.
      const geo::LonLatBounds north{b.west_deg, b.north_deg + hair, b.east_deg, std::min(90.0, b.north_deg + 1)};
      for (const geo::LonLatBounds& box : {east, north}) {
        const auto got = meeting(regions, box);
        const bool found = std::binary_search(got.begin(), got.end(), v);
        ASSERT_EQ(found, geo::boxes_meet(b, box)) << v->id << " hair " << hair;
        (found ? in : out) += 1;
      }
    }
  }
  EXPECT_GT(in, 500u);  // both answers are met many times
  EXPECT_GT(out, 300u);
}

// The bounds a list compares hold every point of the volume: a box holding
// a position finds every volume that holds it.
TEST(RegionIndex, ABoxFindsEveryVolumeThatHoldsAPositionInIt) {
  Places places(13);
  auto [volumes, all] = random_world(places, 3'000);
  index::RegionIndex regions;
  regions.assign(all);
  size_t must = 0;
  for (int q = 0; q < 60; ++q) {
    const geo::LonLatBounds box = random_box(places);
    const auto got = meeting(regions, box);
    const std::set<const PreparedVolume*> in(got.begin(), got.end());
    // Probe a grid of positions in the box: a volume that holds one must be found.
    const double width = box.east_deg >= box.west_deg ? box.east_deg - box.west_deg : box.east_deg - box.west_deg + 360;
    for (int i = 0; i <= 6; ++i) {
      for (int j = 0; j <= 6; ++j) {
        const LatLon p{box.south_deg + (box.north_deg - box.south_deg) * i / 6,
                       Places::wrap(box.west_deg + width * j / 6)};
        const PreparedVolume probe = probe_at(p);
        for (const PreparedVolume* v : all) {
          if (!index::intersect(probe, *v)) continue;
          ++must;
          ASSERT_TRUE(in.count(v)) << "box " << q << " [" << box.west_deg << "," << box.south_deg << "," << box.east_deg
                                   << "," << box.north_deg << "] misses " << v->id << " at " << p.lat_deg << ","
                                   << p.lon_deg;
        }
      }
    }
  }
  EXPECT_GT(must, 100u);
}

TEST(RegionIndex, KeepsToItsTimeWindow) {
  Places places(5);
  PreparedVolume v = random_volume(places, 1);
  v.window = {*parse_rfc3339("2018-09-01T00:00:00Z"), *parse_rfc3339("2018-09-02T00:00:00Z")};
  index::RegionIndex regions;
  regions.insert(&v);
  std::vector<const PreparedVolume*> got;
  regions.meeting({-180, -90, 180, 90}, *parse_rfc3339("2018-09-03T00:00:00Z"), kTimeMax, got);
  EXPECT_TRUE(got.empty());
  regions.meeting({-180, -90, 180, 90}, *parse_rfc3339("2018-09-01T12:00:00Z"), kTimeMax, got);
  EXPECT_EQ(got.size(), 1u);
}

// A random box in the indexes' coordinates (directions in [-1, 1], time in
// (-1/2, 1/2)): a quarter of them points, some wide, and a quarter sharing
// one of three centres (the packing splits at medians of equal keys).
index::Box4f random_box4(std::mt19937& rng) {
  std::uniform_real_distribution<float> any(-1, 1), size(0, 0.05f);
  std::uniform_int_distribution<int> pick(0, 11);
  const int kind = pick(rng);
  index::Box4f b;
  for (int d = 0; d < 4; ++d) {
    const float c = kind < 3 ? 0.25f * static_cast<float>(kind) : any(rng) / (d == 3 ? 2.0f : 1.0f);
    const float half = kind < 6 ? 0.0f : kind == 11 ? 10 * size(rng) : size(rng);
    b.lo[d] = c - half;
    b.hi[d] = c + half;
  }
  return b;
}

bool meet(const index::Box4f& a, const index::Box4f& b) {
  for (int d = 0; d < 4; ++d) {
    if (!(a.lo[d] <= b.hi[d] && b.lo[d] <= a.hi[d])) return false;
  }
  return true;
}

// What the tree finds for `box`, and what a scan of the entries not removed
// says it must find, both sorted.
struct FoundAndWanted {
  std::vector<const void*> found, wanted;
};

FoundAndWanted query_and_scan(const index::PackedTree& tree, const std::vector<index::PackedTree::Entry>& entries,
                              const std::vector<bool>& removed, const index::Box4f& box) {
  FoundAndWanted out;
  tree.query(box, [&](const void* item) { out.found.push_back(item); });
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!removed[i] && meet(entries[i].first, box)) out.wanted.push_back(entries[i].second);
  }
  std::sort(out.found.begin(), out.found.end());
  std::sort(out.wanted.begin(), out.wanted.end());
  return out;
}

// `box` grown by `by` in every dimension.
index::Box4f grown(index::Box4f box, float by) {
  for (int d = 0; d < 4; ++d) {
    box.lo[d] -= by;
    box.hi[d] += by;
  }
  return box;
}

// How many entries a query must find, and how many others it found.
struct Answers {
  size_t wanted = 0, others = 0;
};

// The tree's answer for `box`: every entry the scan wants, each once, and
// the others (its boxes are quantized) only within `step` of the box.
Answers expect_superset(const index::PackedTree& tree, const std::vector<index::PackedTree::Entry>& entries,
                        const std::vector<bool>& removed, const index::Box4f& box, float step,
                        const std::string& what) {
  const auto [got, want] = query_and_scan(tree, entries, removed, box);
  EXPECT_TRUE(std::adjacent_find(got.begin(), got.end()) == got.end()) << what << ": an entry found twice";
  EXPECT_TRUE(std::includes(got.begin(), got.end(), want.begin(), want.end())) << what << ": an entry missed";
  const auto near = query_and_scan(tree, entries, removed, grown(box, step)).wanted;
  EXPECT_TRUE(std::includes(near.begin(), near.end(), got.begin(), got.end())) << what << ": an entry far off found";
  return {want.size(), got.size() - want.size()};
}

// At the sizes where a node's children change from entries to whole subtrees
// of 16, 256 or 4,096: every entry whose box meets the query, each once, with
// a seventh of them removed; the others found come within two steps of a
// leaf's frame (its extent, at most 2, over 65,533), and are few.
TEST(PackedTree, FindsEveryBoxThatMeetsAndFewOthersAtEverySize) {
  std::mt19937 rng(11);
  for (const size_t n : {0, 1, 15, 16, 17, 255, 256, 257, 4'095, 4'096, 4'097, 70'000}) {
    std::vector<int> items(n);
    std::vector<index::PackedTree::Entry> entries;
    for (size_t i = 0; i < n; ++i) entries.emplace_back(random_box4(rng), &items[i]);
    index::PackedTree tree;
    tree.assign(entries);
    std::vector<bool> removed(n, false);
    for (size_t i = 0; i < n; i += 7) {
      ASSERT_TRUE(tree.remove(entries[i].first, entries[i].second)) << n << " entries, entry " << i;
      ASSERT_FALSE(tree.remove(entries[i].first, entries[i].second));
      removed[i] = true;
    }
    ASSERT_EQ(tree.size(), n - (n + 6) / 7);
    size_t found_total = 0, others = 0;
    for (int q = 0; q < 200; ++q) {
      const index::Box4f box = random_box4(rng);
      const std::string what = std::to_string(n) + " entries, query " + std::to_string(q);
      const Answers answers = expect_superset(tree, entries, removed, box, 2 * 2.0f / 65'533, what);
      found_total += answers.wanted;
      others += answers.others;
    }
    if (n >= 4'096) {
      EXPECT_GT(found_total, 1'000u) << n;  // real answers, not empty ones
    }
    EXPECT_LE(others * 100, found_total) << n << " entries: others found are at most 1% of the answers";
  }
}

// The boxes are quantized in each node's frame by one monotonic map, so that
// boxes that touch still touch: entries in frames from a micro-unit to two
// units wide, far from and near zero, each found by queries that touch it on
// each side of each dimension, and by its own box. Guards the map: with the
// query's side rounded otherwise than the tree's (nearest against down), an
// entry touched at its upper end is lost.
TEST(PackedTree, BoxesThatTouchAreFoundInEveryFrame) {
  std::mt19937 rng(17);
  for (const float width : {1e-6f, 1e-4f, 1e-2f, 1.0f}) {
    for (const float corner : {-1.0f, -0.3f, 0.0f, 0.7f}) {
      std::uniform_real_distribution<float> at(corner, corner + width), size(0, width / 8);
      std::vector<int> items(300);
      std::vector<index::PackedTree::Entry> entries;
      for (int& item : items) {
        index::Box4f b;
        for (int d = 0; d < 4; ++d) {
          b.lo[d] = at(rng);
          b.hi[d] = b.lo[d] + size(rng);
        }
        entries.emplace_back(b, &item);
      }
      index::PackedTree tree;
      tree.assign(entries);
      const auto finds = [&](const index::Box4f& q, const void* item) {
        bool found = false;
        tree.query(q, [&](const void* x) { found = found || x == item; });
        return found;
      };
      for (const auto& [box, item] : entries) {
        ASSERT_TRUE(finds(box, item)) << width << " at " << corner;
        for (int d = 0; d < 4; ++d) {
          index::Box4f above = box, below = box;
          above.lo[d] = above.hi[d] = box.hi[d];  // touches its upper end
          below.lo[d] = below.hi[d] = box.lo[d];  // and its lower end
          ASSERT_TRUE(finds(above, item)) << width << " at " << corner << ", dimension " << d << " above";
          ASSERT_TRUE(finds(below, item)) << width << " at " << corner << ", dimension " << d << " below";
        }
      }
    }
  }
}

// A box with a NaN (from a caller's bug) is packed like any other and meets
// nothing; the others are found as ever.
TEST(PackedTree, ABoxWithANaNMeetsNothingAndHidesNothing) {
  std::mt19937 rng(5);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<int> items(3'000);
  std::vector<index::PackedTree::Entry> entries;
  for (size_t i = 0; i < items.size(); ++i) {
    index::Box4f b = random_box4(rng);
    if (i % 3 == 0) b.lo[i % 4] = b.hi[(i + 1) % 4] = nan;
    entries.emplace_back(b, &items[i]);
  }
  index::PackedTree tree;
  tree.assign(entries);
  const std::vector<bool> removed(entries.size(), false);
  for (int q = 0; q < 100; ++q) {
    const index::Box4f box = random_box4(rng);
    expect_superset(tree, entries, removed, box, 2 * 2.0f / 65'533, "query " + std::to_string(q));
    tree.query(box, [&](const void* item) {
      const size_t i = static_cast<size_t>(static_cast<const int*>(item) - items.data());
      EXPECT_NE(i % 3, 0u) << "query " << q << " found entry " << i << ", whose box has a NaN";
    });
  }
}

// A box empty in one dimension (its lower bound above its upper one, from a
// caller's bug) is packed like any other and meets nothing, not even a query
// over the whole space; the others are found.
TEST(PackedTree, ABoxEmptyInOneDimensionMeetsNothing) {
  std::mt19937 rng(9);
  std::vector<int> items(2'000);
  std::vector<index::PackedTree::Entry> entries;
  for (size_t i = 0; i < items.size(); ++i) {
    index::Box4f b = random_box4(rng);
    if (i % 2 == 0) b.lo[i % 4] = b.hi[i % 4] + 0.01f;
    entries.emplace_back(b, &items[i]);
  }
  index::PackedTree tree;
  tree.assign(entries);
  const index::Box4f everything{{-2, -2, -2, -2}, {2, 2, 2, 2}};
  std::set<const void*> found;
  tree.query(everything, [&](const void* item) { found.insert(item); });
  for (size_t i = 0; i < items.size(); ++i) EXPECT_EQ(found.count(&items[i]), i % 2) << "entry " << i;
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
