// A static R-tree of 4D float boxes, packed once for fast queries.
//
//   PackedTree tree;
//   tree.assign(std::move(entries));                  // (box, item) pairs; the tree does not own items
//   tree.query(box, [](const void* item) { ... });    // each entry whose box meets `box`
//   tree.remove(box, item);                           // the entry is never found again
//
// Built top-down as Boost's packing builds its R-tree (each node's entries
// split at the median of the widest dimension of their centres, into up to
// 16 children of whole subtrees), but kept in one array of nodes, root
// first, each node holding its 16 children's boxes side by side (structure
// of arrays), so that a node is tested against the query in a few vector
// instructions and a descent reads a few contiguous cache lines per level
// rather than Boost's node objects scattered over the heap (in huge pages
// where the kernel offers them), level by level, each level's nodes asked
// for together. On the world workload's million volumes, a cold query's
// candidates cost 1.2-1.5 us against Boost's 2.3-2.8 us (docs/performance.md). Entries are not inserted after assign()
// (VolumeIndex keeps later ones in a Boost R-tree); a removed entry is
// blanked in place. Not thread-safe for writes; concurrent queries are safe.
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
  /// intervals), in no particular order.
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
            prefetch(nodes_[n.first + lane]);
            next.push_back(n.first + lane);
          }
        }
      }
      level.swap(next);
    }
  }

 private:
  // Up to 16 children a node: their boxes, one array per bound and
  // coordinate; an unused or removed lane is an empty box (+inf, -inf) that
  // meets nothing. A leaf holds its items itself: read with its boxes, not
  // after them.
  struct alignas(64) Node {
    float lo[4][kFanout];
    float hi[4][kFanout];
    const void* items[kFanout] = {};  // a leaf's
    uint32_t first = 0;               // an inner node's first child
    uint8_t count = 0;
    bool leaf = false;
  };
  static uint32_t meets(const Node& n, const Box4f& box);
  // Writes the box of child `j` into the node's arrays (an empty box blanks it).
  static void set_lane(Node& n, unsigned j, const Box4f& b);
  // Asks for a node's lines before its turn, so that the misses of the
  // nodes of a level overlap.
  static void prefetch(const Node& n) { prefetch_object(n); }
  void build(std::vector<Entry>& entries);

  // Tens of megabytes for a million entries, read at random: in huge pages.
  std::vector<Node, HugePageAllocator<Node>> nodes_;  // root first, each level after the one above
  size_t live_ = 0;
};

}  // namespace deconflict::index
