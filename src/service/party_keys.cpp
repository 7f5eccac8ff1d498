#include "service/party_keys.hpp"

#include <nlohmann/json.hpp>

#include "record/http_signature.hpp"

namespace deconflict {
namespace {

Error refused(std::string why) { return make_error(ErrorCode::unauthorized, std::move(why)); }

}  // namespace

std::optional<int64_t> PartyKeys::take_nonce(std::string_view statement) {
  if (statement.empty()) return std::nullopt;
  auto s = record::statement_from_json(statement);
  if (!s) return std::nullopt;
  remember(*s);
  return s->created;
}

void PartyKeys::take(const RecordEntry& e) {
  take_nonce(e.statement);
  take_keys(e);
}

void PartyKeys::take_keys(const RecordEntry& e) {
  if (e.action != "party.key.add" && e.action != "party.key.revoke") return;
  book_.take(e, nlohmann::json::parse(e.data, nullptr, false));
}

void PartyKeys::clear() { *this = PartyKeys(window_s_); }

Status PartyKeys::admit(const std::string& party, std::optional<VerifiedStatement> checked, int64_t now_s) {
  held_.reset();
  if (!checked) return {};  // require() decides whether the act needed one
  const Statement& statement = checked->statement();
  const auto owned = owner(statement.key);
  if (!owned || *owned != party) {
    return refused("signature: key " + statement.key.substr(0, 16) + "... is not a registered key of " + party +
                   " (register it with POST /v1/keys)");
  }
  if (statement.created < now_s - window_s_ || statement.created > now_s + window_s_) {
    return refused("signature: created " + std::to_string(statement.created) + " is more than " +
                   std::to_string(window_s_) + " s from the server's clock (" + std::to_string(now_s) + ")");
  }
  // Nonces older than the window can be forgotten: their requests are refused as stale.
  while (!nonce_ages_.empty() && nonce_ages_.front().first < now_s - 2 * window_s_) {
    nonces_.erase(nonce_ages_.front().second);
    nonce_ages_.pop_front();
  }
  if (nonces_.count(statement.key + " " + statement.nonce)) {
    return refused("signature: nonce " + statement.nonce + " was used before by this key (a replay)");
  }
  remember(statement);  // burnt now: a second request in the same group is a replay too
  held_ = std::move(checked);
  held_party_ = party;
  return {};
}

bool PartyKeys::signs(const std::string& party, const std::string& action, const std::string& subject) const {
  if (!held_ || held_party_ != party) return false;
  const auto act = record::act_of(held_->statement().method, held_->statement().target_uri);
  return act && act->action == action && (act->subject.empty() || act->subject == subject);
}

Status PartyKeys::require(const std::string& party, const std::string& action, const std::string& subject) const {
  if (signs(party, action, subject) || !has_keys(party)) return {};
  return refused("signature required: " + party +
                 " has registered keys, so its acts must be signed requests (RFC 9421 over Content-Digest, "
                 "docs/record.md)");
}

std::string PartyKeys::claim(const std::string& party, const std::string& action, const std::string& subject) {
  if (!signs(party, action, subject)) return {};
  std::string text = held_->text();
  held_.reset();
  return text;
}

void PartyKeys::remember(const Statement& s) {
  const std::string id = s.key + " " + s.nonce;
  if (nonces_.insert(id).second) nonce_ages_.emplace_back(s.created, id);
}

}  // namespace deconflict
