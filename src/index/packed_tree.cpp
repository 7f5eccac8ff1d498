#include "index/packed_tree.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace deconflict::index {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

struct Range {
  size_t begin, end;
};

// What the packing moves about: an entry's centre and its position in the
// entries given (20 bytes rather than the entry's 40).
struct Centre {
  float c[4];
  uint32_t entry;
};

Box4f empty_box() { return {{kInf, kInf, kInf, kInf}, {-kInf, -kInf, -kInf, -kInf}}; }

void widen(Box4f& b, const Box4f& by) {
  for (int d = 0; d < 4; ++d) {
    b.lo[d] = std::min(b.lo[d], by.lo[d]);
    b.hi[d] = std::max(b.hi[d], by.hi[d]);
  }
}

// The box of the centres in r.
Box4f centres_box(const std::vector<Centre>& e, Range r) {
  Box4f box = empty_box();
  for (size_t i = r.begin; i < r.end; ++i) {
    for (int d = 0; d < 4; ++d) {
      box.lo[d] = std::min(box.lo[d], e[i].c[d]);
      box.hi[d] = std::max(box.hi[d], e[i].c[d]);
    }
  }
  return box;
}

// Splits r into `k` runs of `chunk` entries (the last one shorter), each run
// the entries nearest each other along the widest dimension, halving as a
// k-d tree does; appends the runs in order. `box` holds r's centres: each
// half gets its side of it (as Boost's packing does, rather than measuring
// the half's centres again).
void split(std::vector<Centre>& e, Range r, Box4f box, size_t k, size_t chunk, std::vector<Range>& out) {
  if (k == 1) {
    out.push_back(r);
    return;
  }
  const size_t k1 = k / 2, mid = r.begin + k1 * chunk;
  int d = 0;
  for (int i = 1; i < 4; ++i) {
    if (box.hi[i] - box.lo[i] > box.hi[d] - box.lo[d]) d = i;
  }
  std::nth_element(e.begin() + static_cast<long>(r.begin), e.begin() + static_cast<long>(mid),
                   e.begin() + static_cast<long>(r.end),
                   [d](const Centre& a, const Centre& b) { return a.c[d] < b.c[d]; });
  Box4f low = box, high = box;
  low.hi[d] = high.lo[d] = e[mid].c[d];
  split(e, {r.begin, mid}, low, k1, chunk, out);
  split(e, {mid, r.end}, high, k - k1, chunk, out);
}

// The size of each child subtree of a node of `n` entries: a power of the
// fanout, so that all but the last child are full.
size_t chunk_of(size_t n) {
  size_t chunk = PackedTree::kFanout;
  while (chunk * PackedTree::kFanout < n) chunk *= PackedTree::kFanout;
  return chunk;
}

}  // namespace

void PackedTree::assign(std::vector<Entry> entries) {
  if (entries.size() >= std::numeric_limits<uint32_t>::max()) throw std::length_error("PackedTree: too many entries");
  nodes_.clear();
  live_ = entries.size();
  if (!entries.empty()) build(entries);
}

void PackedTree::build(std::vector<Entry>& entries) {
  std::vector<Centre> order(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const Box4f& b = entries[i].first;
    order[i].entry = static_cast<uint32_t>(i);
    for (int d = 0; d < 4; ++d) {
      const float c = (b.lo[d] + b.hi[d]) / 2;
      // A NaN would break the ordering nth_element needs; its box meets
      // nothing, wherever it is packed.
      order[i].c[d] = std::isnan(c) ? 0.0f : c;
    }
  }
  // Breadth first: each level's nodes are the runs its parents split into, so
  // a node's children are contiguous and come after it.
  std::vector<Range> ranges{{0, entries.size()}};
  ranges.reserve(entries.size() / (kFanout - 1) + kFanout);
  nodes_.reserve(ranges.capacity());
  for (size_t i = 0; i < ranges.size(); ++i) {
    const Range r = ranges[i];
    Node node;
    node.leaf = r.end - r.begin <= kFanout;
    if (node.leaf) {
      node.first = static_cast<uint32_t>(r.begin);  // for the boxes below; the items are copied then
      node.count = static_cast<uint8_t>(r.end - r.begin);
    } else {
      const size_t chunk = chunk_of(r.end - r.begin);
      node.first = static_cast<uint32_t>(ranges.size());
      split(order, r, centres_box(order, r), (r.end - r.begin + chunk - 1) / chunk, chunk, ranges);
      node.count = static_cast<uint8_t>(ranges.size() - node.first);
    }
    nodes_.push_back(node);
  }
  // Boxes bottom-up: children come after their parents.
  std::vector<Box4f> bounds(nodes_.size(), empty_box());
  for (size_t i = nodes_.size(); i-- > 0;) {
    Node& n = nodes_[i];
    for (unsigned j = 0; j < kFanout; ++j) {
      Box4f b = empty_box();
      if (j < n.count && n.leaf) {
        const Entry& e = entries[order[n.first + j].entry];
        b = e.first;
        n.items[j] = e.second;
      } else if (j < n.count) {
        b = bounds[n.first + j];
      }
      set_lane(n, j, b);
      widen(bounds[i], b);
    }
  }
}

bool PackedTree::remove(const Box4f& box, const void* item) {
  bool found = false;
  // The entry's own box meets only the nodes on the paths that may hold it.
  const auto visit = [&](auto&& self, Node& n) -> void {
    for (uint32_t mask = meets(n, box); mask != 0 && !found; mask &= mask - 1) {
      const unsigned j = static_cast<unsigned>(__builtin_ctz(mask));
      if (!n.leaf) {
        self(self, nodes_[n.first + j]);
      } else if (n.items[j] == item) {
        set_lane(n, j, empty_box());
        n.items[j] = nullptr;
        found = true;
      }
    }
  };
  if (!nodes_.empty()) visit(visit, nodes_[0]);
  if (found) --live_;
  return found;
}

void PackedTree::set_lane(Node& n, unsigned j, const Box4f& b) {
  for (int d = 0; d < 4; ++d) {
    n.lo[d][j] = b.lo[d];
    n.hi[d][j] = b.hi[d];
  }
}

uint32_t PackedTree::meets(const Node& n, const Box4f& box) {
  static_assert(kFanout % 4 == 0 && kFanout < 32, "lanes are tested four at a time, into a 32-bit mask");
  uint32_t mask = (1u << kFanout) - 1;
#if defined(__SSE2__)
  for (int d = 0; d < 4 && mask != 0; ++d) {
    const __m128 lo = _mm_set1_ps(box.lo[d]), hi = _mm_set1_ps(box.hi[d]);
    uint32_t m = 0;
    for (unsigned g = 0; g < kFanout; g += 4) {
      const __m128 ok =
          _mm_and_ps(_mm_cmple_ps(_mm_load_ps(&n.lo[d][g]), hi), _mm_cmpge_ps(_mm_load_ps(&n.hi[d][g]), lo));
      m |= static_cast<uint32_t>(_mm_movemask_ps(ok)) << g;
    }
    mask &= m;
  }
#else
  for (unsigned j = 0; j < kFanout; ++j) {
    bool ok = true;
    for (int d = 0; d < 4; ++d) ok = ok && n.lo[d][j] <= box.hi[d] && box.lo[d] <= n.hi[d][j];
    if (!ok) mask &= ~(1u << j);
  }
#endif
  return mask;
}

}  // namespace deconflict::index
