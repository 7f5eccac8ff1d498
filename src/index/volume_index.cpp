#include "index/volume_index.hpp"

#include <algorithm>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <boost/iterator/function_output_iterator.hpp>
#include <cmath>
#include <numbers>

#include "deconflict/time.hpp"
#include "geo/shape.hpp"
#include "index/coordinates.hpp"
#include "index/packed_tree.hpp"

namespace deconflict::index {
namespace {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
// Floats, rounded outwards: half the memory of doubles for a million entries,
// and a box that still holds what it bounds.
using Point4 = bg::model::point<float, 4, bg::cs::cartesian>;
using Box4 = bg::model::box<Point4>;
using Entry = std::pair<Box4, const PreparedVolume*>;

// The range of one coordinate of the unit vectors in a cap whose centre has
// that coordinate `c`: cos(theta + r) to cos(theta - r), theta the centre's
// angle to the axis and r the cap's radius (0 <= r < pi), each end clamped
// where the cap holds that end of the axis. By the angle-sum formula, from
// r's cosine and sine taken once for the three axes (an acos and two cosines
// an axis were about 6% of a warm check's samples on the world workload),
// widened by a few ulps of its rounding before the box is rounded out to
// floats.
std::pair<double, double> axis_range(double c, double cos_r, double sin_r) {
  constexpr double kRounding = 1e-15;
  c = std::clamp(c, -1.0, 1.0);
  const double sin_theta = std::sqrt(1 - c * c);
  // theta + r >= pi exactly when cos r <= cos(pi - theta) = -c; theta - r <= 0 when cos r <= c.
  const double low = cos_r <= -c ? -1.0 : c * cos_r - sin_theta * sin_r - kRounding;
  const double high = cos_r <= c ? 1.0 : c * cos_r + sin_theta * sin_r + kRounding;
  return {low, high};
}

// Boost's points take at most three coordinates in their constructor.
template <float (*Round)(double)>
Point4 point_of(const double (&c)[4]) {
  Point4 p;
  bg::set<0>(p, Round(c[0]));
  bg::set<1>(p, Round(c[1]));
  bg::set<2>(p, Round(c[2]));
  bg::set<3>(p, Round(c[3]));
  return p;
}

Box4 box_of(const double (&lo)[4], const double (&hi)[4]) {
  return Box4(point_of<round_down>(lo), point_of<round_up>(hi));
}

Box4 bounds(const PreparedVolume& v) {
  const geo::Cap cap = reach_of(v);
  const double r = std::min(cap.radius_rad, std::numbers::pi);  // pi: the whole sphere
  const double cos_r = std::cos(r), sin_r = std::sin(r);
  const auto [x0, x1] = axis_range(cap.center.x, cos_r, sin_r);
  const auto [y0, y1] = axis_range(cap.center.y, cos_r, sin_r);
  const auto [z0, z1] = axis_range(cap.center.z, cos_r, sin_r);
  const double t0 = time_coordinate(v.window.start), t1 = time_coordinate(v.window.end);
  const double lo[4] = {x0, y0, z0, t0}, hi[4] = {x1, y1, z1, t1};
  return box_of(lo, hi);
}

Box4f packed_box(const Box4& b) {
  return {{bg::get<bg::min_corner, 0>(b), bg::get<bg::min_corner, 1>(b), bg::get<bg::min_corner, 2>(b),
           bg::get<bg::min_corner, 3>(b)},
          {bg::get<bg::max_corner, 0>(b), bg::get<bg::max_corner, 1>(b), bg::get<bg::max_corner, 2>(b),
           bg::get<bg::max_corner, 3>(b)}};
}

// Asks for the lines of a candidate that the filters and the exact test read
// first, so that the misses of a query's candidates overlap.
void prefetch_tested(const PreparedVolume& v) {
  __builtin_prefetch(&v.id);
  __builtin_prefetch(&v.party);
  __builtin_prefetch(&v.window);
  __builtin_prefetch(&v.state);
  __builtin_prefetch(&v.cap());  // and the shape's pointer after it
}

}  // namespace

geo::Cap reach_of(const PreparedVolume& v) { return geo::cap_of(v.cap()).expanded_by(v.radius.value); }

// The volumes given to assign() (most of them, at opening) in a packed tree;
// those inserted after it in a Boost R-tree, which takes inserts.
struct VolumeIndex::Tree {
  PackedTree packed;
  bgi::rtree<Entry, bgi::rstar<16>> rtree;
};

namespace {

// The tests that need no shape: windows and altitude bands overlap
// (half-open), and the caps the volumes hold come within r_A + r_B
// (distance_m's own first test): a pair they rule out costs no trip to the
// shapes, each a chain of cache misses.
bool may_meet(const PreparedVolume& q, const PreparedVolume& o, geo::Work& work) {
  if (!(q.window.start < o.window.end && o.window.start < q.window.end)) return false;
  if (!(q.altitude.lower_m < o.altitude.upper_m && o.altitude.lower_m < q.altitude.upper_m)) return false;
  if (geo::cap_of(q.cap()).lower_bound_m(geo::cap_of(o.cap())) > q.radius.value + o.radius.value) {
    work.spend(1);  // as distance_m would
    return false;
  }
  return true;
}

// The rest of the exact test: the geodesic distance between the geometries
// is at most r_A + r_B.
std::optional<Match> measure(const PreparedVolume& q, const PreparedVolume& o, geo::Work& work) {
  const double limit = q.radius.value + o.radius.value;
  const double d = geo::distance_m(q.shape(), o.shape(), limit, work);
  if (d > limit) return std::nullopt;
  return Match{&o, d};
}

}  // namespace

std::optional<Match> intersect(const PreparedVolume& q, const PreparedVolume& o, geo::Work& work) {
  if (!may_meet(q, o, work)) return std::nullopt;
  return measure(q, o, work);
}

std::optional<Match> intersect(const PreparedVolume& q, const PreparedVolume& o) {
  geo::Work unlimited;
  return intersect(q, o, unlimited);
}

std::vector<Match> brute_force(std::span<const PreparedVolume* const> volumes, const PreparedVolume& query,
                               const Filter& keep, geo::Work& work, const Measured* measured) {
  std::vector<Match> out;
  std::vector<const PreparedVolume*> near;  // those only their shapes can decide
  for (const PreparedVolume* v : volumes) {
    if (!work.spend(1)) return out;
    if (!keep(*v)) continue;
    if (measured) {
      if (const auto it = measured->find(v); it != measured->end()) {
        if (it->second) out.push_back(Match{v, *it->second});
        continue;
      }
    }
    if (!may_meet(query, *v, work)) continue;
    v->prefetch_shape();
    near.push_back(v);
  }
  // Their shapes asked for all together before any is measured.
  for (const PreparedVolume* v : near) v->prefetch_shape_arrays();
  for (const PreparedVolume* v : near) {
    if (auto m = measure(query, *v, work)) out.push_back(*m);
  }
  return out;
}

std::vector<Match> brute_force(std::span<const PreparedVolume* const> volumes, const PreparedVolume& query,
                               const Filter& keep) {
  geo::Work unlimited;
  return brute_force(volumes, query, keep, unlimited);
}

VolumeIndex::VolumeIndex() : tree_(std::make_unique<Tree>()) {}
VolumeIndex::~VolumeIndex() = default;
VolumeIndex::VolumeIndex(VolumeIndex&&) noexcept = default;
VolumeIndex& VolumeIndex::operator=(VolumeIndex&&) noexcept = default;

void VolumeIndex::insert(const PreparedVolume* v) { tree_->rtree.insert(Entry(bounds(*v), v)); }

bool VolumeIndex::remove(const PreparedVolume* v) {
  const Box4 box = bounds(*v);
  return tree_->rtree.remove(Entry(box, v)) > 0 || tree_->packed.remove(packed_box(box), v);
}

void VolumeIndex::assign(std::span<const PreparedVolume* const> volumes) {
  std::vector<PackedTree::Entry> entries;
  entries.reserve(volumes.size());
  for (const PreparedVolume* v : volumes) entries.emplace_back(packed_box(bounds(*v)), v);
  tree_->packed.assign(std::move(entries));
  tree_->rtree.clear();
}

size_t VolumeIndex::size() const { return tree_->packed.size() + tree_->rtree.size(); }

void VolumeIndex::candidates(const PreparedVolume& query, std::vector<const PreparedVolume*>& out) const {
  const Box4 box = bounds(query);
  tree_->packed.query(packed_box(box), [&out](const void* item) {
    const auto* v = static_cast<const PreparedVolume*>(item);
    prefetch_tested(*v);
    out.push_back(v);
  });
  if (tree_->rtree.empty()) return;
  // The visiting query: much cheaper than the R-tree's incremental iterator.
  tree_->rtree.query(bgi::intersects(box),
                     boost::make_function_output_iterator([&out](const Entry& e) { out.push_back(e.second); }));
}

std::vector<Match> VolumeIndex::query(const PreparedVolume& query, const Filter& keep, geo::Work& work,
                                      const Measured* measured) const {
  std::vector<const PreparedVolume*> found;
  found.reserve(16);  // most queries have a few candidates: one allocation, not one per doubling
  candidates(query, found);
  return brute_force(found, query, keep, work, measured);
}

std::vector<Match> VolumeIndex::query(const PreparedVolume& query, const Filter& keep) const {
  geo::Work unlimited;
  return this->query(query, keep, unlimited);
}

}  // namespace deconflict::index
