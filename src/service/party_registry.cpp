#include "service/party_registry.hpp"

namespace deconflict {

void PartyRegistry::remember(store::StoredParty p) {
  if (const auto old = by_id_.find(p.id); old != by_id_.end()) id_by_token_hash_.erase(old->second.token_hash);
  id_by_token_hash_[p.token_hash] = p.id;
  by_id_[p.id] = std::move(p);
}

void PartyRegistry::clear() {
  by_id_.clear();
  id_by_token_hash_.clear();
}

const store::StoredParty* PartyRegistry::find(const std::string& id) const {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

const store::StoredParty* PartyRegistry::by_token_hash(const std::string& hash) const {
  const auto it = id_by_token_hash_.find(hash);
  return it == id_by_token_hash_.end() ? nullptr : find(it->second);
}

bool PartyRegistry::active(const std::string& id) const {
  const store::StoredParty* p = find(id);
  return p && !p->revoked;
}

bool PartyRegistry::revoked(const std::string& id) const {
  const store::StoredParty* p = find(id);
  return p && p->revoked;
}

}  // namespace deconflict
