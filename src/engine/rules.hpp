// The conflict rules of DESIGN §5, as data.
//
// Each row names a rule, the type of volume on the other side, and the
// condition under which a pair of volumes of different parties that intersect
// in all four dimensions breaks it. Adding a rule is adding a row to kRules.
// Pure data and pure functions; thread-safe.
#pragma once

#include <span>

#include "deconflict/conflict.hpp"
#include "deconflict/volume.hpp"

namespace deconflict::engine {

/// What a check knows besides the two volumes.
struct CheckContext {
  TimePoint notified;  // when the activity was notified, unless it says so itself (`notified`)
};

struct Rule {
  RuleId id;
  ObjectType other_type;
  bool (*applies)(const Volume& activity, const Volume& other, const CheckContext& context);
  const char* summary;  // when it applies, for people (GET /v1/rules)
};

/// Every rule, in the order conflicts are reported for one pair.
std::span<const Rule> rules();

/// True when some rule could apply to the pair (before any geometry), which
/// also requires that the two belong to different parties.
bool any_rule_applies(const Volume& activity, const Volume& other, const CheckContext& context);

}  // namespace deconflict::engine
