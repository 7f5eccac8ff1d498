// The parties the service knows: each by its id, and by the hash of its
// bearer token for authentication.
//
//   registry.remember(stored);                 // after the commit that stored it
//   const store::StoredParty* p = registry.by_token_hash(hash);
//
// Invariant: every party is reachable by the hash of its current token, and
// by no other. Not thread-safe: the service's thread owns it.
#pragma once

#include <map>
#include <string>
#include <unordered_map>

#include "store/store.hpp"

namespace deconflict {

class PartyRegistry {
 public:
  /// Takes in a party's new row (added, or revoked), replacing what was known of it.
  void remember(store::StoredParty p);
  void clear();

  /// The party of that id, or null.
  const store::StoredParty* find(const std::string& id) const;
  /// The party whose token has this hash, or null.
  const store::StoredParty* by_token_hash(const std::string& hash) const;
  /// Registered and not revoked.
  bool active(const std::string& id) const;
  /// Registered and revoked (imports may name parties that are not registered).
  bool revoked(const std::string& id) const;
  /// Every party, by id.
  const std::map<std::string, store::StoredParty>& all() const { return by_id_; }

 private:
  std::map<std::string, store::StoredParty> by_id_;
  std::unordered_map<std::string, std::string> id_by_token_hash_;
};

}  // namespace deconflict
