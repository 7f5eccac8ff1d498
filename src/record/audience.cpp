#include "record/audience.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "record/canonical.hpp"
#include "record/crypto.hpp"

namespace deconflict::record {
namespace {

std::string salt_of(const Digest& seed, const std::string& party) {
  return to_hex(hmac_sha256(seed, "deconflict audience salt\n" + party));
}

std::string commitment(const std::string& salt, const std::string& party) { return to_hex(sha256(salt + " " + party)); }

// The sorted commitments of `parties`, padded with commitments to no one
// (indistinguishable from a party's without the seed).
std::vector<std::string> commitments_of(const std::vector<std::string>& parties, const Digest& seed) {
  std::vector<std::string> out;
  for (const std::string& p : parties) out.push_back(commitment(salt_of(seed, p), p));
  const size_t padded = std::max<size_t>(1, (out.size() + kAudienceBucket - 1) / kAudienceBucket) * kAudienceBucket;
  for (size_t i = 0; out.size() < padded; ++i) {
    out.push_back(to_hex(hmac_sha256(seed, "deconflict audience pad\n" + std::to_string(i))));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string digest_of(const std::vector<std::string>& commitments) {
  return to_hex(sha256(*canonical(nlohmann::json(commitments))));
}

}  // namespace

CommittedAudience commit_audience(const std::string& parties) {
  if (parties == "*") return {"*", "", ""};  // everyone: nothing to open
  CommittedAudience a{"", parties, random_hex(32)};
  a.digest = *audience_digest(parties, a.seed);
  return a;
}

std::optional<std::string> audience_digest(const std::string& parties, const std::string& seed) {
  if (parties == "*") return seed.empty() ? std::optional<std::string>("*") : std::nullopt;
  const auto key = digest_from_hex(seed);
  if (!key) return std::nullopt;
  return digest_of(commitments_of(parties_of(parties), *key));
}

std::vector<std::string> parties_of(const std::string& parties) {
  std::vector<std::string> out;
  std::istringstream in(parties);
  for (std::string p; in >> p;) out.push_back(p);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

AudienceProof audience_proof_for(const CommittedAudience& a, const std::string& party) {
  const auto key = digest_from_hex(a.seed);
  const auto parties = parties_of(a.parties);
  if (!key || !std::binary_search(parties.begin(), parties.end(), party)) return {};
  return {party, salt_of(*key, party), commitments_of(parties, *key)};
}

std::optional<std::string> audience_proof_fails(const std::string& digest, const AudienceProof& proof) {
  if (digest_of(proof.commitments) != digest) return "its audience's commitments do not hash to its audience";
  if (!std::is_sorted(proof.commitments.begin(), proof.commitments.end())) {
    return "its audience's commitments are not sorted";
  }
  const std::string mine = commitment(proof.salt, proof.party);
  if (!std::binary_search(proof.commitments.begin(), proof.commitments.end(), mine)) {
    return "its audience does not commit to " + proof.party;
  }
  return std::nullopt;
}

}  // namespace deconflict::record
