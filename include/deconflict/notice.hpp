// A notice: what the line sends to a party affected by an activity, or asked
// to agree to a zone (DESIGN §6). Acknowledgement is not approval.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "deconflict/units.hpp"

namespace deconflict {

/// pending, then acknowledged or objected, or overdue when its deadline
/// passes unanswered; superseded when its activity is replaced, withdrawn when
/// the activity is. A superseded or withdrawn notice cannot be answered. A
/// zone's proposal is accepted or declined instead, by answering the zone.
enum class NoticeState { pending, acknowledged, objected, overdue, superseded, withdrawn, accepted, declined };

/// What a notice is about: an activity (of its sender, or one of the
/// receiver's that the sender's site or zone meets), or a zone the sender
/// proposes and asks the receiver to agree to (DESIGN §6.2).
enum class NoticeAbout { activity, zone };
std::string_view about_name(NoticeAbout a);
std::optional<NoticeAbout> parse_notice_about(std::string_view s);

/// How a notice first reached its party: read from its inbox (GET
/// /v1/notices), pushed on one of its open event streams, or answered before
/// either (a zone's proposal, answered by accepting or declining the zone).
enum class Delivery { none, inbox, stream, answer };
std::string_view delivery_name(Delivery d);
std::optional<Delivery> parse_delivery(std::string_view s);

std::string_view state_name(NoticeState s);
std::optional<NoticeState> parse_notice_state(std::string_view s);

struct Notice {
  std::string id;
  NoticeAbout about = NoticeAbout::activity;
  std::string activity_id;  // the object it is about (a zone's id for a proposal)
  int activity_version = 1;
  std::string from_party;  // the activity's party (the site's or zone's, for one declared over it)
  std::string to_party;    // the party affected
  NoticeState state = NoticeState::pending;
  TimePoint created;
  TimePoint deadline;                 // to answer by
  std::optional<TimePoint> answered;  // when acknowledged, objected to, accepted or declined
  std::string text;                   // the objection's (or the refusal's) text
  /// When it first reached its party, and how: "never reached us" and
  /// "reached, not answered" are different facts (DESIGN §6.2).
  std::optional<TimePoint> delivered;
  Delivery delivered_via = Delivery::none;
};

}  // namespace deconflict
