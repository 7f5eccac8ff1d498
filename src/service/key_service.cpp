// The parties' signing keys and the signed acts (DESIGN §7): the PartyView
// methods that register keys and present a request's signature.
#include <sodium.h>

#include "deconflict/party_view.hpp"
#include "record/crypto.hpp"
#include "record/http_signature.hpp"
#include "service/service_impl.hpp"

namespace deconflict {
namespace {

// A party has few people and devices; the cap bounds what one party can
// make every node hold (and every verifier read).
constexpr size_t kMaxKeysPerParty = 64;
constexpr size_t kMaxKeyName = 100;

bool is_public_key(const std::string& hex) {
  const auto bytes = record::bytes_from_hex(hex);
  record::ensure_sodium();
  return hex.size() == 64 && bytes &&
         crypto_core_ed25519_is_valid_point(reinterpret_cast<const unsigned char*>(bytes->data())) == 1;
}

}  // namespace

Status PartyView::present(std::optional<Statement> statement) {
  Service::Impl& s = *service_->impl_;
  if (!statement) return s.keys.admit(caller_.id, std::nullopt, s.signature_now_s());
  auto checked = StatementChecker::check(std::move(*statement));
  if (!checked) return checked.error();
  return present(std::move(*checked));
}

Status PartyView::present(VerifiedStatement statement) {
  Service::Impl& s = *service_->impl_;
  return s.keys.admit(caller_.id, std::move(statement), s.signature_now_s());
}

Result<VerifiedStatement> StatementChecker::check(Statement s) {
  if (Status ok = record::verify_statement(s); !ok) return ok.error();
  std::string text = record::statement_json(s);
  return VerifiedStatement(std::move(s), std::move(text));
}

std::vector<PartyKey> PartyView::keys() const { return service_->impl_->keys.keys_of(caller_.id); }

Result<PartyKey> PartyView::add_key(const std::string& public_key, const std::string& name) {
  Service::Impl& s = *service_->impl_;
  if (Status st = s.signed_act(caller_.id, "party.key.add", public_key); !st) return st.error();
  if (!is_public_key(public_key)) {
    return make_error(ErrorCode::invalid_input, "not an Ed25519 public key in 64 hex digits", "public_key");
  }
  if (name.size() > kMaxKeyName) {
    return make_error(ErrorCode::invalid_input, "a key's name has at most 100 bytes", "name");
  }
  Service::Impl::WriteScope scope(s);
  if (!scope.status()) return scope.status().error();
  if (s.keys.owner(public_key)) return make_error(ErrorCode::already_exists, "this key is registered", "public_key");
  if (s.keys.keys_of(caller_.id).size() >= kMaxKeysPerParty) {
    return make_error(ErrorCode::limit_exceeded,
                      "a party may have " + std::to_string(kMaxKeysPerParty) + " keys: revoke one first");
  }
  store::WriteBatch batch;
  s.note(batch, caller_.id, "party.key.add", {{"party", caller_.id}, {"public_key", public_key}, {"name", name}},
         "keys", "*");
  if (Status st = s.commit(batch); !st) return st.error();
  for (const PartyKey& k : s.keys.keys_of(caller_.id)) {
    if (k.public_key == public_key) return k;
  }
  return make_error(ErrorCode::store_error, "the key was stored but not taken in");
}

Status PartyView::revoke_key(const std::string& public_key) {
  Service::Impl& s = *service_->impl_;
  if (Status st = s.signed_act(caller_.id, "party.key.revoke", public_key); !st) return st;
  Service::Impl::WriteScope scope(s);
  if (!scope.status()) return scope.status();
  const auto owner = s.keys.owner(public_key);
  if (!owner || *owner != caller_.id) return make_error(ErrorCode::not_found, "no such key of yours", "id");
  store::WriteBatch batch;
  s.note(batch, caller_.id, "party.key.revoke", {{"party", caller_.id}, {"public_key", public_key}}, "keys", "*");
  return s.commit(batch);
}

}  // namespace deconflict
