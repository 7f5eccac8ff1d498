#include "deconflict/volume.hpp"

#include <algorithm>
#include <array>

#include "common/enum_names.hpp"

namespace deconflict {

bool Volume::hazardous() const { return activity_kind && is_hazardous(*activity_kind); }

bool Volume::binds(const std::string& p) const { return names(terms().accepted, p); }

bool Volume::proposed() const {
  const Terms& t = terms();
  const auto answered = [&](const std::string& p) { return binds(p) || names(t.declined, p); };
  return !std::all_of(t.agreed_by.begin(), t.agreed_by.end(), answered);
}

namespace {
constexpr std::array<std::string_view, 3> kTypeNames{"zone", "site", "activity"};
constexpr std::array<std::string_view, 6> kKindNames{"movement", "exercise", "strike", "flight", "convoy", "patrol"};
constexpr std::array<std::string_view, 9> kStateNames{"",          "clear",    "notified", "acknowledged", "objected",
                                                      "withdrawn", "proposed", "agreed",   "retired"};
}  // namespace

std::string_view type_name(ObjectType t) { return kTypeNames[static_cast<size_t>(t)]; }
std::string_view kind_name(ActivityKind k) { return kKindNames[static_cast<size_t>(k)]; }

std::optional<ObjectType> parse_object_type(std::string_view s) { return parse_enum<ObjectType>(kTypeNames, s); }
std::optional<ActivityKind> parse_activity_kind(std::string_view s) { return parse_enum<ActivityKind>(kKindNames, s); }

std::string_view state_name(State s) { return kStateNames[static_cast<size_t>(s)]; }

std::optional<State> parse_state(std::string_view s) { return parse_enum<State>(kStateNames, s, 1); }

}  // namespace deconflict
