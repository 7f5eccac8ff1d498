// Record entries: their hash, their JSON form, and the streaming check of a
// chain of them. Pure functions and a value type; thread-compatible.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "deconflict/party.hpp"
#include "deconflict/record.hpp"
#include "deconflict/status.hpp"
#include "record/crypto.hpp"

namespace deconflict::record {

/// The `prev` of the first entry.
inline const std::string kGenesisPrev(64, '0');

/// The record's format, named by its record.start entry. Format 2 hashed who
/// may read an entry (its audience) and what it is about (its subject);
/// format 3 hashes a commitment to the audience (record/audience.hpp) in
/// place of the list of its parties, which told each reader the others.
inline constexpr int kRecordFormat = 3;

/// The canonical JSON of {action, audience, data, party, prev, seq, subject,
/// time}, which the entry's hash covers. `data` must already be canonical.
std::string hashed_text(const RecordEntry& e);
/// SHA-256 of hashed_text(e).
Digest entry_digest(const RecordEntry& e);

/// The entry as the canonical JSON text of its served form (the hashed members
/// and its hash and signature), `data` as it was hashed: what the record's
/// routes and `record export` give, byte for byte. A redacted entry shows only
/// hash, prev, seq and signature. The audience's secrets (audience_parties,
/// audience_seed) and a reader's audience_proof are served when the entry
/// holds them: the disclosure layer decides which it holds.
std::string entry_text(const RecordEntry& e);
/// The entry as a JSON value (within proofs); a redacted entry shows only seq,
/// prev, hash and signature.
nlohmann::json to_json(const RecordEntry& e);
/// An entry read back from its JSON form; data is made canonical again.
Result<RecordEntry> entry_from_json(const nlohmann::json& j);

/// True when `party` may read the entry without redaction by its audience
/// alone (the subject's visibility is the service's to judge). The server's
/// side: it reads audience_parties.
bool in_audience(const RecordEntry& e, const std::string& party);

/// The parties' keys as the record's party.key.add and party.key.revoke
/// entries register them, one entry at a time: what a verifier reads, and
/// what the service's gate (service/party_keys.hpp) keeps.
class PartyKeyBook {
 public:
  /// Takes in a key.add or key.revoke entry (`data` its parsed data); any
  /// other entry changes nothing.
  void take(const RecordEntry& e, const nlohmann::json& data);
  bool has_keys(const std::string& party) const;
  bool holds(const std::string& party, const std::string& key) const;
  /// The party's keys in force, by public key.
  std::vector<PartyKey> keys_of(const std::string& party) const;
  /// The party whose key in force this is, or nothing.
  std::optional<std::string> owner(const std::string& public_key) const;

 private:
  std::map<std::string, std::map<std::string, PartyKey>> keys_;  // party -> public key -> key
  std::map<std::string, std::string> owners_;                    // public key -> party
};

/// Why an entry of a party's act is not proved to be that party's, or
/// nothing: its signed request must be by a key of the party in force (as
/// `book` has it), valid for its body, and a request of this very act (its
/// method and path give the entry's action, and its subject where the path
/// names one). An act of a party without keys needs no signature. `read`, if
/// given, receives the signed request of an act it proves.
std::optional<std::string> act_unproved(const RecordEntry& e, const nlohmann::json& data, const PartyKeyBook& book,
                                        Statement* read = nullptr);

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
  /// After the last entry: the trusted key, if given, must be the one the
  /// chain starts with (named by record.start).
  std::optional<Broken> finish(const std::string& trusted_key) const;

  /// A party's own check: every key registered in `party`'s name must be one
  /// of `keys` (the public keys, hex, the party holds); add() names the first
  /// key.add entry of any other. The server registers a party's first key on
  /// its token alone, so this is how a party learns that someone else did.
  void expect_own_keys(std::string party, std::set<std::string> keys);

  int64_t size() const { return seq_; }
  int64_t redacted() const { return redacted_; }
  /// The parties' acts read, and those of them signed by the party.
  int64_t acts() const { return acts_; }
  int64_t signed_acts() const { return signed_acts_; }
  const std::string& head_hash() const { return hash_; }
  const std::string& key() const { return key_; }

 private:
  int64_t seq_ = 0, redacted_ = 0;
  std::string hash_ = kGenesisPrev;
  std::optional<Broken> check_act(const RecordEntry& e, const nlohmann::json& data);
  std::optional<Broken> check_own_key(const RecordEntry& e, const nlohmann::json& data) const;

  std::string key_, first_key_;
  TimePoint time_ = kTimeMin;  // of the last entry not redacted
  PartyKeyBook party_keys_;
  std::set<std::string> nonces_;  // "key nonce" of every signed act read
  int64_t acts_ = 0, signed_acts_ = 0;
  std::string own_party_;  // expect_own_keys: whose keys, and which
  std::set<std::string> own_keys_;
};

}  // namespace deconflict::record
