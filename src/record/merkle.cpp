#include "record/merkle.hpp"

#include <algorithm>
#include <bit>
#include <thread>

namespace deconflict::record {
namespace {

constexpr unsigned char kLeaf = 0x00, kNode = 0x01;

Digest node(const Digest& left, const Digest& right) { return sha256(kNode, left, &right); }

// The largest power of two smaller than n (n >= 2).
size_t split_point(size_t n) { return std::bit_floor(n - 1); }

// Calls f(i) for every i < n, on up to `threads` threads (inline for few).
template <typename F>
void for_each_index(size_t n, unsigned threads, const F& f) {
  constexpr size_t kWorthAThread = 16384;  // hashes: about 10 ms of work
  const size_t parts = std::clamp<size_t>(n / kWorthAThread, 1, std::max(1u, threads));
  const auto run = [&](size_t part) {
    for (size_t i = n * part / parts; i < n * (part + 1) / parts; ++i) f(i);
  };
  std::vector<std::jthread> helpers;
  for (size_t part = 1; part < parts; ++part) helpers.emplace_back(run, part);
  run(0);
}

}  // namespace

Digest leaf_hash(const Digest& entry_hash) { return sha256(kLeaf, entry_hash); }

void MerkleTree::append_leaf(const Digest& leaf) {
  Digest carry = leaf;
  for (size_t k = 0;; ++k) {
    if (levels_.size() == k) levels_.emplace_back();
    levels_[k].push_back(carry);
    if (levels_[k].size() % 2 != 0) return;
    carry = node(levels_[k][levels_[k].size() - 2], levels_[k].back());
  }
}

void MerkleTree::append_all(std::vector<Digest> entry_hashes, unsigned threads) {
  if (!levels_.empty()) {  // appending to a tree: one at a time (the levels' carries)
    for (const Digest& h : entry_hashes) append(h);
    return;
  }
  if (entry_hashes.empty()) return;
  // Level by level, each complete subtree as append_leaf() would make it:
  // level k holds floor(n / 2^k) nodes.
  for_each_index(entry_hashes.size(), threads, [&](size_t i) { entry_hashes[i] = leaf_hash(entry_hashes[i]); });
  levels_.push_back(std::move(entry_hashes));
  while (levels_.back().size() >= 2) {
    const std::vector<Digest>& below = levels_.back();
    std::vector<Digest> above(below.size() / 2);
    for_each_index(above.size(), threads, [&](size_t i) { above[i] = node(below[2 * i], below[2 * i + 1]); });
    levels_.push_back(std::move(above));
  }
}

Digest MerkleTree::subtree(size_t start, size_t len) const {
  if (std::has_single_bit(len) && start % len == 0) {
    return levels_[std::countr_zero(len)][start / len];
  }
  const size_t k = split_point(len);
  return node(subtree(start, k), subtree(start + k, len - k));
}

Digest MerkleTree::root(size_t n) const { return n == 0 ? sha256("") : subtree(0, n); }

void MerkleTree::path(size_t m, size_t start, size_t n, std::vector<Digest>& out) const {
  if (n == 1) return;
  const size_t k = split_point(n);
  if (m < k) {
    path(m, start, k, out);
    out.push_back(subtree(start + k, n - k));
  } else {
    path(m - k, start + k, n - k, out);
    out.push_back(subtree(start, k));
  }
}

std::vector<Digest> MerkleTree::inclusion(size_t index, size_t n) const {
  std::vector<Digest> out;
  path(index, 0, n, out);
  return out;
}

void MerkleTree::subproof(size_t m, size_t start, size_t n, bool whole, std::vector<Digest>& out) const {
  if (m == n) {
    if (!whole) out.push_back(subtree(start, n));
    return;
  }
  const size_t k = split_point(n);
  if (m <= k) {
    subproof(m, start, k, whole, out);
    out.push_back(subtree(start + k, n - k));
  } else {
    subproof(m - k, start + k, n - k, false, out);
    out.push_back(subtree(start, k));
  }
}

std::vector<Digest> MerkleTree::consistency(size_t m, size_t n) const {
  std::vector<Digest> out;
  if (m < n) subproof(m, 0, n, true, out);
  return out;
}

bool verify_inclusion(const Digest& leaf, size_t index, size_t size, const std::vector<Digest>& path,
                      const Digest& root) {
  if (index >= size) return false;
  size_t fn = index, sn = size - 1;
  Digest r = leaf;
  for (const Digest& p : path) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = node(p, r);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = node(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool verify_consistency(size_t first, size_t second, const Digest& first_root, const Digest& second_root,
                        const std::vector<Digest>& proof) {
  if (first == 0 || first > second) return false;
  if (first == second) return proof.empty() && first_root == second_root;
  std::vector<Digest> c = proof;
  if (std::has_single_bit(first)) c.insert(c.begin(), first_root);
  if (c.empty()) return false;
  size_t fn = first - 1, sn = second - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Digest fr = c[0], sr = c[0];
  for (size_t i = 1; i < c.size(); ++i) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = node(c[i], fr);
      sr = node(c[i], sr);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = node(sr, c[i]);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == first_root && sr == second_root && sn == 0;
}

}  // namespace deconflict::record
