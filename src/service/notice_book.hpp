// The notices the service holds in memory: each by its id, the pending ones
// by deadline, and each findable by its activity and by its parties, so that
// an inbox, an activity's state and the deadlines due cost what they return,
// not a scan of every notice.
//
//   book.keep(n);                      // after the commit that stored n
//   for (const Notice* n : book.due(now)) ...
//
// Invariants: a notice's id, activity and parties never change (keep() of a
// known id changes only its state, answer and deadline); `pending_` holds
// exactly the pending notices. Not thread-safe: the service's thread owns it.
#pragma once

#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "deconflict/notice.hpp"

namespace deconflict {

class NoticeBook {
 public:
  /// Records a notice's new state (after its commit).
  void keep(const Notice& n);
  void clear();

  /// The notice of that id, or null.
  const Notice* find(const std::string& id) const;
  /// Every notice about an activity, of any version.
  std::vector<const Notice*> of_activity(const std::string& activity_id) const;
  /// The notices of one version of an activity.
  std::vector<const Notice*> of_version(const std::string& activity_id, int version) const;
  /// Every notice a party sent or received.
  std::vector<const Notice*> of_party(const std::string& party) const;
  /// The pending notices whose deadline is at or before `now`, soonest first.
  std::vector<const Notice*> due(TimePoint now) const;
  /// Whether any is due at `now` (asked on every request: no allocation).
  bool any_due(TimePoint now) const { return !pending_.empty() && pending_.begin()->first <= now; }

 private:
  std::vector<const Notice*> all_of(const std::set<std::string>* ids) const;

  std::map<std::string, Notice> by_id_;
  std::set<std::pair<TimePoint, std::string>> pending_;  // by deadline, soonest first
  std::unordered_map<std::string, std::set<std::string>> by_activity_;
  std::unordered_map<std::string, std::set<std::string>> by_party_;  // sender's and receiver's
};

}  // namespace deconflict
