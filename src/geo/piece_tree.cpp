// The piece tree of a shape: a hierarchy of bounding caps over its pieces,
// split top-down at the median along the axis where the pieces' centres
// spread most, whatever order the input gave them in. Searches between two
// large shapes (crossings, distances, a ring's self-crossings) visit pairs of
// nodes whose caps can matter and only then pairs of pieces, so their cost
// follows how close the shapes come rather than the product of their sizes.
#include <algorithm>
#include <numeric>

#include "geo/shape.hpp"

namespace deconflict::geo {
namespace {

// A cap around the pieces order[first, first + count): centred on the mean
// of their caps' centres, wide enough for the farthest cap, with a little
// slack for rounding.
Cap enclosing_pieces(const std::vector<Edge>& edges, const std::vector<uint32_t>& order, uint32_t first,
                     uint32_t count) {
  Vec3 sum{};
  for (uint32_t k = first; k < first + count; ++k) sum = sum + edges[order[k]].cap.center;
  Cap cap{norm(sum) > 1e-9 ? normalized(sum) : edges[order[first]].cap.center, 0};
  for (uint32_t k = first; k < first + count; ++k) {
    const Cap& c = edges[order[k]].cap;
    cap.radius_rad = std::max(cap.radius_rad, angle_between(cap.center, c.center) + c.radius_rad);
  }
  cap.radius_rad += 1e-12;
  return cap;
}

double coordinate(Vec3 v, int axis) { return axis == 0 ? v.x : axis == 1 ? v.y : v.z; }

}  // namespace

void Shape::build_tree() {
  nodes_.clear();
  order_.clear();
  if (edges_.size() <= kLeafPieces) return;
  order_.resize(edges_.size());
  std::iota(order_.begin(), order_.end(), 0u);
  nodes_.reserve(2 * edges_.size() / kLeafPieces + 1);
  build_node(0, static_cast<uint32_t>(edges_.size()));
}

uint32_t Shape::build_node(uint32_t first, uint32_t count) {
  const auto number = static_cast<uint32_t>(nodes_.size());
  const Cap cap = enclosing_pieces(edges_, order_, first, count);
  nodes_.push_back({CapTrig(cap), least_surface_radius_m(cap.center, cap.radius_rad), first, count, 0, 0});
  if (count <= kLeafPieces) return number;
  Vec3 lo{2, 2, 2}, hi{-2, -2, -2};
  for (uint32_t k = first; k < first + count; ++k) {
    const Vec3 c = edges_[order_[k]].cap.center;
    lo = {std::min(lo.x, c.x), std::min(lo.y, c.y), std::min(lo.z, c.z)};
    hi = {std::max(hi.x, c.x), std::max(hi.y, c.y), std::max(hi.z, c.z)};
  }
  const Vec3 spread = hi - lo;
  const int axis = spread.x >= spread.y && spread.x >= spread.z ? 0 : spread.y >= spread.z ? 1 : 2;
  const uint32_t half = count / 2;
  std::nth_element(order_.begin() + first, order_.begin() + first + half, order_.begin() + first + count,
                   [&](uint32_t i, uint32_t j) {
                     return coordinate(edges_[i].cap.center, axis) < coordinate(edges_[j].cap.center, axis);
                   });
  const uint32_t left = build_node(first, half);
  const uint32_t right = build_node(first + half, count - half);
  nodes_[number].left = left;
  nodes_[number].right = right;
  return number;
}

bool split_first(const PieceNode& na, const PieceNode& nb) {
  return nb.leaf() || (!na.leaf() && na.cap.radius_rad >= nb.cap.radius_rad);
}

namespace {

// The walk of any_meeting_pair: of two shapes, or (self) of one shape's
// pieces among themselves.
bool walk(const Shape& a, const Shape& b, bool self, Work& work, const std::function<bool(uint32_t, uint32_t)>& f) {
  if (a.edges().empty() || b.edges().empty()) return false;
  struct Pair {
    uint32_t i, j;  // a node of a, a node of b; with self and i == j, the pairs within one node
  };
  thread_local std::vector<Pair> stack;
  stack.assign(1, {0, 0});
  while (!stack.empty()) {
    const Pair p = stack.back();
    stack.pop_back();
    if (!work.spend(1)) return false;
    const PieceNode na = a.node(p.i), nb = b.node(p.j);
    const bool within = self && p.i == p.j;
    if (within && !na.leaf()) {
      stack.push_back({na.left, na.left});
      stack.push_back({na.right, na.right});
      stack.push_back({na.left, na.right});
      continue;
    }
    if (!within && !na.cap.may_meet(nb.cap)) continue;
    if (!na.leaf() || !nb.leaf()) {
      if (split_first(na, nb)) {
        stack.push_back({na.left, p.j});
        stack.push_back({na.right, p.j});
      } else {
        stack.push_back({p.i, nb.left});
        stack.push_back({p.i, nb.right});
      }
      continue;
    }
    for (uint32_t k = 0; k < na.count; ++k) {
      const uint32_t i = a.piece_at(na.first + k);
      const Cap& cap_i = a.edges()[i].cap;
      if (!work.spend(nb.count)) return false;
      for (uint32_t l = within ? k + 1 : 0; l < nb.count; ++l) {
        const uint32_t j = b.piece_at(nb.first + l);
        if (!cap_i.may_meet(b.edges()[j].cap)) continue;
        if (self ? f(std::min(i, j), std::max(i, j)) : f(i, j)) return true;
      }
    }
  }
  return false;
}

}  // namespace

bool any_meeting_pair(const Shape& a, const Shape& b, Work& work, const std::function<bool(uint32_t, uint32_t)>& f) {
  return walk(a, b, false, work, f);
}

bool any_meeting_pair(const Shape& s, Work& work, const std::function<bool(uint32_t, uint32_t)>& f) {
  return walk(s, s, true, work, f);
}

}  // namespace deconflict::geo
