#include "server/api.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include <spdlog/spdlog.h>

#include "deconflict/time.hpp"
#include "format/feature_reader.hpp"
#include "format/feature_writer.hpp"
#include "format/json_text.hpp"
#include "server/openapi.hpp"
#include "server/static_files.hpp"

namespace deconflict::server {
namespace {

using json = nlohmann::ordered_json;

http::status status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_input:
    case ErrorCode::usage: return http::status::bad_request;
    case ErrorCode::not_found: return http::status::not_found;
    case ErrorCode::forbidden:
    case ErrorCode::limit_exceeded: return http::status::forbidden;
    case ErrorCode::version_conflict:
    case ErrorCode::already_exists: return http::status::conflict;
    case ErrorCode::unauthorized: return http::status::unauthorized;
    case ErrorCode::too_large: return http::status::payload_too_large;
    case ErrorCode::rate_limited:
    case ErrorCode::probe_limit: return http::status::too_many_requests;
    case ErrorCode::too_complex: return http::status::unprocessable_entity;
    case ErrorCode::method_not_allowed: return http::status::method_not_allowed;
    case ErrorCode::overloaded: return http::status::service_unavailable;
    default: return http::status::internal_server_error;
  }
}

}  // namespace

Response json_response(http::status status, const json& body, unsigned version, bool keep_alive) {
  Response r{status, version};
  r.set(http::field::content_type, "application/json");
  r.set(http::field::cache_control, "no-store");
  r.keep_alive(keep_alive);
  // Error messages quote what the client sent (a query, a path), which need
  // not be UTF-8: such bytes become U+FFFD rather than an exception.
  r.body() = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.prepare_payload();
  return r;
}

namespace {

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      if (std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16).ec == std::errc{}) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

Target parse_target(std::string_view target) {
  Target t;
  const size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) t.segments.push_back(percent_decode(path.substr(start, end - start)));
    start = end + 1;
  }
  if (q == std::string_view::npos) return t;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const size_t eq = pair.find('=');
    t.query[percent_decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
  }
  return t;
}

std::optional<ObjectType> collection_type(const std::string& name) {
  if (name == "zones") return ObjectType::zone;
  if (name == "sites") return ObjectType::site;
  if (name == "activities") return ObjectType::activity;
  return std::nullopt;
}

}  // namespace

Result<int64_t> query_number(const Target& t, const char* name, int64_t fallback) {
  const auto it = t.query.find(name);
  if (it == t.query.end()) return fallback;
  int64_t v = 0;
  const std::string& s = it->second;
  if (std::from_chars(s.data(), s.data() + s.size(), v).ec != std::errc{} || v < 0) {
    return make_error(ErrorCode::usage, "expected a non-negative integer", name);
  }
  return v;
}

namespace {

Result<ListFilter> filter_from(const Target& t, ObjectType type) {
  ListFilter f;
  f.type = type;
  if (auto it = t.query.find("party"); it != t.query.end()) {
    if (!is_party_id(it->second)) return make_error(ErrorCode::usage, "not a party id (a lowercase slug)", "party");
    f.party = it->second;
  }
  if (auto it = t.query.find("bbox"); it != t.query.end()) {
    auto b = BoundingBox::parse(it->second, "bbox");
    if (!b) return b.error();
    f.bbox = *b;
  }
  for (const char* key : {"start", "end"}) {
    auto it = t.query.find(key);
    if (it == t.query.end()) continue;
    auto time = parse_rfc3339(it->second);
    if (!time) return make_error(ErrorCode::usage, time.error().message, key);
    (std::string_view(key) == "start" ? f.start : f.end) = *time;
  }
  return f;
}

// The body as JSON; a discarded value when it is not JSON or nests too deep
// (the callers refuse anything but an object).
nlohmann::json body_json(const Request& req) {
  auto value = format::parse_json(req.body());
  return value ? std::move(*value) : nlohmann::json(nlohmann::json::value_t::discarded);
}

// Reads the body as one Feature of the given type belonging to the caller.
Result<Volume> feature_from(const Request& req, ObjectType type, const Party& caller, size_t max_positions) {
  auto parsed = format::parse_json(req.body());
  if (!parsed) return parsed.error();
  auto& body = *parsed;
  if (body.is_object() && body["properties"].is_object()) {
    auto& props = body["properties"];
    if (!props.contains("party")) props["party"] = caller.id;
    if (!props.contains("type")) props["type"] = std::string(type_name(type));
  }
  auto v = format::read_feature(body, max_positions);
  if (!v) return v.error();
  if (v->type != type) {
    return make_error(ErrorCode::invalid_input, "expected a " + std::string(type_name(type)), "properties.type");
  }
  return v;
}

// 405 with the methods the path has.
Response method_not_allowed(const Request& req, const char* allow) {
  Response r = error_response(make_error(ErrorCode::method_not_allowed, std::string("this path allows ") + allow),
                              req.version(), req.keep_alive());
  r.set(http::field::allow, allow);
  return r;
}

// 200 with a JSON text already written (a Feature kept with its object).
Response text_response(std::string text, unsigned version, bool keep_alive) {
  Response r = json_response(http::status::ok, json::object(), version, keep_alive);
  r.body() = std::move(text);
  r.prepare_payload();
  return r;
}

json conflicts_json(const std::vector<Conflict>& conflicts) {
  json out = json::array();
  for (const Conflict& c : conflicts) out.push_back(format::to_json(c));
  return out;
}

json declared_json(const Declared& d) {
  json notices = json::array();
  for (const Notice& n : d.notices) {
    notices.push_back(
        {{"id", n.id}, {"party", n.to_party}, {"deadline", format_rfc3339(n.deadline)}, {"state", state_name(n.state)}});
  }
  return {{"feature", format::to_feature(*d.volume)},
          {"conflicts", conflicts_json(d.conflicts)},
          {"notices", std::move(notices)}};
}

}  // namespace

Response error_response(const Error& e, unsigned version, bool keep_alive) {
  json body = {{"error", {{"code", code_name(e.code)}, {"message", e.message}}}};
  if (!e.field.empty()) body["error"]["field"] = e.field;
  Response r = json_response(status_of(e.code), body, version, keep_alive);
  if (e.code == ErrorCode::unauthorized) r.set(http::field::www_authenticate, "Bearer");
  return r;
}

double RateLimiter::admit(const std::string& party, std::chrono::steady_clock::time_point now) {
  if (rate_ <= 0) return 0;
  auto [it, fresh] = buckets_.try_emplace(party, Bucket{burst_, now});
  Bucket& b = it->second;
  b.tokens = refilled(b, now);
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 0;
  }
  return (1 - b.tokens) / rate_;
}

bool RateLimiter::ready(const std::string& party, std::chrono::steady_clock::time_point now) const {
  if (rate_ <= 0) return true;
  const auto it = buckets_.find(party);
  if (it == buckets_.end()) return true;
  return refilled(it->second, now) >= 1;
}

double RateLimiter::refilled(const Bucket& b, std::chrono::steady_clock::time_point now) const {
  return std::min(burst_, b.tokens + std::chrono::duration<double>(now - b.at).count() * rate_);
}

void RateLimiter::charge(const std::string& party, double requests) {
  if (rate_ <= 0) return;
  const auto it = buckets_.find(party);
  if (it != buckets_.end()) it->second.tokens -= requests;
}

// CORS is off unless an origin is configured: then that origin (and no
// other) may call the API from a browser, preflight included.
bool Api::cors_allowed(const Request& req) const {
  return !limits_.cors_origin.empty() && req[http::field::origin] == limits_.cors_origin;
}

void Api::allow_origin(Response& r) const {
  r.set(http::field::access_control_allow_origin, limits_.cors_origin);
  r.set(http::field::vary, "Origin");
}

Response Api::handle(const Request& req, std::string& party, Prepared* prepared) {
  const bool allowed = cors_allowed(req);
  if (req.method() == http::verb::options) {
    if (!allowed) return error_response(make_error(ErrorCode::not_found, "no such endpoint"), req.version(), req.keep_alive());
    Response r{http::status::no_content, req.version()};
    r.set(http::field::access_control_allow_methods, "GET, POST, PUT, DELETE");
    r.set(http::field::access_control_allow_headers, "Authorization, Content-Type, If-Match, Last-Event-ID");
    r.set(http::field::access_control_max_age, "600");
    allow_origin(r);
    r.keep_alive(req.keep_alive());
    r.prepare_payload();
    return r;
  }
  Response r = route(req, party, prepared);
  if (allowed) allow_origin(r);
  return r;
}

Response Api::route(const Request& req, std::string& party, Prepared* prepared) {
  if (page_) {
    if (auto file = page_->serve(req)) return std::move(*file);
  }
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  const auto fail = [&](const Error& e) { return error_response(e, version, keep_alive); };
  const auto ok = [&](http::status s, const json& body) { return json_response(s, body, version, keep_alive); };
  const Target t = parse_target(std::string_view(req.target().data(), req.target().size()));
  const auto& seg = t.segments;
  if (seg.empty() || seg[0] != "v1") return fail(make_error(ErrorCode::not_found, "no such endpoint"));

  if (is_health(req)) return health_response(health(), req);

  // Everything else needs a bearer token.
  auto caller = authenticate(req);
  if (!caller) return fail(caller.error());
  party = caller->id;
  if (const double wait_s = rate_.admit(caller->id, std::chrono::steady_clock::now()); wait_s > 0) {
    Response r = fail(make_error(ErrorCode::rate_limited, "more than " + std::to_string(limits_.rate_per_s) +
                                                              " requests per second; slow down"));
    r.set(http::field::retry_after, std::to_string(static_cast<int>(std::ceil(wait_s))));
    return r;
  }
  // Deadlines pass between requests too (the server also ticks every second);
  // answer from the present.
  if (auto overdue = service_.advance(); !overdue) return fail(overdue.error());
  if (req.body().size() > limits_.max_body_bytes) {
    return fail(make_error(ErrorCode::too_large, "the body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes"));
  }

  if (prepared && prepared->caller.id != caller->id) prepared = nullptr;  // prepared for someone else: unused
  const uint64_t ahead = prepared ? prepared->ahead.work() : 0;
  PartyView view = service_.as(*caller, prepared ? &prepared->ahead : nullptr);
  // Whatever this request's checks cost is charged to the party's rate,
  // what was measured ahead included.
  struct ChargeWork {
    RateLimiter& rate;
    const PartyView& view;
    uint64_t per_request, before;
    ~ChargeWork() { rate.charge(view.caller().id, static_cast<double>(view.work_spent() - before) / static_cast<double>(per_request)); }
  } charge{rate_, view, std::max<uint64_t>(1, limits_.work_per_request), view.work_spent() - ahead};
  if (seg.size() == 2 && seg[1] == "whoami" && req.method() == http::verb::get) {
    return ok(http::status::ok, {{"id", caller->id}, {"name", caller->name}, {"admin", caller->admin}});
  }
  if (seg.size() == 2 && seg[1] == "check" && req.method() == http::verb::post) {
    auto activity = feature(req, ObjectType::activity, *caller, prepared);
    if (!activity) return fail(activity.error());
    auto conflicts = view.check(*activity);
    if (!conflicts) return fail(conflicts.error());
    return ok(http::status::ok, {{"conflicts", conflicts_json(*conflicts)}});
  }

  if (seg.size() == 2 && seg[1] == "openapi.yaml" && req.method() == http::verb::get) {
    Response r{http::status::ok, version};
    r.set(http::field::content_type, "application/yaml");
    r.keep_alive(keep_alive);
    r.body() = std::string(openapi_yaml());
    r.prepare_payload();
    return r;
  }
  if (seg.size() == 4 && seg[1] == "notices" && seg[3] == "proof") return record(req, t, view);
  if (seg.size() >= 2 && seg[1] == "notices") return notices(req, t, view);
  if (seg.size() >= 2 && seg[1] == "record") return record(req, t, view);
  if (seg.size() == 4 && seg[1] == "admin" && seg[2] == "record" && seg[3] == "rotate-key") return record(req, t, view);
  if (seg.size() == 2 && seg[1] == "messages") return messages(req, view);
  if (seg.size() == 3 && seg[1] == "admin" && seg[2] == "clock") return clock(req, *caller);

  const auto type = seg.size() >= 2 ? collection_type(seg[1]) : std::nullopt;
  if (!type) return fail(make_error(ErrorCode::not_found, "no such endpoint"));

  if (seg.size() == 2 && req.method() == http::verb::get) {
    auto filter = filter_from(t, *type);
    if (!filter) return fail(filter.error());
    const auto limit = query_number(t, "limit", PageLimits::kMaxItems);
    if (!limit) return fail(limit.error());
    const auto after = t.query.find("after");
    const ListPage page = view.page(*filter, after == t.query.end() ? "" : after->second,
                                    static_cast<size_t>(std::max<int64_t>(1, *limit)));
    // Joined from each feature's text, written once per revision.
    size_t size = 128;
    for (const Volume* v : page.volumes) size += view.feature_text(*v).size() + 1;
    std::string body;
    body.reserve(size);
    body = R"({"type":"FeatureCollection","features":[)";
    for (size_t i = 0; i < page.volumes.size(); ++i) (body += i ? "," : "") += view.feature_text(*page.volumes[i]);
    body += "]";
    if (page.next) body += R"(,"next":)" + nlohmann::json(*page.next).dump();
    body += "}";
    return text_response(std::move(body), version, keep_alive);
  }

  if (seg.size() == 4 && *type == ObjectType::zone && (seg[3] == "accept" || seg[3] == "decline") &&
      req.method() == http::verb::post) {
    auto zone = view.answer_zone(seg[2], seg[3] == "accept");
    if (!zone) return fail(zone.error());
    return text_response(view.feature_text(**zone), version, keep_alive);
  }
  if (seg.size() == 4 && seg[3] == "conflicts" && *type == ObjectType::activity && req.method() == http::verb::get) {
    auto found = view.conflicts(seg[2]);
    if (!found) return fail(found.error());
    return ok(http::status::ok, {{"conflicts", conflicts_json(*found)}});
  }
  if (seg.size() == 3) return object(req, t, view, *type, prepared);

  if (seg.size() == 2 && req.method() == http::verb::post) {
    auto v = feature(req, *type, *caller, prepared);
    if (!v) return fail(v.error());
    auto declared = view.declare(std::move(*v));
    if (!declared) return fail(declared.error());
    return ok(http::status::created, declared_json(*declared));
  }
  if (seg.size() == 2) return method_not_allowed(req, "GET, POST");

  return fail(make_error(ErrorCode::not_found, "no such endpoint"));
}

Result<Volume> Api::feature(const Request& req, ObjectType type, const Party& caller, Prepared* prepared) const {
  if (prepared && prepared->feature && prepared->type == type) {
    Result<Volume> v = std::move(*prepared->feature);
    prepared->feature.reset();
    return v;
  }
  return feature_from(req, type, caller, limits_.max_positions);
}

std::optional<Prepared> Api::prepare(const Request& req) {
  const Target t = parse_target(std::string_view(req.target().data(), req.target().size()));
  const auto& seg = t.segments;
  if (seg.size() < 2 || seg[0] != "v1" || seg.size() > 4) return std::nullopt;
  const auto method = req.method();
  const auto type = seg[1] == "check" ? std::optional(ObjectType::activity) : collection_type(seg[1]);
  if (!type) return std::nullopt;
  Prepared p;
  p.type = *type;
  p.max_positions = limits_.max_positions;
  if (seg.size() == 2 && method == http::verb::post && *type != ObjectType::zone) {
    p.has_body = true;  // a dry run, or a declaration of an activity or a site (zones are checked once agreed)
  } else if (seg.size() == 3 && method == http::verb::put && *type != ObjectType::zone) {
    p.has_body = true;
    p.id = seg[2];
  } else if ((seg.size() == 4 && *type == ObjectType::activity && seg[3] == "conflicts" && method == http::verb::get) ||
             (seg.size() == 4 && *type == ObjectType::zone && seg[3] == "accept" && method == http::verb::post) ||
             (seg.size() == 3 && *type != ObjectType::activity && method == http::verb::delete_)) {
    p.id = seg[2];  // a stored object's check
  } else {
    return std::nullopt;
  }
  if (req.body().size() > limits_.max_body_bytes) return std::nullopt;
  // Only for a caller that may make the request now: the rest is refused
  // by handle() before anything is measured.
  auto caller = authenticate(req);
  if (!caller || !rate_.ready(caller->id, std::chrono::steady_clock::now())) return std::nullopt;
  p.caller = *caller;
  if (!p.has_body) p.ahead = service_.as(p.caller).plan(p.id);
  return p;
}

void Api::parse(const Request& req, Prepared& p) {
  if (!p.has_body) return;
  Result<Volume> v = feature_from(req, p.type, p.caller, p.max_positions);
  if (v && !p.id.empty() && v->id.empty()) v->id = p.id;
  p.feature = std::move(v);
}

void Api::plan(Prepared& p) {
  if (!p.feature || !*p.feature || !service_.active(p.caller.id)) return;
  p.ahead = service_.as(p.caller).plan(**p.feature);
}

Result<Party> Api::authenticate(const Request& req) {
  // Two tokens in one request: which one acts is not for the server to guess.
  if (req.count(http::field::authorization) > 1) {
    return make_error(ErrorCode::usage, "more than one Authorization header");
  }
  const auto header = req[http::field::authorization];
  const std::string_view auth(header.data(), header.size());
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() <= kBearer.size() || auth.substr(0, kBearer.size()) != kBearer) {
    return make_error(ErrorCode::unauthorized, "missing bearer token");
  }
  auto caller = service_.authenticate(auth.substr(kBearer.size()));
  if (!caller && caller.error().code == ErrorCode::not_found) {
    return make_error(ErrorCode::unauthorized, "unknown or revoked token");
  }
  return caller;
}

bool Api::is_health(const Request& req) {
  const std::string_view target(req.target().data(), req.target().size());
  return req.method() == http::verb::get && target.substr(0, target.find('?')) == "/v1/health";
}

Health Api::health() {
  // A load balancer sends no traffic to a node that cannot reach its store.
  if (Status st = service_.health(); !st) {
    spdlog::error("health: {}", st.error().describe());
    return Health::unreachable;
  }
  // A node that could not write (disk full, a standby database) says so:
  // reads would be answered, but a change sent here would fail.
  if (Status st = service_.writable(); !st) {
    spdlog::error("health: {}", st.error().describe());
    return Health::read_only;
  }
  return Health::ok;
}

Response Api::health_response(Health health, const Request& req) const {
  // No counts: the public learns nothing of what the line holds.
  static constexpr const char* kStatus[] = {"ok", "store unreachable", "read-only"};
  Response r = json_response(health == Health::ok ? http::status::ok : http::status::service_unavailable,
                             {{"status", kStatus[static_cast<int>(health)]}}, req.version(), req.keep_alive());
  if (cors_allowed(req)) allow_origin(r);
  return r;
}

bool Api::is_stream(const Request& req) {
  const std::string_view target(req.target().data(), req.target().size());
  return req.method() == http::verb::get && target.substr(0, target.find('?')) == "/v1/events";
}

std::variant<StreamStart, Response> Api::open_stream(const Request& req, std::string& party) {
  const auto fail = [&](const Error& e) { return error_response(e, req.version(), false); };
  auto caller = authenticate(req);
  if (!caller) return fail(caller.error());
  party = caller->id;
  // Resume after the last event seen: the Last-Event-ID header, or ?after=ID
  // (or ?after=now for live events only).
  const Target t = parse_target(std::string_view(req.target().data(), req.target().size()));
  const auto header = req["Last-Event-ID"];
  std::string after(header.data(), header.size());
  if (auto it = t.query.find("after"); after.empty() && it != t.query.end()) after = it->second;
  auto backlog = service_.as(*caller).events(after, 10'000);
  if (!backlog) return fail(backlog.error());
  return StreamStart{caller->id, std::move(*backlog)};
}

std::string Api::frame(const Event& e) {
  return "id: " + e.id + "\nevent: " + e.type + "\ndata: " + e.data + "\n\n";
}

// POST and GET /v1/messages.
Response Api::messages(const Request& req, PartyView& view) {
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  const auto fail = [&](const Error& e) { return error_response(e, version, keep_alive); };
  if (req.method() == http::verb::get) {
    json list = json::array();
    for (const Message& m : view.messages()) list.push_back(format::to_json(m));
    return json_response(http::status::ok, {{"messages", std::move(list)}}, version, keep_alive);
  }
  if (req.method() != http::verb::post) return fail(make_error(ErrorCode::not_found, "no such endpoint"));
  auto body = body_json(req);
  if (!body.is_object()) return fail(make_error(ErrorCode::invalid_input, "the body is not a JSON object"));
  std::string fields[3];
  const char* names[3] = {"to", "text", "about"};
  for (int i = 0; i < 3; ++i) {
    const auto it = body.find(names[i]);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_string()) return fail(make_error(ErrorCode::invalid_input, "expected a string", names[i]));
    fields[i] = it->get<std::string>();
  }
  auto sent = view.send_message(fields[0], fields[1], fields[2]);
  if (!sent) return fail(sent.error());
  return json_response(http::status::created, format::to_json(*sent), version, keep_alive);
}

// GET, PUT and DELETE on /v1/{collection}/{id}.
Response Api::object(const Request& req, const Target& t, PartyView& view, ObjectType type, Prepared* prepared) {
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  const auto fail = [&](const Error& e) { return error_response(e, version, keep_alive); };
  const std::string& id = t.segments[2];
  if (req.method() == http::verb::get) {
    auto v = view.find(type, id);
    if (!v) return fail(v.error());
    return text_response(view.feature_text(**v), version, keep_alive);
  }
  if (req.method() == http::verb::put) {
    const auto header = req[http::field::if_match];
    std::string match(header.data(), header.size());
    match.erase(std::remove(match.begin(), match.end(), '"'), match.end());
    int if_match = 0;
    if (match.empty() || std::from_chars(match.data(), match.data() + match.size(), if_match).ec != std::errc{}) {
      return fail(make_error(ErrorCode::usage, "PUT needs If-Match: <version>", "If-Match"));
    }
    auto v = feature(req, type, view.caller(), prepared);
    if (!v) return fail(v.error());
    if (v->id.empty()) v->id = id;
    if (v->id != id) return fail(make_error(ErrorCode::invalid_input, "differs from the id in the path", "properties.id"));
    auto replaced = view.replace(std::move(*v), if_match);
    if (!replaced) return fail(replaced.error());
    return json_response(http::status::ok, declared_json(*replaced), version, keep_alive);
  }
  if (req.method() == http::verb::delete_) {
    auto told = view.withdraw(type, id);
    if (!told) return fail(told.error());
    const char* done = type == ObjectType::activity ? "withdrawn" : "retired";
    return json_response(http::status::ok, {{done, id}, {"notified", *told}}, version, keep_alive);
  }
  return method_not_allowed(req, "GET, PUT, DELETE");
}

// POST /v1/admin/clock {"now": "..."}: only with a simulated clock, only for admins.
Response Api::clock(const Request& req, const Party& caller) {
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  const auto fail = [&](const Error& e) { return error_response(e, version, keep_alive); };
  if (!set_clock_ || req.method() != http::verb::post) return fail(make_error(ErrorCode::not_found, "no such endpoint"));
  if (!caller.admin) return fail(make_error(ErrorCode::forbidden, "only an admin party may set the clock"));
  auto body = body_json(req);
  if (!body.is_object() || !body.contains("now") || !body["now"].is_string()) {
    return fail(make_error(ErrorCode::invalid_input, "expected {\"now\": RFC 3339}", "now"));
  }
  auto now = parse_rfc3339(body["now"].get<std::string>());
  if (!now) return fail(make_error(ErrorCode::invalid_input, now.error().message, "now"));
  if (Status st = set_clock_(*now); !st) return fail(st.error());
  auto overdue = service_.advance();
  if (!overdue) return fail(overdue.error());
  return json_response(http::status::ok, {{"now", format_rfc3339(*now)}, {"overdue", overdue->size()}}, version,
                       keep_alive);
}

Response Api::notices(const Request& req, const Target& t, PartyView& view) {
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  const auto& seg = t.segments;
  if (seg.size() == 2 && req.method() == http::verb::get) {
    std::optional<NoticeState> state;
    if (auto it = t.query.find("state"); it != t.query.end()) {
      state = parse_notice_state(it->second);
      if (!state) {
        return error_response(make_error(ErrorCode::usage, "expected pending, acknowledged, objected, overdue, superseded or withdrawn", "state"),
                              version, keep_alive);
      }
    }
    json list = json::array();
    for (const Notice& n : view.notices(state)) list.push_back(format::to_json(n));
    return json_response(http::status::ok, {{"notices", std::move(list)}}, version, keep_alive);
  }
  if (seg.size() == 4 && req.method() == http::verb::post && (seg[3] == "ack" || seg[3] == "object")) {
    std::string text;
    if (!req.body().empty()) {
      auto body = body_json(req);
      if (!body.is_object()) return error_response(make_error(ErrorCode::invalid_input, "the body is not a JSON object"), version, keep_alive);
      if (auto it = body.find("text"); it != body.end()) {
        if (!it->is_string()) return error_response(make_error(ErrorCode::invalid_input, "expected a string", "text"), version, keep_alive);
        text = it->get<std::string>();
      }
    }
    auto answered = view.answer(seg[2], seg[3] == "ack" ? NoticeState::acknowledged : NoticeState::objected, text);
    if (!answered) return error_response(answered.error(), version, keep_alive);
    return json_response(http::status::ok, format::to_json(*answered), version, keep_alive);
  }
  return error_response(make_error(ErrorCode::not_found, "no such endpoint"), version, keep_alive);
}

}  // namespace deconflict::server
