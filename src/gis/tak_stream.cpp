#include "gis/tak_stream.hpp"

#include "deconflict/time.hpp"
#include "gis/cot.hpp"
#include "gis/xml.hpp"

namespace deconflict::gis {
namespace {

// A control event of the server's: no place (CoT's "unknown" point), alive
// for a minute.
std::string control_event(std::string_view uid, const char* type, TimePoint now, const std::string& detail) {
  const std::string time = format_rfc3339(now);
  const std::string stale = format_rfc3339(now + std::chrono::minutes(1));
  return "<event version=\"2.0\" uid=\"" + xml_escaped(uid) + "\" type=\"" + type + "\" time=\"" + time +
         "\" start=\"" + time + "\" stale=\"" + stale +
         "\" how=\"h-g-i-g-o\"><point lat=\"0.0\" lon=\"0.0\" hae=\"9999999.0\" ce=\"9999999.0\" "
         "le=\"9999999.0\"/><detail>" +
         detail + "</detail></event>";
}

}  // namespace

Result<TakAuth> read_tak_auth(std::string_view text) {
  const xml::Doc doc = xml::parse(text);
  const xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  const xmlNode* cot = xml::child(root, "cot");
  if (!xml::named(root, "auth") || !cot) {
    return make_error(ErrorCode::invalid_input, "not TAK's <auth><cot username password/></auth>");
  }
  return TakAuth{xml::attribute(cot, "username"), xml::attribute(cot, "password")};
}

std::optional<size_t> message_end(std::string_view stream, std::string_view closing) {
  const size_t at = stream.find(closing);
  if (at == std::string_view::npos) return std::nullopt;
  return at + closing.size();
}

bool is_ping(std::string_view event) {
  const size_t open = event.find("<event");
  if (open == std::string_view::npos) return false;
  const std::string_view tag = event.substr(open, event.find('>', open) - open);
  return tag.find("type=\"t-x-c-t\"") != std::string_view::npos || tag.find("type='t-x-c-t'") != std::string_view::npos;
}

std::string cot_pong(TimePoint now) { return control_event("takPong", "t-x-c-t-r", now, ""); }

std::string cot_delete(std::string_view uid, TimePoint now) {
  return control_event(std::string(uid) + ".delete", "t-x-d-d", now,
                       "<link uid=\"" + xml_escaped(uid) + "\" relation=\"none\" type=\"none\"/><__forcedelete/>");
}

}  // namespace deconflict::gis
