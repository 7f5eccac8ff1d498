// The line's rules (DESIGN §6), as pure functions over notices.
//
// - An activity that conflicts with volumes of other parties gets one notice
//   per such party (not one per conflict).
// - The deadline is the shortest `notice_h` of that party's zones among the
//   conflicts, or the default, and never after the activity starts (an
//   answer after the start comes too late to change anything).
// - The activity's state follows the notices of its current version.
// Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "deconflict/conflict.hpp"
#include "deconflict/notice.hpp"
#include "deconflict/volume.hpp"

namespace deconflict::line {

struct NoticeContext {
  TimePoint now;
  std::chrono::milliseconds default_deadline{std::chrono::hours(24)};
  std::function<const Volume*(const std::string&)> find;  // looks up the other side of a conflict
  std::function<std::string()> make_id;
};

/// One notice per party affected by the activity's conflicts, in party order.
std::vector<Notice> notices_for(const Volume& activity, const std::vector<Conflict>& conflicts,
                                const NoticeContext& context);

/// clear without notices; objected if any is objected to; notified while any
/// is pending or overdue; acknowledged when all are.
State activity_state(const std::vector<const Notice*>& notices);

}  // namespace deconflict::line
