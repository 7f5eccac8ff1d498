// Proofs in JSON, and their offline checks: a signed tree head, an entry's
// inclusion under it, the consistency of two heads, and a notice's entries.
// Each check names what fails; an empty answer means the proof holds.
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "deconflict/record.hpp"
#include "deconflict/status.hpp"

namespace deconflict::record {

nlohmann::json to_json(const TreeHead& h);
nlohmann::json to_json(const InclusionProof& p);
nlohmann::json to_json(const ConsistencyProof& p);
nlohmann::json to_json(const NoticeProof& p);

Result<TreeHead> head_from_json(const nlohmann::json& j);
Result<InclusionProof> inclusion_from_json(const nlohmann::json& j);
Result<ConsistencyProof> consistency_from_json(const nlohmann::json& j);
Result<NoticeProof> notice_proof_from_json(const nlohmann::json& j);

/// Why the proof fails, or nothing when it holds. A non-empty `trusted_key`
/// must be the key that signed the head(s).
std::optional<std::string> check(const TreeHead& h, const std::string& trusted_key);
std::optional<std::string> check(const InclusionProof& p, const std::string& trusted_key);
std::optional<std::string> check(const ConsistencyProof& p, const std::string& trusted_key);
/// Also: every entry is about the notice, the first sends it, all share one head.
/// Also: each answer of the notice is signed by its party (a key in force
/// by the proof's key entries), unless `accept_unsigned`.
std::optional<std::string> check(const NoticeProof& p, const std::string& trusted_key, bool accept_unsigned = false);

}  // namespace deconflict::record
