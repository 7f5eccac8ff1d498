// The handlers of the parties' signing keys (docs/http-api.md, docs/record.md;
// routes in api.cpp), and the reading of a signed request:
//   GET    /v1/keys          the caller's keys in force
//   POST   /v1/keys          {"public_key": HEX, "name": ...}: registers one (signed once the caller has keys)
//   DELETE /v1/keys/{key}    revokes one of the caller's keys (signed)
#include "deconflict/time.hpp"
#include "record/http_signature.hpp"
#include "server/api.hpp"

namespace deconflict::server {
namespace {

nlohmann::ordered_json key_json(const PartyKey& k) {
  return {{"public_key", k.public_key},
          {"name", k.name},
          {"party", k.party},
          {"added", format_rfc3339(k.added)},
          {"added_seq", k.added_seq}};
}

}  // namespace

Result<std::optional<Statement>> Api::statement_of(const Request& req) const {
  const std::string input(req["Signature-Input"]), signature(req["Signature"]);
  if (input.empty() && signature.empty()) return std::optional<Statement>();
  for (const char* name : {"Signature-Input", "Signature", "Content-Digest"}) {
    if (req.count(boost::beast::string_view(name)) > 1) {
      return make_error(ErrorCode::unauthorized, std::string("signature: ") + name + " is given more than once");
    }
  }
  const std::string authority =
      limits_.public_url.empty() ? "http://" + std::string(req[http::field::host]) : limits_.public_url;
  auto statement = record::read_statement(std::string(req.method_string()), authority + std::string(req.target()),
                                          req.body(), std::string(req["Content-Digest"]), input, signature);
  if (!statement) return statement.error();
  return std::optional<Statement>(std::move(*statement));
}

Result<Answer> Api::list_keys(Call& call) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const PartyKey& k : call.view.keys()) list.push_back(key_json(k));
  return Answer::json({{"keys", std::move(list)}});
}

Result<Answer> Api::add_key(Call& call) {
  auto body = body_object(call.req, false);
  if (!body) return body.error();
  auto key = string_member(*body, "public_key");
  if (!key) return key.error();
  auto name = string_member(*body, "name");
  if (!name) return name.error();
  auto added = call.view.add_key(*key, *name);
  if (!added) return added.error();
  return Answer::json(key_json(*added), http::status::created);
}

Result<Answer> Api::revoke_key(Call& call) {
  if (Status st = call.view.revoke_key(call.id); !st) return st.error();
  return Answer::json({{"revoked", call.id}});
}

}  // namespace deconflict::server
