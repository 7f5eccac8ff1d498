// RFC 9421 HTTP Message Signatures with Ed25519 over RFC 9530 Content-Digest:
// how a party signs its acts and how anyone checks them (DESIGN §7).
//
//   // The signer (the CLI, a test, the map in JavaScript):
//   SignedHeaders h = sign_request("POST", "http://127.0.0.1:8080/v1/activities", body, key, now_s, nonce);
//   // Content-Digest: sha-256=:...:   Signature-Input: act=(...)...   Signature: act=:...:
//   // The server and any verifier:
//   Result<Statement> s = read_statement("POST", uri, body, h.content_digest, h.signature_input, h.signature);
//   Status ok = verify_statement(*s);    // the digest, then the signature by s->key
//
// The signature must cover exactly "@method", "@target-uri" and
// "content-digest" and carry created, keyid (the key's hex), nonce and, if
// given, alg="ed25519". Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "deconflict/record.hpp"
#include "deconflict/status.hpp"
#include "record/crypto.hpp"

namespace deconflict::record {

/// The three header fields of a signed request.
struct SignedHeaders {
  std::string content_digest, signature_input, signature;
};

/// Signs a request as RFC 9421 says, under the label "act".
SignedHeaders sign_request(std::string_view method, std::string_view target_uri, std::string_view body,
                           const SigningKey& key, int64_t created, std::string_view nonce);

/// The RFC 9530 Content-Digest field of `body`: sha-256=:BASE64:.
std::string content_digest(std::string_view body);

/// Reads a signed request from its fields: one signature (any label) whose
/// parameters are well formed. unauthorized, naming what is wrong, when a
/// field is missing or malformed or covers other components.
Result<Statement> read_statement(std::string method, std::string target_uri, std::string body,
                                 std::string_view content_digest_field, std::string_view signature_input_field,
                                 std::string_view signature_field);

/// The signature base (RFC 9421 §2.5) the signature covers.
std::string signature_base(const Statement& s);

/// That the body has the digest and the signature is by s.key over the base;
/// unauthorized naming which fails.
Status verify_statement(const Statement& s);

/// The statement as canonical JSON (kept in the record entry), and back.
std::string statement_json(const Statement& s);
Result<Statement> statement_from_json(std::string_view text);

/// The record action a signed request of `method` on `path` (no query)
/// performs, with the id the path names (empty for a create or a message);
/// nothing when the request is not a party's act.
struct Act {
  std::string action;
  std::string subject;
};
std::optional<Act> act_of(std::string_view method, std::string_view path);
/// What an act's signed request names as its subject, for an entry of
/// `action` about `subject`: a key's entries are about "keys", but the
/// request that revokes one names the key (`public_key`, from the entry's data).
std::string act_subject(std::string_view action, const std::string& subject, const std::string& public_key);

/// True for the actions that are a party's own statements and must be signed
/// once it has keys: declare, replace, withdraw, retire, accept or decline a
/// zone, acknowledge, object, message, add or revoke a key.
bool is_party_act(std::string_view action);

}  // namespace deconflict::record
