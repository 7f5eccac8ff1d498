// A notice: what the line sends to a party affected by an activity (DESIGN §6).
// Acknowledgement is not approval.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "deconflict/units.hpp"

namespace deconflict {

/// pending, then acknowledged or objected, or overdue when its deadline
/// passes unanswered; superseded when its activity is replaced, withdrawn when
/// the activity is. A superseded or withdrawn notice cannot be answered.
enum class NoticeState { pending, acknowledged, objected, overdue, superseded, withdrawn };

/// How a notice first reached its party: read from its inbox (GET
/// /v1/notices), or pushed on one of its open event streams.
enum class Delivery { none, inbox, stream };
std::string_view delivery_name(Delivery d);
std::optional<Delivery> parse_delivery(std::string_view s);

std::string_view state_name(NoticeState s);
std::optional<NoticeState> parse_notice_state(std::string_view s);

struct Notice {
  std::string id;
  std::string activity_id;
  int activity_version = 1;
  std::string from_party;  // the activity's party
  std::string to_party;    // the party affected
  NoticeState state = NoticeState::pending;
  TimePoint created;
  TimePoint deadline;                 // to answer by
  std::optional<TimePoint> answered;  // when acknowledged or objected to
  std::string text;                   // the objection's text
  /// When it first reached its party, and how: "never reached us" and
  /// "reached, not answered" are different facts (DESIGN §6.2).
  std::optional<TimePoint> delivered;
  Delivery delivered_via = Delivery::none;
};

}  // namespace deconflict
