// The record over HTTP (docs/http-api.md, docs/record.md):
//   GET  /v1/record?after=SEQ&limit=N       entries, redacted where the caller may not read them
//   GET  /v1/record/key                     the public key that signs now
//   GET  /v1/record/head?size=N             a signed tree head
//   GET  /v1/record/inclusion?seq=S&size=N  that entry S is in the record of N entries
//   GET  /v1/record/consistency?from=M&to=N that the record of M entries is a prefix of N's
//   GET  /v1/notices/{id}/proof             a notice sent and answered, provably
//   POST /v1/admin/record/rotate-key        a new signing key (admins)
#include <charconv>

#include "record/entry.hpp"
#include "record/proofs.hpp"
#include "server/api.hpp"

namespace deconflict::server {

Response Api::record(const Request& req, const Target& t, PartyView& view) {
  const Party& caller = view.caller();
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  const auto fail = [&](const Error& e) { return error_response(e, version, keep_alive); };
  const auto ok = [&](const nlohmann::json& body) {
    return json_response(http::status::ok, nlohmann::ordered_json(body), version, keep_alive);
  };
  const auto& seg = t.segments;
  const auto answer = [&](auto result) {
    if (!result) return fail(result.error());
    return ok(record::to_json(*result));
  };

  if (seg[1] == "admin") {
    if (req.method() != http::verb::post) return fail(make_error(ErrorCode::not_found, "no such endpoint"));
    if (!caller.admin) return fail(make_error(ErrorCode::forbidden, "only an admin party may rotate the key"));
    auto key = service_.rotate_key(caller.id);
    if (!key) return fail(key.error());
    return ok(nlohmann::json{{"algorithm", "Ed25519"}, {"public_key", *key}});
  }
  if (req.method() != http::verb::get) return fail(make_error(ErrorCode::not_found, "no such endpoint"));
  if (seg[1] == "notices") return answer(view.prove_notice(seg[2]));

  const std::string what = seg.size() == 3 ? seg[2] : "";
  if (seg.size() > 3) return fail(make_error(ErrorCode::not_found, "no such endpoint"));
  if (what == "key") return ok(nlohmann::json{{"algorithm", "Ed25519"}, {"public_key", service_.record_key()}});
  const auto size = query_number(t, "size", 0), after = query_number(t, "after", 0), limit = query_number(t, "limit", 1000);  // PageLimits::kMaxItems at most
  const auto seq = query_number(t, "seq", 0), from = query_number(t, "from", 0), to = query_number(t, "to", 0);
  for (const auto* n : {&size, &after, &limit, &seq, &from, &to}) {
    if (!*n) return fail(n->error());
  }
  if (what == "head") return answer(view.tree_head(*size));
  if (what == "inclusion") return answer(view.inclusion(*seq, *size));
  if (what == "consistency") return answer(view.consistency(*from, *to));
  if (!what.empty()) return fail(make_error(ErrorCode::not_found, "no such endpoint"));

  auto entries = view.record(*after, static_cast<size_t>(std::max<int64_t>(1, *limit)));
  if (!entries) return fail(entries.error());
  nlohmann::json list = nlohmann::json::array();
  for (const RecordEntry& e : *entries) list.push_back(record::to_json(e));
  return ok(nlohmann::json{{"entries", std::move(list)}, {"size", service_.record_size()}});
}

}  // namespace deconflict::server
