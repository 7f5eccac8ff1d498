// A static R-tree of 4D float boxes, packed once for fast queries.
//
//   PackedTree tree;
//   tree.assign(std::move(entries));                  // (box, item) pairs; the tree does not own items
//   tree.query(box, [](const void* item) { ... });    // each entry whose box meets `box`, and a few near it
//   tree.remove(box, item);                           // the entry is never found again
//
// Built top-down as Boost's packing builds its R-tree (each node's entries
// split at the median of the widest dimension of their centres, into up to
// 16 children of whole subtrees), but kept in one array of nodes, root
// first, each node holding its 16 children's boxes side by side (structure
// of arrays), quantized to 16 bits in the node's own box, so that a node is
// tested against the query in a few vector instructions and a descent reads
// a few contiguous cache lines per level (7 a leaf, 5 an inner node) rather
// than Boost's node objects scattered over the heap (in huge pages where the
// kernel offers them), level by level, each level's nodes asked for
// together (docs/performance.md has what each layout cost a query).
// Entries are not inserted after assign() (VolumeIndex keeps later ones in a
// Boost R-tree); a removed entry is blanked in place. Not thread-safe for
// writes; concurrent queries are safe.
#pragma once

#include <boost/container/small_vector.hpp>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "common/huge_page_allocator.hpp"
#include "common/prefetch.hpp"

namespace deconflict::index {

/// A box in the indexes' four coordinates (three of direction, one of time).
struct Box4f {
  float lo[4];
  float hi[4];
};

class PackedTree {
 public:
  using Entry = std::pair<Box4f, const void*>;
  static constexpr unsigned kFanout = 16;

  /// Replaces the content with these entries.
  void assign(std::vector<Entry> entries);
  /// Blanks the entry of `item`, whose box is `box` (as given to assign);
  /// false when it is not there.
  bool remove(const Box4f& box, const void* item);
  /// Entries held and not removed.
  size_t size() const { return live_; }

  /// Calls `emit(item)` for every entry whose box meets `box` (closed
  /// intervals), in no particular order, and for a few whose boxes come
  /// within a 65,533th of their leaf's extent of it (the boxes are kept
  /// quantized, below): a superset, each entry once. An entry whose box is
  /// empty in a dimension (lo > hi) or has a NaN meets nothing.
  template <typename Emit>
  void query(const Box4f& box, Emit&& emit) const {
    if (nodes_.empty()) return;
    // Level by level: every node of a level that the box meets is asked for
    // before any of them is read, so a descent waits for one miss a level.
    // A level of a small box's descent is a few nodes: held in place, where
    // growing vectors took several allocations a query.
    boost::container::small_vector<uint32_t, 32> level{0}, next;
    while (!level.empty()) {
      next.clear();
      for (const uint32_t i : level) {
        const Node& n = nodes_[i];
        for (uint32_t mask = meets(n, box); mask != 0; mask &= mask - 1) {
          const auto lane = static_cast<uint32_t>(__builtin_ctz(mask));
          if (n.leaf) {
            emit(n.items[lane]);
          } else {
            prefetch(nodes_[n.first + lane], (n.leaf_children >> lane) & 1u);
            next.push_back(n.first + lane);
          }
        }
      }
      level.swap(next);
    }
  }

 private:
  // The frame a node's children's boxes are quantized in: the node's own box
  // (the union of its children's), each coordinate mapped to 16 bits across
  // it by one monotonic function (steps()), applied alike to the children's
  // boxes when the tree is built and to a query's box when it is read. A
  // monotonic map keeps every order, so boxes that meet still meet once both
  // are mapped: a query finds all it must, and a few more whose boxes fall
  // within a step of it. A leaf is 7 cache lines rather than 12 in floats,
  // an inner node 5 (its items' lines are not asked for), and a descent
  // waits on about half the lines.
  struct alignas(16) Frame {
    float lo[4];     // the node's box
    float hi[4];     //
    float scale[4];  // steps a unit: kSteps / (hi - lo), or 0 for a flat or empty box
  };
  // Up to 16 children a node: its frame, then their boxes quantized in it,
  // one dimension a cache line (the lower bounds of the 16 lanes, then their
  // upper bounds); an unused or removed lane is an empty box (kEmptyLo,
  // kEmptyHi) that meets nothing. A leaf holds its items itself, in its last
  // two lines: read with its boxes, not after them.
  struct alignas(64) Node {
    Frame frame;
    uint32_t first = 0;  // an inner node's first child
    uint8_t count = 0;
    bool leaf = false;
    uint16_t leaf_children = 0;  // an inner node's children that are leaves, a bit each: what to ask for of them
    struct alignas(64) Lanes {
      int16_t lo[kFanout];
      int16_t hi[kFanout];
    } lanes[4];
    const void* items[kFanout] = {};  // a leaf's
  };
  // Each coordinate's step in a frame, in [kEmptyHi + 1, kEmptyLo - 1].
  struct Steps {
    int32_t s[4];
  };
  static constexpr int16_t kEmptyLo = 32767, kEmptyHi = -32768;
  static Frame frame_of(const Box4f& b);
  static Steps steps(const float (&x)[4], const Frame& f);
  static uint32_t meets(const Node& n, const Box4f& box);
  // Writes the box of child `j` into the node's lanes, in its frame (an
  // empty box, or one with a NaN, blanks the lane).
  static void set_lane(Node& n, unsigned j, const Box4f& b);
  static void blank_lane(Node& n, unsigned j);
  // Asks for the lines of a node that a descent reads: its frame and lanes,
  // and a leaf's items (the parent says whether it is one: the node's own
  // flag is on a line not yet come).
  static void prefetch(const Node& n, bool leaf) { prefetch_bytes(&n, leaf ? sizeof(Node) : offsetof(Node, items)); }
  void build(std::vector<Entry>& entries);

  // Tens of megabytes for a million entries, read at random: in huge pages.
  std::vector<Node, HugePageAllocator<Node>> nodes_;  // root first, each level after the one above
  size_t live_ = 0;
};

}  // namespace deconflict::index
