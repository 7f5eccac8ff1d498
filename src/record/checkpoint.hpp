// C2SP checkpoints (tlog-checkpoint) as signed notes (signed-note), and
// timestamped Ed25519 cosignatures of them (tlog-cosignature): what parties
// and witnesses sign to say "I saw the record at this size with this root",
// so that a log showing two parties two histories is caught (DESIGN §7).
//
//   std::string body = checkpoint_body("deconflict/5b1f...", 42, root);   // "origin\n42\nBASE64\n"
//   std::string note = body + "\n" + note_signature(origin, log_key, body);
//   auto cp = parse_checkpoint(note);                     // the body's fields and the signature lines
//   bool ok = verify_note(*cp, origin, log_public_hex);   // the log's Ed25519 line (type 0x01)
//   std::string line = cosignature(party, party_key, body, unix_time);     // type 0x04
//   auto t = verify_cosignature(*cp, party, party_public_hex);            // its timestamp, if valid
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deconflict/status.hpp"
#include "record/crypto.hpp"

namespace deconflict::record {

/// The note text of a checkpoint: origin, size and root (standard base64),
/// each ending in a newline.
std::string checkpoint_body(const std::string& origin, int64_t size, const Digest& root);

/// A signature line "— NAME BASE64(key id || signature)\n" of `body` by `key`
/// (signed-note Ed25519, type 0x01).
std::string note_signature(const std::string& name, const SigningKey& key, const std::string& body);
/// A cosignature line of `body` by `key` at `timestamp` (tlog-cosignature
/// cosignature/v1, type 0x04).
std::string cosignature(const std::string& name, const SigningKey& key, const std::string& body, int64_t timestamp);

/// The verifier key of a signed-note Ed25519 key, as Go's sumdb/note reads
/// it: NAME+KEYID(8 hex)+BASE64(0x01 || public key).
std::string verifier_key(const std::string& name, const std::string& public_hex);

/// A checkpoint note, read.
struct Checkpoint {
  std::string body;  // the note text (with its final newline)
  std::string origin;
  int64_t size = 0;
  Digest root{};
  std::vector<std::string> signatures;  // the signature lines, without their final newline
};

/// Reads a signed note holding a checkpoint; invalid_input naming what is wrong.
Result<Checkpoint> parse_checkpoint(std::string_view note);

/// True when one of the note's lines is a valid type 0x01 signature of its
/// body by `public_hex` under `name`.
bool verify_note(const Checkpoint& c, const std::string& name, const std::string& public_hex);
/// The timestamp of a valid type 0x04 cosignature of the body by
/// `public_hex` under `name`, or nothing.
std::optional<int64_t> verify_cosignature(const Checkpoint& c, const std::string& name, const std::string& public_hex);
/// The same for one signature line.
std::optional<int64_t> verify_cosignature_line(const std::string& body, const std::string& line,
                                               const std::string& name, const std::string& public_hex);

}  // namespace deconflict::record
