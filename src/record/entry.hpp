// Record entries: their hash, their JSON form, and the streaming check of a
// chain of them. Pure functions and a value type; thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "deconflict/record.hpp"
#include "deconflict/status.hpp"
#include "record/crypto.hpp"

namespace deconflict::record {

/// The `prev` of the first entry.
inline const std::string kGenesisPrev(64, '0');

/// SHA-256 of the canonical JSON of {action, data, party, prev, seq, time}.
/// `data` must already be canonical.
Digest entry_digest(const RecordEntry& e);

/// The entry as JSON (data as a JSON value); a redacted entry shows only seq,
/// prev, hash and signature.
nlohmann::json to_json(const RecordEntry& e);
/// An entry read back from its JSON form; data is made canonical again.
Result<RecordEntry> entry_from_json(const nlohmann::json& j);

/// True when `party` may read the entry without redaction by its audience
/// alone (the subject's visibility is the service's to judge).
bool in_audience(const RecordEntry& e, const std::string& party);

/// Where and why a record fails to verify.
struct Broken {
  int64_t seq;
  std::string why;
};

/// Checks a record one entry at a time, oldest first: sequence numbers without
/// gaps, each `prev` the hash before it, each hash the hash of the entry's
/// content (not for redacted entries), each signature by the record's key of
/// the time, and times that never go back (among the entries not redacted,
/// whose times are all a reader sees). The first entry must be
/// `record.start`, which names the first key; `key.rotate` entries, signed by
/// the old key, name the next.
class ChainVerifier {
 public:
  std::optional<Broken> add(const RecordEntry& e);
  /// After the last entry: the trusted key must be one the chain was signed with.
  std::optional<Broken> finish(const std::string& trusted_key) const;

  int64_t size() const { return seq_; }
  int64_t redacted() const { return redacted_; }
  const std::string& head_hash() const { return hash_; }
  const std::string& key() const { return key_; }

 private:
  int64_t seq_ = 0, redacted_ = 0;
  std::string hash_ = kGenesisPrev;
  std::string key_;
  std::set<std::string> keys_;
  TimePoint time_ = kTimeMin;  // of the last entry not redacted
};

}  // namespace deconflict::record
