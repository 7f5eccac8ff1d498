#include "index/region_index.hpp"

#include <algorithm>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <boost/iterator/function_output_iterator.hpp>
#include <cmath>

#include "index/coordinates.hpp"
#include "index/volume_index.hpp"

namespace deconflict::index {
namespace {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
// Longitude and latitude in degrees, and time_coordinate() times 180 (a
// spread like theirs), as floats rounded outwards.
using Point3 = bg::model::point<float, 3, bg::cs::cartesian>;
using Box3 = bg::model::box<Point3>;
using Value = std::pair<Box3, const PreparedVolume*>;
using Tree3 = bgi::rtree<Value, bgi::rstar<16>>;

// A float is within 180 * 2^-23 (2.1e-5 degrees) of the double it rounds;
// past this distance from the query's edges, a rounded box meets the query
// exactly when the volume's bounds do.
constexpr double kEdgeDeg = 1e-4;

double time_axis(TimePoint t) { return 180 * time_coordinate(t); }

Box3 box_of(double west, double south, double t0, double east, double north, double t1) {
  return Box3(Point3(round_down(west), round_down(south), round_down(t0)),
              Point3(round_up(east), round_up(north), round_up(t1)));
}

template <typename Emit>
void values_of(const PreparedVolume* v, Emit&& emit) {
  const geo::LonLatBounds b = list_bounds(*v);
  double lon[2][2];
  const int n = geo::split_longitudes(b.west_deg, b.east_deg, lon);
  const double t0 = time_axis(v->window.start), t1 = time_axis(v->window.end);
  for (int i = 0; i < n; ++i) emit(Value(box_of(lon[i][0], b.south_deg, t0, lon[i][1], b.north_deg, t1), v));
}

// True when the rounded box `b` meets the interval [lo, hi] of dimension D by
// more than rounding could make up: the exact bounds meet it too.
template <size_t D>
bool clearly_meets(const Box3& b, double lo, double hi) {
  return bg::get<bg::min_corner, D>(b) + kEdgeDeg <= hi && lo <= bg::get<bg::max_corner, D>(b) - kEdgeDeg;
}

}  // namespace

geo::LonLatBounds list_bounds(const PreparedVolume& v) { return geo::bounds_of(reach_of(v)); }

struct RegionIndex::Tree {
  Tree3 rtree;
};

RegionIndex::RegionIndex() : tree_(std::make_unique<Tree>()) {}
RegionIndex::~RegionIndex() = default;
RegionIndex::RegionIndex(RegionIndex&&) noexcept = default;
RegionIndex& RegionIndex::operator=(RegionIndex&&) noexcept = default;

void RegionIndex::insert(const PreparedVolume* v) {
  values_of(v, [&](const Value& value) { tree_->rtree.insert(value); });
}

bool RegionIndex::remove(const PreparedVolume* v) {
  size_t removed = 0;
  values_of(v, [&](const Value& value) { removed += tree_->rtree.remove(value); });
  return removed > 0;
}

void RegionIndex::assign(std::span<const PreparedVolume* const> volumes) {
  std::vector<Value> values;
  values.reserve(volumes.size());
  for (const PreparedVolume* v : volumes) values_of(v, [&](const Value& value) { values.push_back(value); });
  tree_->rtree = Tree3(values);  // packing constructor
}

size_t RegionIndex::size() const { return tree_->rtree.size(); }

void RegionIndex::meeting(const geo::LonLatBounds& box, TimePoint start, TimePoint end,
                          std::vector<const PreparedVolume*>& out) const {
  double lon[2][2];
  const int n = geo::split_longitudes(box.west_deg, box.east_deg, lon);
  const double t0 = time_axis(start), t1 = time_axis(end);
  const size_t first = out.size();
  bool halves = false;  // a volume across the antimeridian may have been met twice
  for (int i = 0; i < n; ++i) {
    const Box3 query = box_of(lon[i][0], box.south_deg, t0, lon[i][1], box.north_deg, t1);
    tree_->rtree.query(bgi::intersects(query), boost::make_function_output_iterator([&](const Value& value) {
                         const Box3& b = value.first;
                         halves |= bg::get<bg::min_corner, 0>(b) == -180.0F || bg::get<bg::max_corner, 0>(b) == 180.0F;
                         const bool exact = clearly_meets<0>(b, lon[i][0], lon[i][1]) &&
                                            clearly_meets<1>(b, box.south_deg, box.north_deg);
                         if (exact || geo::boxes_meet(list_bounds(*value.second), box)) out.push_back(value.second);
                       }));
  }
  if (!halves) return;
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
  out.erase(std::unique(out.begin() + static_cast<std::ptrdiff_t>(first), out.end()), out.end());
}

}  // namespace deconflict::index
