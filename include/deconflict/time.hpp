// RFC 3339 timestamps, as used by the interchange format.
//
//   auto t = deconflict::parse_rfc3339("2018-09-07T06:00:00Z");   // Result<TimePoint>
//   std::string s = deconflict::format_rfc3339(*t);                 // "2018-09-07T06:00:00Z"
//
// Offsets (+03:00) are accepted and converted to UTC; output is always UTC with
// a `Z`, with milliseconds only when they are not zero. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "deconflict/status.hpp"
#include "deconflict/units.hpp"

namespace deconflict {

Result<TimePoint> parse_rfc3339(std::string_view text);
std::string format_rfc3339(TimePoint t);
/// format_rfc3339(t) appended to `out`, without a string of its own.
void append_rfc3339(TimePoint t, std::string& out);

/// Seconds since the Unix epoch as a double (for indexes and statistics).
inline double to_seconds(TimePoint t) { return static_cast<double>(t.time_since_epoch().count()) / 1000.0; }

}  // namespace deconflict
