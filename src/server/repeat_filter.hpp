// What the server's ticker logs of an error that comes back at every tick
// (the store out of reach, a damaged record: ten times a second): the first
// time at once, then once every `every` with how many times it came in
// between, at once when it changes (with the count of the one it replaces),
// and one line when it stops.
//
//   RepeatFilter follow_errors(std::chrono::seconds(10));
//   if (auto line = follow_errors.take(ok ? "" : message, now)) log(*line);
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace deconflict::server {

class RepeatFilter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RepeatFilter(Clock::duration every) : every_(every) {}

  /// The line to log for this tick's error (`message`, empty when there is
  /// none), or nothing.
  std::optional<std::string> take(const std::string& message, Clock::time_point now) {
    if (message.empty()) {
      if (last_.empty()) return std::nullopt;
      std::string line = "no longer: " + last_ + repeats();
      last_.clear();
      repeats_ = 0;
      return line;
    }
    if (message != last_) {
      // The error it replaces may have come again since its last line: say how often.
      std::string line = message;
      if (repeats_ > 0) line += " (in place of: " + last_ + repeats() + ")";
      last_ = message;
      repeats_ = 0;
      since_ = now;
      return line;
    }
    ++repeats_;
    if (now - since_ < every_) return std::nullopt;
    std::string line = message + repeats();
    repeats_ = 0;
    since_ = now;
    return line;
  }

 private:
  std::string repeats() const {
    if (repeats_ == 0) return {};
    return " (" + std::to_string(repeats_) + (repeats_ == 1 ? " more time" : " more times") + " since the last line)";
  }

  Clock::duration every_;
  std::string last_;           // the error being repeated; empty while all is well
  unsigned long repeats_ = 0;  // of last_ since its last line
  Clock::time_point since_{};
};

}  // namespace deconflict::server
