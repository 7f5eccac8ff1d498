// Who may read a record entry, committed to in its hash without telling its
// readers who else may read it (DESIGN §6.3, §7).
//
// An entry's hashed `audience` is "*" (everyone) or the hex SHA-256 of the
// canonical JSON array of its commitments, sorted: one per party,
// SHA-256("<salt> <party>") in hex, where each party's salt is an HMAC of the
// entry's secret seed, padded with commitments to no one up to a multiple of
// kAudienceBucket. A party in the audience is served its own salt and the
// commitments: it checks that it is one of them and that they hash to the
// entry's audience, and learns neither the other parties nor (below the
// bucket) how many they are. The seed stays with the server; an auditor
// given the seed and the parties recomputes the commitment.
//
//   auto a = commit_audience("party-a party-b");        // seed drawn at random
//   AudienceProof p = audience_proof_for(a, "party-b");  // what party-b is served
//   assert(!audience_proof_fails(a.digest, p));        // what party-b checks
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "deconflict/record.hpp"

namespace deconflict::record {

/// Commitments per entry are padded to a multiple of this.
inline constexpr size_t kAudienceBucket = 8;

/// An audience as the server keeps it.
struct CommittedAudience {
  std::string digest;   // "*" or hex: what the entry hashes as its audience
  std::string parties;  // party ids separated by spaces; empty for "*"
  std::string seed;     // hex, 32 bytes; empty for "*"
};

/// The parties of an audience list (ids separated by spaces), sorted, each once.
std::vector<std::string> parties_of(const std::string& parties);
/// Commits to `parties` ("*" or ids separated by spaces) under a fresh random seed.
CommittedAudience commit_audience(const std::string& parties);
/// The commitment of `parties` under `seed` (hex): an auditor's recomputation.
std::optional<std::string> audience_digest(const std::string& parties, const std::string& seed);
/// What `party` is served to check that it is in the audience.
AudienceProof audience_proof_for(const CommittedAudience& a, const std::string& party);
/// Why `proof` does not show its party in the audience `digest`, or nothing.
std::optional<std::string> audience_proof_fails(const std::string& digest, const AudienceProof& proof);

}  // namespace deconflict::record
