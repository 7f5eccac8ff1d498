// TAK's streaming protocol, version 0 (XML), as a TAK server speaks it to
// ATAK, WinTAK and iTAK over TCP or TLS: one CoT <event> after another, cut
// apart by their closing tags; a client may begin with TAK's <auth> message
// (its "Use Authentication" setting), pings the server (`t-x-c-t`) and is
// answered (`t-x-c-t-r`); a drawing that is gone is deleted by `t-x-d-d`.
//
//   if (auto auth = gis::read_tak_auth(first_message)) ... auth->username, auth->password
//   stream << gis::cot_delete("deconflict.russia.entry", now);
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "deconflict/status.hpp"
#include "deconflict/units.hpp"

namespace deconflict::gis {

/// TAK's authentication message: <auth><cot username="..." password="..."/></auth>.
struct TakAuth {
  std::string username;
  std::string password;
};

/// Reads an <auth> message (with or without an XML declaration before it),
/// parsed as data (gis/xml.hpp); invalid_input when it is not one.
Result<TakAuth> read_tak_auth(std::string_view text);

/// Where the first message of `stream` that ends with `closing` (say
/// "</event>") ends, just after it; nothing while it is not all there.
std::optional<size_t> message_end(std::string_view stream, std::string_view closing);

/// True for a client's ping: an event whose type is `t-x-c-t`. Reads only
/// the event's opening tag.
bool is_ping(std::string_view event);

/// The server's answer to a ping.
std::string cot_pong(TimePoint now);

/// Deletes the drawing `uid` from a TAK client's map (`t-x-d-d`, with TAK's
/// <__forcedelete/>).
std::string cot_delete(std::string_view uid, TimePoint now);

}  // namespace deconflict::gis
