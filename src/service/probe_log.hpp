// The dry runs each party made in the last day (DESIGN §6.3, §12): a report
// of a volume not disclosed to the caller is a probe, and a party's probes
// are limited per day.
//
//   if (log.in_day(party, now) >= limit) refuse;   log.add(party, now);
//
// Not thread-safe: the service's thread owns it.
#pragma once

#include <deque>
#include <string>
#include <unordered_map>

#include "deconflict/units.hpp"

namespace deconflict {

class ProbeLog {
 public:
  void add(const std::string& party, TimePoint at) { by_party_[party].push_back(at); }
  /// How many probes `party` made in the 24 hours before `now` (older ones
  /// are forgotten). Probes must be added in time order.
  size_t in_day(const std::string& party, TimePoint now) {
    auto it = by_party_.find(party);
    if (it == by_party_.end()) return 0;
    while (!it->second.empty() && it->second.front() <= now - std::chrono::hours(24)) it->second.pop_front();
    return it->second.size();
  }
  void clear() { by_party_.clear(); }

 private:
  std::unordered_map<std::string, std::deque<TimePoint>> by_party_;  // oldest first
};

}  // namespace deconflict
