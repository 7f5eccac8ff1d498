// Events on the line and messages between parties (DESIGN §6).
#pragma once

#include <cstdint>
#include <string>

#include "deconflict/units.hpp"

namespace deconflict {

/// Something a party is told: `notice`, `acknowledged`, `objected`, `overdue`,
/// `withdrawn` or `message`. Each party's events are numbered in one sequence
/// shared by all parties (`seq`), so a stream resumes after the last one seen.
struct Event {
  int64_t seq = 0;     // assigned when committed
  std::string party;   // who is told
  std::string type;
  std::string data;    // a JSON object: the notice, the message, or the withdrawn activity
  TimePoint created;
};

/// A free-text message from one party to another, optionally about an object.
struct Message {
  std::string id;
  std::string from_party;
  std::string to_party;
  std::string text;
  std::string about;  // an object's id, or empty
  TimePoint created;
};

}  // namespace deconflict
