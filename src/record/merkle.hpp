// The Merkle tree of RFC 9162 (Certificate Transparency 2.0) over the record's
// entry hashes: a party that kept the root of the record at one size can check
// that today's record extends it (a consistency proof), and that an entry is
// in it (an inclusion proof), with O(log n) hashes and no trust in the server.
//
//   MerkleTree tree;
//   for (const Digest& h : entry_hashes) tree.append(h);
//   auto path = tree.inclusion(5, tree.size());
//   verify_inclusion(leaf_hash(entry_hashes[5]), 5, tree.size(), path, tree.root(tree.size()));
//
// Leaves are SHA-256(0x00 || entry hash); nodes SHA-256(0x01 || left || right).
// Appends keep every complete subtree, so roots and proofs of any size cost
// O(log^2 n) hashes. Not thread-safe for appends; reads are safe.
#pragma once

#include <cstddef>
#include <vector>

#include "record/crypto.hpp"

namespace deconflict::record {

Digest leaf_hash(const Digest& entry_hash);

class MerkleTree {
 public:
  void append(const Digest& entry_hash) { append_leaf(leaf_hash(entry_hash)); }
  /// Appends a leaf by its RFC 9162 leaf hash (SHA-256(0x00 || leaf input)),
  /// whatever its input was: the published vectors' leaves are any bytes.
  void append_leaf(const Digest& leaf);
  /// Appends every entry hash at once, as many append() calls would, the
  /// hashing spread over `threads` threads (opening a record of a million
  /// entries: three SHA-256 blocks an entry). `entry_hashes` becomes the
  /// leaves' level, so a million entries take no second copy.
  void append_all(std::vector<Digest> entry_hashes, unsigned threads);
  size_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }

  /// The root of the first n leaves (RFC 9162 MTH); SHA-256("") for n = 0. n <= size().
  Digest root(size_t n) const;
  /// The audit path of leaf `index` in the tree of the first n leaves. index < n <= size().
  std::vector<Digest> inclusion(size_t index, size_t n) const;
  /// The proof that the tree of m leaves is a prefix of the tree of n. 0 < m <= n <= size().
  std::vector<Digest> consistency(size_t m, size_t n) const;

 private:
  Digest subtree(size_t start, size_t len) const;
  void path(size_t m, size_t start, size_t n, std::vector<Digest>& out) const;
  void subproof(size_t m, size_t start, size_t n, bool whole, std::vector<Digest>& out) const;

  std::vector<std::vector<Digest>> levels_;  // levels_[k][i]: the complete subtree of leaves [i 2^k, (i+1) 2^k)
};

/// RFC 9162 §2.1.3.2: is `leaf` at `index` in the tree of `size` leaves with this root?
bool verify_inclusion(const Digest& leaf, size_t index, size_t size, const std::vector<Digest>& path,
                      const Digest& root);
/// RFC 9162 §2.1.4.2: is the tree of `first` leaves with `first_root` a prefix of the one of `second`?
bool verify_consistency(size_t first, size_t second, const Digest& first_root, const Digest& second_root,
                        const std::vector<Digest>& proof);

}  // namespace deconflict::record
