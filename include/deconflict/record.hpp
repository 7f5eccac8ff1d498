// The record (DESIGN §7): the append-only, hash-chained, signed log of every
// change and every message on the line, and the proofs a party can check
// offline. docs/record.md explains how to verify it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "deconflict/status.hpp"
#include "deconflict/units.hpp"

namespace deconflict {

/// A party's act as it signed it: an HTTP request signed with RFC 9421 HTTP
/// Message Signatures (Ed25519) over its method, its target URI and its
/// RFC 9530 Content-Digest, with a creation time and a nonce. The record keeps
/// it in the entry of the act, so that anyone can check that the party, and
/// not the server, said it (docs/record.md).
struct Statement {
  std::string key;               // hex Ed25519 public key of one of the party's registered keys (the keyid)
  std::string method;            // "@method": POST, PUT, DELETE
  std::string target_uri;        // "@target-uri": the request's absolute URI
  std::string content_digest;    // the Content-Digest field: sha-256=:BASE64:
  std::string signature_params;  // "@signature-params": the covered components and parameters as signed
  std::string signature;         // base64 of the 64-byte Ed25519 signature
  std::string body;              // the request's body as sent
  int64_t created = 0;           // the signer's Unix time, in seconds
  std::string nonce;             // unique per key: a replay is refused and named
};

/// A statement whose digest and signature the library has checked, which
/// only the library makes (verify_statement): a front end may check a
/// request's signature off the service's thread and present the result,
/// and cannot present one the library did not check.
class VerifiedStatement {
 public:
  const Statement& statement() const { return s_; }
  /// Its canonical JSON (RFC 8785), as the act's record entry keeps it: made
  /// with the check, off the service's thread.
  const std::string& text() const { return text_; }

 private:
  VerifiedStatement(Statement s, std::string text) : s_(std::move(s)), text_(std::move(text)) {}
  friend struct StatementChecker;
  Statement s_;
  std::string text_;
};

/// Checks a statement's Content-Digest against its body and its Ed25519
/// signature (the costly part of a signed act, about 50 us): unauthorized,
/// naming why, or the statement as checked. Pure and thread-safe: whether
/// the key is the party's, fresh and unused is decided when it is presented.
struct StatementChecker {
  static Result<VerifiedStatement> check(Statement s);
};

/// A party's opening of an entry's audience commitment (src/record/audience.hpp):
/// that it may read the entry, without who else may.
struct AudienceProof {
  std::string party;
  std::string salt;                      // hex, this party's salt in this entry
  std::vector<std::string> commitments;  // hex, sorted: the array the audience hashes
  bool empty() const { return party.empty(); }
};

/// One entry. Its hash is SHA-256 of the RFC 8785 canonical JSON of
/// {action, audience, data, party, prev, seq, subject, time} (and statement,
/// when the act was signed by its party); its signature is
/// the Ed25519 signature of those 32 bytes by the record's key at the time.
struct RecordEntry {
  int64_t seq = 0;        // 1, 2, ...
  TimePoint time;         // the service's clock when the change was committed
  std::string party;      // who acted
  std::string action;     // "activity.create", "notice.send", "notice.acknowledge", ... (docs/record.md)
  std::string data;       // the canonical JSON of the change
  std::string statement;  // the canonical JSON of the party's signed request (Statement), or empty
  std::string prev;       // hex hash of the previous entry; 64 zeros before the first
  std::string hash;       // hex
  std::string signature;  // hex
  bool redacted = false;  // only seq, prev, hash and signature are given

  // Who may read the entry, hashed with it.
  std::string subject;   // the object, notice or message it is about
  std::string audience;  // "*" for everyone, else the hex commitment to its parties
  // The commitment's secrets, never in a party's view: the parties (ids
  // separated by spaces, or "*") and the hex seed of their salts.
  std::string audience_parties, audience_seed;
  // In the view of a party of the audience: its opening of the commitment.
  AudienceProof audience_proof;
};

/// A signed statement of the record's Merkle root at one size (RFC 9162 §4.10).
/// The signature covers the canonical JSON of {key, root, size, time}.
struct TreeHead {
  int64_t size = 0;
  std::string root;       // hex
  TimePoint time;         // the time of entry `size`
  std::string key;        // hex Ed25519 public key that signed it
  std::string signature;  // hex
};

/// That one entry is in the record of `head.size` entries.
struct InclusionProof {
  RecordEntry entry;              // redacted when the caller may not read it
  std::string signer;             // the public key that signed the entry
  std::vector<std::string> path;  // hex, RFC 9162 §2.1.3
  TreeHead head;
};

/// That the record of `from.size` entries is a prefix of the one of `to.size`.
struct ConsistencyProof {
  TreeHead from, to;
  std::vector<std::string> path;  // hex, RFC 9162 §2.1.4
};

/// A notice sent and answered: its entries, each included in one signed head.
struct NoticeProof {
  std::string notice;
  std::vector<InclusionProof> entries;  // oldest first; all under the same head
  /// The key entries (party.key.add, party.key.revoke) of the notice's two
  /// parties under the same head, oldest first: what a verifier checks the
  /// answer's signature against.
  std::vector<InclusionProof> keys;
  /// The C2SP checkpoint of the head's size (signed notes, with their
  /// cosignatures) and, when the two parties last cosigned different sizes
  /// that hold every entry, the checkpoint of the larger size with the
  /// RFC 9162 consistency proof from the first to it: then each party vouches
  /// for a record that holds the entries, and neither the log nor one party
  /// alone does.
  std::vector<std::string> checkpoints;
  std::vector<std::string> consistency;  // hex, between checkpoints[0] and checkpoints[1]
};

}  // namespace deconflict
