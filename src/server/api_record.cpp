// The handlers of the record's routes (docs/http-api.md, docs/record.md;
// routes in api.cpp):
//   GET  /v1/record?after=SEQ&limit=N       entries, redacted where the caller may not read them
//   GET  /v1/record/key                     the public key that signs now
//   GET  /v1/record/head?size=N             a signed tree head
//   GET  /v1/record/inclusion?seq=S&size=N  that entry S is in the record of N entries
//   GET  /v1/record/consistency?from=M&to=N that the record of M entries is a prefix of N's
//   GET  /v1/notices/{id}/proof             a notice sent and answered, provably
//   GET  /v1/record/checkpoint?size=N       the C2SP checkpoint (a signed note) with its cosignatures
//   POST /v1/record/cosignature             a party's cosignature of a checkpoint (the note, text/plain)
//   POST /v1/admin/record/rotate-key        a new signing key (admins)
#include "record/checkpoint.hpp"
#include "record/entry.hpp"
#include "record/proofs.hpp"
#include "server/api.hpp"

namespace deconflict::server {
namespace {

template <typename T>
Result<Answer> record_answer(const Result<T>& result) {
  if (!result) return result.error();
  return Answer::json(nlohmann::ordered_json(record::to_json(*result)));
}

}  // namespace

Result<Answer> Api::record(Call& call) {
  const auto after = query_number(call.target, "after", 0);
  if (!after) return after.error();
  const auto limit = query_number(call.target, "limit", PageLimits::kMaxItems);
  if (!limit) return limit.error();
  auto entries = call.view.record(*after, static_cast<size_t>(std::max<int64_t>(1, *limit)));
  if (!entries) return entries.error();
  // Each entry as the canonical text that was hashed (a verifier with any JCS
  // implementation recomputes the hash from the bytes it was given).
  std::string body = "{\"entries\":[";
  for (const RecordEntry& e : *entries) {
    if (body.back() != '[') body += ',';
    body += record::entry_text(e);
  }
  return Answer::text(body + "],\"size\":" + std::to_string(service_.record_size()) + "}");
}

Result<Answer> Api::checkpoint(Call& call) {
  const auto size = query_number(call.target, "size", 0);
  if (!size) return size.error();
  auto note = call.view.checkpoint(*size);
  if (!note) return note.error();
  Answer a = Answer::text(std::move(*note));
  a.content_type = "text/plain; charset=utf-8";
  return a;
}

Result<Answer> Api::cosign(Call& call) {
  auto size = call.view.cosign(call.req.body());
  if (!size) return size.error();
  return Answer::json({{"size", *size}, {"cosigner", call.view.caller().id}});
}

// The key that signs now, and the checkpoints' origin with the verifier key
// (signed-note form) that Go's sumdb/note and other C2SP tools read.
Result<Answer> Api::record_key(Call&) {
  const std::string key = service_.record_key(), origin = service_.log_origin();
  return Answer::json({{"algorithm", "Ed25519"},
                       {"public_key", key},
                       {"origin", origin},
                       {"note_verifier", record::verifier_key(origin, key)}});
}

Result<Answer> Api::tree_head(Call& call) {
  const auto size = query_number(call.target, "size", 0);
  if (!size) return size.error();
  return record_answer(call.view.tree_head(*size));
}

Result<Answer> Api::inclusion(Call& call) {
  const auto seq = query_number(call.target, "seq", 0), size = query_number(call.target, "size", 0);
  if (!seq) return seq.error();
  if (!size) return size.error();
  return record_answer(call.view.inclusion(*seq, *size));
}

Result<Answer> Api::consistency(Call& call) {
  const auto from = query_number(call.target, "from", 0), to = query_number(call.target, "to", 0);
  if (!from) return from.error();
  if (!to) return to.error();
  return record_answer(call.view.consistency(*from, *to));
}

Result<Answer> Api::prove_notice(Call& call) { return record_answer(call.view.prove_notice(call.id)); }

Result<Answer> Api::rotate_key(Call& call) {
  auto key = service_.rotate_key(call.view.caller().id);
  if (!key) return key.error();
  return record_key(call);
}

}  // namespace deconflict::server
