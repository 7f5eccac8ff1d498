// The handlers of the line's routes: notices and their answers, messages
// (routes in api.cpp).
#include "format/feature_writer.hpp"
#include "format/json_text.hpp"
#include "server/api.hpp"

namespace deconflict::server {

using json = nlohmann::ordered_json;

Result<nlohmann::json> body_object(const Request& req, bool empty_ok) {
  if (empty_ok && req.body().empty()) return nlohmann::json::object();
  auto value = format::parse_json(req.body());
  if (!value || !value->is_object()) return make_error(ErrorCode::invalid_input, "the body is not a JSON object");
  return value;
}

// A string member of a JSON object; empty when absent or null.
Result<std::string> string_member(const nlohmann::json& body, const char* name) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) return make_error(ErrorCode::invalid_input, "expected a string", name);
  return it->get<std::string>();
}

// GET /v1/notices?state=: the caller's notices, sent and received.
Result<Answer> Api::notices(Call& call) {
  std::optional<NoticeState> state;
  if (auto it = call.target.query.find("state"); it != call.target.query.end()) {
    state = parse_notice_state(it->second);
    if (!state) {
      return make_error(ErrorCode::usage,
                        "expected pending, acknowledged, objected, overdue, superseded, withdrawn, accepted or "
                        "declined",
                        "state");
    }
  }
  const auto limit = query_number(call.target, "limit", PageLimits::kMaxItems);
  if (!limit) return limit.error();
  const auto after = call.target.query.find("after");
  auto page = call.view.inbox(state, after == call.target.query.end() ? "" : after->second,
                              static_cast<size_t>(std::max<int64_t>(1, *limit)));
  if (!page) return page.error();
  json list = json::array();
  for (const Notice& n : page->notices) list.push_back(format::to_json(n));
  json body = {{"notices", std::move(list)}};
  if (page->next) body["next"] = *page->next;
  return Answer::json(std::move(body));
}

Result<Answer> Api::acknowledge(Call& call) { return answer_notice(call, NoticeState::acknowledged); }
Result<Answer> Api::object_to(Call& call) { return answer_notice(call, NoticeState::objected); }

// POST /v1/notices/{id}/ack or /object, with an optional {"text": ...}.
Result<Answer> Api::answer_notice(Call& call, NoticeState answer) {
  auto body = body_object(call.req, true);
  if (!body) return body.error();
  auto text = string_member(*body, "text");
  if (!text) return text.error();
  auto answered = call.view.answer(call.id, answer, *text);
  if (!answered) return answered.error();
  return Answer::json(format::to_json(*answered));
}

// GET /v1/messages?after=&limit=: the caller's messages, a page at a time.
Result<Answer> Api::messages(Call& call) {
  const auto limit = query_number(call.target, "limit", PageLimits::kMaxItems);
  if (!limit) return limit.error();
  const auto after = call.target.query.find("after");
  auto page = call.view.message_page(after == call.target.query.end() ? "" : after->second,
                                     static_cast<size_t>(std::max<int64_t>(1, *limit)));
  if (!page) return page.error();
  json list = json::array();
  for (const Message& m : page->messages) list.push_back(format::to_json(m));
  json body = {{"messages", std::move(list)}};
  if (page->next) body["next"] = *page->next;
  return Answer::json(std::move(body));
}

// POST /v1/messages {"to": party, "text": ..., "about": object id}.
Result<Answer> Api::send_message(Call& call) {
  auto body = body_object(call.req, false);
  if (!body) return body.error();
  std::string fields[3];
  const char* names[3] = {"to", "text", "about"};
  for (int i = 0; i < 3; ++i) {
    auto field = string_member(*body, names[i]);
    if (!field) return field.error();
    fields[i] = std::move(*field);
  }
  auto sent = call.view.send_message(fields[0], fields[1], fields[2]);
  if (!sent) return sent.error();
  return Answer::json(format::to_json(*sent), http::status::created);
}

}  // namespace deconflict::server
