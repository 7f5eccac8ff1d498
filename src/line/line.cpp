#include "line/line.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>

#include "common/enum_names.hpp"

namespace deconflict {

namespace {
constexpr std::array<std::string_view, 8> kStateNames{"pending",    "acknowledged", "objected", "overdue",
                                                      "superseded", "withdrawn",    "accepted", "declined"};
constexpr std::array<std::string_view, 2> kAboutNames{"activity", "zone"};
}  // namespace

std::string_view about_name(NoticeAbout a) { return kAboutNames[static_cast<size_t>(a)]; }

std::optional<NoticeAbout> parse_notice_about(std::string_view s) { return parse_enum<NoticeAbout>(kAboutNames, s); }

std::string_view state_name(NoticeState s) { return kStateNames[static_cast<size_t>(s)]; }

std::optional<NoticeState> parse_notice_state(std::string_view s) { return parse_enum<NoticeState>(kStateNames, s); }

namespace {
constexpr std::array<std::string_view, 4> kDeliveryNames{"", "inbox", "stream", "answer"};
}

std::string_view delivery_name(Delivery d) { return kDeliveryNames[static_cast<size_t>(d)]; }

std::optional<Delivery> parse_delivery(std::string_view s) { return parse_enum<Delivery>(kDeliveryNames, s); }

}  // namespace deconflict

namespace deconflict::line {

std::vector<Notice> notices_for(const Volume& activity, const std::vector<Conflict>& conflicts,
                                const NoticeContext& context) {
  // Per affected party: the shortest notice its zones among the conflicts ask for.
  std::map<std::string, std::optional<std::chrono::milliseconds>> zone_notice_by_party;
  for (const Conflict& c : conflicts) {
    auto& shortest = zone_notice_by_party[c.other_party];
    const Volume* other = context.find(c.other_id);
    if (!other || other->type != ObjectType::zone || !other->terms().notice_h) continue;
    const auto wait = std::chrono::milliseconds(std::llround(*other->terms().notice_h * 3'600'000.0));
    shortest = shortest ? std::min(*shortest, wait) : wait;
  }
  std::vector<Notice> out;
  for (const auto& [party, zone_notice] : zone_notice_by_party) {
    const auto wait = zone_notice.value_or(context.default_deadline);
    Notice n;
    n.id = context.make_id();
    n.activity_id = activity.id;
    n.activity_version = activity.version;
    n.from_party = activity.party;
    n.to_party = party;
    n.created = context.now;
    n.deadline = std::max(context.now, std::min(context.now + wait, activity.window.start));
    out.push_back(std::move(n));
  }
  return out;
}

State activity_state(const std::vector<const Notice*>& notices) {
  if (notices.empty()) return State::clear;
  const auto any = [&](NoticeState s) {
    return std::any_of(notices.begin(), notices.end(), [s](const Notice* n) { return n->state == s; });
  };
  if (any(NoticeState::objected)) return State::objected;
  if (any(NoticeState::pending) || any(NoticeState::overdue)) return State::notified;
  return State::acknowledged;
}

}  // namespace deconflict::line
