// The writer's side of the record: the head of the chain, the signing key, the
// keys of earlier times and the Merkle tree over every entry.
//
//   Chain chain(std::move(key));
//   RecordEntry e = chain.next(nullptr, now, "russia", "activity.create", data, id, "russia");
//   store.write(...e...);          // in the same transaction as the change
//   chain.accept({e});             // only after the commit
//
// Not thread-safe; the service owns one.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "deconflict/record.hpp"
#include "record/crypto.hpp"
#include "record/merkle.hpp"

namespace deconflict::record {

class Chain {
 public:
  explicit Chain(SigningKey key) : key_(std::move(key)) {}

  /// The signed entry that follows `after` (an entry of the same, uncommitted
  /// batch) or, when null, the head of the chain. `data` must hold finite
  /// numbers; `audience` is "*" or the ids of the parties who may read it,
  /// separated by spaces, to which the entry commits (record/audience.hpp);
  /// `statement` is the party's signed request (statement_json) or empty.
  RecordEntry next(const RecordEntry* after, TimePoint time, std::string party, std::string action,
                   const nlohmann::ordered_json& data, std::string subject, std::string audience,
                   std::string statement = {}) const;
  /// Takes entries once committed: the head and the tree move on; a
  /// key.rotate entry makes its key the one that signs from then on.
  void accept(const std::vector<RecordEntry>& entries);
  /// Loading a stored record: every entry's hash in order, and the entries
  /// that name keys (record.start, key.rotate). False, and nothing taken,
  /// for a hash that is not 64 hex digits (a damaged store).
  [[nodiscard]] bool append_hash(std::string_view hash_hex);
  /// Loading a whole stored record at once: every entry's hash (decoded),
  /// in order, the last one as stored in hex; the tree is built on
  /// `threads` threads.
  void append_hashes(std::vector<Digest> hashes, std::string_view last_hex, unsigned threads);
  void note_key(const RecordEntry& e);
  /// The key the chain says signs the next entry (the key file must hold it).
  const std::string& current_key() const;
  /// Switches to the key a committed key.rotate entry named.
  void use_key(SigningKey key) { key_ = std::move(key); }

  int64_t size() const { return static_cast<int64_t>(tree_.size()); }
  const std::string& head_hash() const { return head_hash_; }
  const SigningKey& key() const { return key_; }
  /// The public key that signed entry `seq`.
  const std::string& signer_of(int64_t seq) const;
  const MerkleTree& tree() const { return tree_; }

  /// The tree head of the first `size` entries, signed now by the current key;
  /// `time` is the time of entry `size`.
  TreeHead head(int64_t size, TimePoint time) const;

 private:
  SigningKey key_;
  std::string head_hash_ = std::string(64, '0');
  std::map<int64_t, std::string> keys_from_;  // seq -> the key that signs from that seq on
  MerkleTree tree_;
};

/// The canonical JSON a tree head's signature covers.
std::string head_message(const TreeHead& h);
/// True when the head's signature is by head.key.
bool head_signed(const TreeHead& h);

}  // namespace deconflict::record
