// The service's side of the record: the chain it extends (its head, its tree
// and the key that signs next) and the key of event ids derived from that key.
//
//   writer.start(std::move(key));          // on open
//   writer.note(batch, now, "russia", "activity.create", data, id, "russia");
//   store.write(batch); writer.accept(batch.record);   // only after the commit
//
// Every entry the service writes is made by note(); entries that other
// writers committed are taken in by follow(). Not thread-safe: the service's
// thread owns it.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "record/chain.hpp"
#include "record/crypto.hpp"
#include "store/store.hpp"

namespace deconflict {

/// The error of a stored record entry whose hash is not 64 hex digits.
Error damaged_record_hash(int64_t seq);

class RecordWriter {
 public:
  /// Begins (again) from an empty chain that `key` signs.
  void start(record::SigningKey key);
  /// Adds the entry of one step of a change to the batch, after the batch's
  /// last entry or the chain's head. Its time is `now`, or the time of the
  /// entry before it when that is later (a clock set back, another node's
  /// clock ahead): the record's times never go back (DESIGN §7).
  void note(store::WriteBatch& batch, TimePoint now, const std::string& party, const std::string& action,
            const nlohmann::ordered_json& data, std::string subject, std::string audience,
            std::string statement = {}) const;
  /// Takes this service's entries once they are committed.
  void accept(const std::vector<RecordEntry>& entries) {
    chain_->accept(entries);
    if (!entries.empty()) last_time_ = std::max(last_time_, entries.back().time);
  }
  /// Takes an entry another writer committed (or one loaded on open); an
  /// error for one whose hash is not a digest's hex (a damaged store).
  Status follow(const RecordEntry& e);
  /// Takes the hashes of the stored entries (on open, where only hashes are
  /// read), as Chain::append_hashes does.
  void append_hashes(std::vector<record::Digest> hashes, std::string_view last_hex, unsigned threads) {
    chain_->append_hashes(std::move(hashes), last_hex, threads);
  }
  /// The time of the chain's last entry (on open).
  void set_last_time(TimePoint t) { last_time_ = t; }
  void note_key(const RecordEntry& e) { chain_->note_key(e); }
  /// Signs with `key` from now on (a rotation).
  void use_key(record::SigningKey key);
  /// Signs with the key the chain names, loaded from `key_file`; an error
  /// when the file holds another key (another process rotated it).
  Status follow_key(const std::string& key_file);

  const record::Chain& chain() const { return *chain_; }
  int64_t size() const { return chain_->size(); }
  /// The opaque id under which `party` sees its event `seq`, and back.
  std::string seal_event(int64_t seq, const std::string& party) const { return event_ids_->seal(seq, party); }
  std::optional<int64_t> open_event(std::string_view id, const std::string& party) const {
    return event_ids_->open(id, party);
  }

 private:
  std::optional<record::Chain> chain_;
  std::optional<record::Sealer> event_ids_;  // derived from the signing key
  TimePoint last_time_ = kTimeMin;           // of the chain's last entry
};

}  // namespace deconflict
