#include "engine/rules.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace deconflict::engine {
namespace {

// A zone binds only the parties that accepted it (DESIGN §6.2), so that no
// zone, however large, lets its owner watch those who never agreed to it.
bool enters_without_permission(const Volume& activity, const Volume& zone, const CheckContext&) {
  return activity.party != zone.party && zone.binds(activity.party) && !names(zone.terms().permitted, activity.party);
}

bool always(const Volume&, const Volume&, const CheckContext&) { return true; }

bool puts_fire(const Volume& activity, const Volume&, const CheckContext&) { return activity.hazardous(); }

bool on_short_notice(const Volume& activity, const Volume& zone, const CheckContext& context) {
  const std::optional<double>& notice_h = zone.terms().notice_h;
  if (!notice_h || !enters_without_permission(activity, zone, context)) return false;
  const auto needed = std::chrono::milliseconds(static_cast<long long>(std::llround(*notice_h * 3'600'000.0)));
  return activity.window.start < activity.notified.value_or(context.notified) + needed;
}

constexpr std::array<Rule, 4> kRules{{
    {RuleId::zone_entry, ObjectType::zone, enters_without_permission,
     "an activity enters a zone its party accepted, without being permitted there"},
    {RuleId::activity_clash, ObjectType::activity, always, "two parties' activities meet in space and time"},
    {RuleId::site_hazard, ObjectType::site, puts_fire, "a hazardous activity meets a protected site"},
    {RuleId::short_notice, ObjectType::zone, on_short_notice,
     "as zone-entry, and the activity starts sooner after it was notified than the zone's notice_h"},
}};
// World::check relies on this order to give each pair's conflicts sorted by rule.
static_assert(std::is_sorted(kRules.begin(), kRules.end(), [](const Rule& a, const Rule& b) { return a.id < b.id; }));

}  // namespace

std::span<const Rule> rules() { return kRules; }

bool any_rule_applies(const Volume& activity, const Volume& other, const CheckContext& context) {
  if (activity.party == other.party) return false;
  return std::any_of(kRules.begin(), kRules.end(),
                     [&](const Rule& r) { return r.other_type == other.type && r.applies(activity, other, context); });
}

}  // namespace deconflict::engine

namespace deconflict {

std::string_view rule_name(RuleId rule) {
  static constexpr std::array<std::string_view, 4> names{"zone-entry", "activity-clash", "site-hazard", "short-notice"};
  return names[static_cast<size_t>(rule)];
}

}  // namespace deconflict
