#include "record/audience.hpp"

#include <sodium.h>

#include <algorithm>
#include <sstream>

#include "record/crypto.hpp"

namespace deconflict::record {
namespace {

// HMAC-SHA-256 under one key, its key schedule computed once (an entry's
// audience takes up to kAudienceBucket of them under its seed).
class Hmac {
 public:
  explicit Hmac(const Digest& key) {
    ensure_sodium();
    crypto_auth_hmacsha256_init(&keyed_, key.data(), key.size());
  }
  std::string hex(std::string_view prefix, std::string_view message) const {
    crypto_auth_hmacsha256_state s = keyed_;
    crypto_auth_hmacsha256_update(&s, reinterpret_cast<const unsigned char*>(prefix.data()), prefix.size());
    crypto_auth_hmacsha256_update(&s, reinterpret_cast<const unsigned char*>(message.data()), message.size());
    Digest d;
    crypto_auth_hmacsha256_final(&s, d.data());
    return to_hex(d);
  }

 private:
  crypto_auth_hmacsha256_state keyed_;
};

std::string salt_of(const Hmac& seed, const std::string& party) {
  return seed.hex("deconflict audience salt\n", party);
}

std::string commitment(const std::string& salt, const std::string& party) { return to_hex(sha256(salt + " " + party)); }

// The sorted commitments of `parties`, padded with commitments to no one
// (indistinguishable from a party's without the seed).
std::vector<std::string> commitments_of(const std::vector<std::string>& parties, const Digest& seed) {
  const Hmac keyed(seed);
  const size_t padded = std::max<size_t>(1, (parties.size() + kAudienceBucket - 1) / kAudienceBucket) * kAudienceBucket;
  std::vector<std::string> out;
  out.reserve(padded);
  for (const std::string& p : parties) out.push_back(commitment(salt_of(keyed, p), p));
  for (size_t i = 0; out.size() < padded; ++i) out.push_back(keyed.hex("deconflict audience pad\n", std::to_string(i)));
  std::sort(out.begin(), out.end());
  return out;
}

// The hash of the commitments' canonical JSON array (RFC 8785): hex digits
// need no escaping, so the array is written as it is.
std::string digest_of(const std::vector<std::string>& commitments) {
  std::string text = "[";
  text.reserve(2 + commitments.size() * 67);
  for (const std::string& c : commitments) {
    if (text.size() > 1) text += ',';
    text += '"';
    text += c;
    text += '"';
  }
  text += ']';
  return to_hex(sha256(text));
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
  return {party, salt_of(Hmac(*key), party), commitments_of(parties, *key)};
}

std::optional<std::string> audience_proof_fails(const std::string& digest, const AudienceProof& proof) {
  const auto is_commitment = [](const std::string& c) {
    return c.size() == 64 &&
           std::all_of(c.begin(), c.end(), [](char x) { return (x >= '0' && x <= '9') || (x >= 'a' && x <= 'f'); });
  };
  if (!std::all_of(proof.commitments.begin(), proof.commitments.end(), is_commitment)) {
    return "its audience's commitments are not each 64 hex digits";
  }
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
