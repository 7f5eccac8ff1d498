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

// The steps of a node's frame: kSteps + 1 values, mapped to
// [kEmptyHi + 1, kEmptyLo - 1], so that an empty lane (kEmptyLo, kEmptyHi)
// meets no box.
constexpr float kSteps = 65533;
constexpr int32_t kFirstStep = -32767;

// The size of each child subtree of a node of `n` entries: a power of the
// fanout, so that all but the last child are full.
size_t chunk_of(size_t n) {
  size_t chunk = PackedTree::kFanout;
  while (chunk * PackedTree::kFanout < n) chunk *= PackedTree::kFanout;
  return chunk;
}

}  // namespace

PackedTree::Frame PackedTree::frame_of(const Box4f& b) {
  Frame f{};
  for (int d = 0; d < 4; ++d) {
    f.lo[d] = b.lo[d];
    f.hi[d] = b.hi[d];
    const float width = b.hi[d] - b.lo[d];
    const float scale = kSteps / width;
    // A flat, empty or unbounded frame maps all its dimension to one step.
    f.scale[d] = width > 0 && std::isfinite(scale) ? scale : 0.0f;
  }
  return f;
}

// Each coordinate's step in the frame: clamped to the frame, measured from
// its lower end and scaled (each operation rounded to nearest), clamped to
// the steps (a flat frame's NaN, infinity times zero, to the first),
// truncated. Every operation is monotonic, so the map is: a <= b gives
// steps(a) <= steps(b). The tree's boxes and a query's are mapped by this one
// function; a change that makes it not monotonic for one side (rounded
// otherwise, a clamp dropped) loses entries, and
// PackedTree.BoxesThatTouchAreFoundInEveryFrame fails. `x` holds no NaN.
PackedTree::Steps PackedTree::steps(const float (&x)[4], const Frame& f) {
  Steps out;
#if defined(__SSE2__)
  const __m128 lo = _mm_load_ps(f.lo);
  const __m128 inside = _mm_min_ps(_mm_max_ps(_mm_loadu_ps(x), lo), _mm_load_ps(f.hi));
  const __m128 t = _mm_mul_ps(_mm_sub_ps(inside, lo), _mm_load_ps(f.scale));
  // _mm_max_ps gives its second operand when the first is a NaN.
  const __m128 clamped = _mm_min_ps(_mm_max_ps(t, _mm_setzero_ps()), _mm_set1_ps(kSteps));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out.s),
                   _mm_add_epi32(_mm_cvttps_epi32(clamped), _mm_set1_epi32(kFirstStep)));
#else
  for (int d = 0; d < 4; ++d) {
    const float t = (std::min(std::max(x[d], f.lo[d]), f.hi[d]) - f.lo[d]) * f.scale[d];
    out.s[d] = static_cast<int32_t>(std::isnan(t) ? 0.0f : std::min(std::max(t, 0.0f), kSteps)) + kFirstStep;
  }
#endif
  return out;
}

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
  // Boxes bottom-up: children come after their parents. A node's frame is
  // the union of its children's boxes, which are then quantized in it.
  std::vector<Box4f> bounds(nodes_.size(), empty_box());
  for (size_t i = nodes_.size(); i-- > 0;) {
    Node& n = nodes_[i];
    const auto child_box = [&](unsigned j) -> const Box4f& {
      return n.leaf ? entries[order[n.first + j].entry].first : bounds[n.first + j];
    };
    for (unsigned j = 0; j < n.count; ++j) widen(bounds[i], child_box(j));
    n.frame = frame_of(bounds[i]);
    for (unsigned j = 0; j < kFanout; ++j) {
      if (j >= n.count) {
        blank_lane(n, j);
        continue;
      }
      set_lane(n, j, child_box(j));
      if (n.leaf) {
        n.items[j] = entries[order[n.first + j].entry].second;
      } else if (nodes_[n.first + j].leaf) {
        n.leaf_children = static_cast<uint16_t>(n.leaf_children | (1u << j));
      }
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
        blank_lane(n, j);
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
    if (!(b.lo[d] <= b.hi[d])) return blank_lane(n, j);  // empty, or a NaN
  }
  const Steps lo = steps(b.lo, n.frame), hi = steps(b.hi, n.frame);
  for (int d = 0; d < 4; ++d) {
    n.lanes[d].lo[j] = static_cast<int16_t>(lo.s[d]);
    n.lanes[d].hi[j] = static_cast<int16_t>(hi.s[d]);
  }
}

void PackedTree::blank_lane(Node& n, unsigned j) {
  for (auto& lanes : n.lanes) {
    lanes.lo[j] = kEmptyLo;
    lanes.hi[j] = kEmptyHi;
  }
  n.items[j] = nullptr;
}

uint32_t PackedTree::meets(const Node& n, const Box4f& box) {
  static_assert(kFanout == 16, "lanes are tested sixteen at a time, into a 16-bit mask");
  // Outside the node's frame (or with a NaN), the box meets none of its
  // children; inside, it is quantized as they are.
#if defined(__SSE2__)
  const __m128 inside = _mm_and_ps(_mm_cmple_ps(_mm_loadu_ps(box.lo), _mm_load_ps(n.frame.hi)),
                                   _mm_cmple_ps(_mm_load_ps(n.frame.lo), _mm_loadu_ps(box.hi)));
  if (_mm_movemask_ps(inside) != 0xF) return 0;
#else
  for (int d = 0; d < 4; ++d) {
    if (!(box.lo[d] <= n.frame.hi[d] && n.frame.lo[d] <= box.hi[d])) return 0;
  }
#endif
  const Steps lo = steps(box.lo, n.frame), hi = steps(box.hi, n.frame);
  uint32_t mask = (1u << kFanout) - 1;
  for (int d = 0; d < 4 && mask != 0; ++d) {
    const Node::Lanes& lanes = n.lanes[d];
#if defined(__SSE2__)
    // A lane misses when its lower bound is above the box's upper one, or
    // its upper bound below the box's lower one.
    const __m128i box_lo = _mm_set1_epi16(static_cast<int16_t>(lo.s[d]));
    const __m128i box_hi = _mm_set1_epi16(static_cast<int16_t>(hi.s[d]));
    const auto* l = reinterpret_cast<const __m128i*>(lanes.lo);
    const auto* h = reinterpret_cast<const __m128i*>(lanes.hi);
    const __m128i miss0 =
        _mm_or_si128(_mm_cmpgt_epi16(_mm_load_si128(l), box_hi), _mm_cmplt_epi16(_mm_load_si128(h), box_lo));
    const __m128i miss1 =
        _mm_or_si128(_mm_cmpgt_epi16(_mm_load_si128(l + 1), box_hi), _mm_cmplt_epi16(_mm_load_si128(h + 1), box_lo));
    mask &= ~static_cast<uint32_t>(_mm_movemask_epi8(_mm_packs_epi16(miss0, miss1)));
#else
    for (unsigned j = 0; j < kFanout; ++j) {
      if (lanes.lo[j] > hi.s[d] || lanes.hi[j] < lo.s[d]) mask &= ~(1u << j);
    }
#endif
  }
  return mask;
}

}  // namespace deconflict::index
