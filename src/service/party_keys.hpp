// The parties' registered Ed25519 keys, and the gate every act of a party
// with keys passes: its signed request (RFC 9421, record/http_signature.hpp)
// must be by one of its keys, fresh and never seen before (DESIGN §7).
//
//   keys.take(entry);                          // each committed entry: key.add / key.revoke, nonces
//   Status ok = keys.admit("coalition", statement, wall_now_s);   // a request's statement, checked
//   Status st = keys.require("coalition", "notice.acknowledge", id); // in the act: signed if it must be
//   std::string text = keys.claim("coalition", "notice.acknowledge", id); // into the act's entry
//
// Keys come from the record alone (party.key.add and party.key.revoke
// entries), so every node, and every verifier, knows the same keys. Not
// thread-safe: the service's thread owns it.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "deconflict/party.hpp"
#include "deconflict/record.hpp"
#include "deconflict/status.hpp"
#include "record/entry.hpp"

namespace deconflict {

class PartyKeys {
 public:
  /// How far a signature's `created` may be from the server's clock, in
  /// seconds, and so how long a nonce is remembered.
  explicit PartyKeys(int64_t window_s = 300) : window_s_(window_s) {}

  /// Takes in a committed record entry (another node's, or loaded).
  void take(const RecordEntry& e);
  /// Takes in only the key an entry adds or revokes: for this service's own
  /// commits, whose nonces admit() remembered already (reading them again
  /// would parse every signed request, body and all, on the write path).
  void take_keys(const RecordEntry& e);
  /// Takes in only the nonce of a signed request kept on the record
  /// (RecordEntry::statement; the record's recent tail, read on open), and
  /// says when it was signed (Statement::created); none if it is not one.
  std::optional<int64_t> take_nonce(std::string_view statement);
  /// Forgets everything (before the record is loaded again).
  void clear();

  bool has_keys(const std::string& party) const { return book_.has_keys(party); }
  /// The party's keys in force, by public key.
  std::vector<PartyKey> keys_of(const std::string& party) const { return book_.keys_of(party); }
  /// The party whose key this is (in force), or nothing.
  std::optional<std::string> owner(const std::string& public_key) const { return book_.owner(public_key); }

  /// Checks a request of `party` as the statement of the act it makes: none
  /// when the party has no keys; else by one of its keys, created within the
  /// window of `now_s`, the nonce new (its signature and digest were checked
  /// by StatementChecker, which alone makes a VerifiedStatement).
  /// unauthorized naming why. What passes is held for the act's entry.
  Status admit(const std::string& party, std::optional<VerifiedStatement> checked, int64_t now_s);
  /// In an act of `party`: ok when the party has no keys, or the request it
  /// presented signs this act (`subject` may be empty for a create).
  Status require(const std::string& party, const std::string& action, const std::string& subject) const;
  /// The held statement's canonical JSON for the entry of this act (once), or
  /// empty when the act was not signed.
  std::string claim(const std::string& party, const std::string& action, const std::string& subject);

 private:
  bool signs(const std::string& party, const std::string& action, const std::string& subject) const;
  void remember(const Statement& s);

  int64_t window_s_;
  record::PartyKeyBook book_;
  std::set<std::string> nonces_;                            // "key nonce" seen within the window
  std::deque<std::pair<int64_t, std::string>> nonce_ages_;  // (created, "key nonce"), oldest first
  std::optional<VerifiedStatement> held_;
  std::string held_party_;
};

}  // namespace deconflict
