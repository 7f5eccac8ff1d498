#include "server/api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "deconflict/time.hpp"
#include "format/feature_reader.hpp"
#include "format/feature_writer.hpp"
#include "format/json_text.hpp"
#include "record/http_signature.hpp"
#include "server/openapi.hpp"
#include "server/static_files.hpp"

namespace deconflict::server {
namespace {

using json = nlohmann::ordered_json;

http::status status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_input:
    case ErrorCode::usage:
      return http::status::bad_request;
    case ErrorCode::not_found:
      return http::status::not_found;
    case ErrorCode::forbidden:
    case ErrorCode::limit_exceeded:
      return http::status::forbidden;
    case ErrorCode::version_conflict:
    case ErrorCode::already_exists:
      return http::status::conflict;
    case ErrorCode::unauthorized:
      return http::status::unauthorized;
    case ErrorCode::too_large:
      return http::status::payload_too_large;
    case ErrorCode::rate_limited:
    case ErrorCode::probe_limit:
      return http::status::too_many_requests;
    case ErrorCode::too_complex:
      return http::status::unprocessable_entity;
    case ErrorCode::method_not_allowed:
      return http::status::method_not_allowed;
    case ErrorCode::overloaded:
    case ErrorCode::store_unavailable:
      return http::status::service_unavailable;
    default:
      return http::status::internal_server_error;
  }
}

}  // namespace

namespace {

// Every answer of the API, an error's included, is made here.
Response to_response(Answer a, unsigned version, bool keep_alive) {
  Response r{a.status, version};
  r.set(http::field::content_type, a.content_type);
  r.set(http::field::cache_control, "no-store");
  r.keep_alive(keep_alive);
  r.body() = std::move(a.body);
  r.prepare_payload();
  return r;
}

}  // namespace

Response json_response(http::status status, const json& body, unsigned version, bool keep_alive) {
  return to_response(Answer::json(body, status), version, keep_alive);
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
    t.query[percent_decode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
  }
  return t;
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

Answer Answer::json(const nlohmann::ordered_json& body, http::status status) {
  // Error messages quote what the client sent (a query, a path), which need
  // not be UTF-8: such bytes become U+FFFD rather than an exception.
  return {status, body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)};
}

namespace {

// Reads the body as one Feature of the given type belonging to the caller.
Result<PreparedVolume> feature_from(const Request& req, ObjectType type, const Party& caller, size_t max_positions) {
  auto parsed = format::parse_json(req.body());
  if (!parsed) return parsed.error();
  auto& body = *parsed;
  if (body.is_object() && body["properties"].is_object()) {
    auto& props = body["properties"];
    if (!props.contains("party")) props["party"] = caller.id;
    if (!props.contains("type")) props["type"] = std::string(type_name(type));
  }
  std::vector<std::string> ignored;
  auto v = format::read_feature(body, max_positions, &ignored);
  if (!v) return v.error();
  // An altitude is never dropped in silence: the band is a property.
  if (std::find(ignored.begin(), ignored.end(), format::kThirdCoordinate) != ignored.end()) {
    return make_error(ErrorCode::invalid_input,
                      "a position has a third number (an altitude), which is not read: give the altitude band as "
                      "properties.altitude {\"lower_m\", \"upper_m\"}",
                      "geometry.coordinates");
  }
  if (v->type != type) {
    return make_error(ErrorCode::invalid_input, "expected a " + std::string(type_name(type)), "properties.type");
  }
  return v;
}

Response to_response(Result<Answer> answer, const Request& req) {
  if (!answer) return error_response(answer.error(), req.version(), req.keep_alive());
  return to_response(std::move(*answer), req.version(), req.keep_alive());
}

}  // namespace

json error_json(const Error& e) {
  json out = {{"code", code_name(e.code)}, {"message", e.message}};
  if (!e.field.empty()) out["field"] = e.field;
  return out;
}

Response error_response(const Error& e, unsigned version, bool keep_alive) {
  if (e.code == ErrorCode::store_error) {
    // The store's own words (PostgreSQL's or SQLite's: table, constraint and
    // key values) are for the operator's log, not for the party answered.
    spdlog::error("store error: {}", e.message);
    const Error told = make_error(ErrorCode::store_error, "the store could not do this; the operator's log says why");
    return json_response(status_of(told.code), {{"error", error_json(told)}}, version, keep_alive);
  }
  Response r = json_response(status_of(e.code), {{"error", error_json(e)}}, version, keep_alive);
  if (e.code == ErrorCode::unauthorized) r.set(http::field::www_authenticate, "Bearer");
  if (e.code == ErrorCode::store_unavailable) r.set(http::field::retry_after, "1");  // reconnecting
  return r;
}

double RateLimiter::admit(const std::string& party, std::chrono::steady_clock::time_point now) {
  if (rate_ <= 0) return 0;
  std::lock_guard lock(mutex_);
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
  std::lock_guard lock(mutex_);
  const auto it = buckets_.find(party);
  if (it == buckets_.end()) return true;
  return refilled(it->second, now) >= 1;
}

double RateLimiter::refilled(const Bucket& b, std::chrono::steady_clock::time_point now) const {
  return std::min(burst_, b.tokens + std::chrono::duration<double>(now - b.at).count() * rate_);
}

void RateLimiter::charge(const std::string& party, double requests) {
  if (rate_ <= 0) return;
  std::lock_guard lock(mutex_);
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

const std::vector<Route>& Api::routes() {
  using V = http::verb;
  static const std::vector<Route> table = [] {
    constexpr auto activity = ObjectType::activity;
    std::vector<Route> t = {
        // Open, and answered by route() itself (and by the server on its I/O thread).
        {V::get, "/v1/health", Access::open, Effect::reads_store, Measures::nothing, activity, nullptr},
        {V::get, "/v1/openapi.yaml", Access::party, Effect::reads, Measures::nothing, activity, &Api::get_openapi},
    };
    // The three collections' routes, the same but for what each measures.
    const auto add_collection = [](std::vector<Route>& routes, std::string_view path, std::string_view item,
                                   ObjectType type) {
      // Zones are checked once agreed, not when declared; a withdrawn activity meets nothing.
      const Measures declared = type == ObjectType::zone ? Measures::nothing : Measures::body;
      const Measures retired = type == ObjectType::activity ? Measures::nothing : Measures::stored;
      routes.push_back({V::get, path, Access::party, Effect::reads, Measures::nothing, type, &Api::list});
      routes.push_back({V::post, path, Access::party, Effect::writes, declared, type, &Api::create});
      routes.push_back({V::get, item, Access::party, Effect::reads, Measures::nothing, type, &Api::get_object});
      routes.push_back({V::put, item, Access::party, Effect::writes, declared, type, &Api::replace});
      routes.push_back({V::delete_, item, Access::party, Effect::writes, retired, type, &Api::withdraw});
    };
    add_collection(t, "/v1/zones", "/v1/zones/{id}", ObjectType::zone);
    t.push_back({V::post, "/v1/zones/{id}/accept", Access::party, Effect::writes, Measures::stored, ObjectType::zone,
                 &Api::accept_zone});
    t.push_back({V::post, "/v1/zones/{id}/decline", Access::party, Effect::writes, Measures::nothing, ObjectType::zone,
                 &Api::decline_zone});
    add_collection(t, "/v1/sites", "/v1/sites/{id}", ObjectType::site);
    add_collection(t, "/v1/activities", "/v1/activities/{id}", activity);
    const std::vector<Route> rest = {
        // A dry run stores nothing of the activity but is recorded (a probe, DESIGN §6.3).
        {V::post, "/v1/check", Access::party, Effect::writes, Measures::body, activity, &Api::dry_run},
        // Reading the inbox delivers what it shows for the first time: a receipt is written.
        {V::get, "/v1/notices", Access::party, Effect::writes, Measures::nothing, activity, &Api::notices},
        {V::post, "/v1/notices/{id}/ack", Access::party, Effect::writes, Measures::nothing, activity,
         &Api::acknowledge},
        {V::post, "/v1/notices/{id}/object", Access::party, Effect::writes, Measures::nothing, activity,
         &Api::object_to},
        {V::get, "/v1/messages", Access::party, Effect::reads, Measures::nothing, activity, &Api::messages},
        {V::post, "/v1/messages", Access::party, Effect::writes, Measures::nothing, activity, &Api::send_message},
        {V::get, "/v1/events", Access::party, Effect::reads_store, Measures::nothing, activity, &Api::stream_only},
        {V::post, "/v1/admin/clock", Access::admin, Effect::writes, Measures::nothing, activity, &Api::set_clock},
        {V::get, "/v1/whoami", Access::party, Effect::reads, Measures::nothing, activity, &Api::whoami},
        {V::get, "/v1/activities/{id}/conflicts", Access::party, Effect::reads, Measures::stored, activity,
         &Api::conflicts},
        {V::get, "/v1/conflicts", Access::party, Effect::reads, Measures::nothing, activity, &Api::conflict_page},
        {V::get, "/v1/rules", Access::party, Effect::reads, Measures::nothing, activity, &Api::rules},
        {V::get, "/v1/position", Access::party, Effect::reads, Measures::nothing, activity, &Api::position},
        // Drawings are drawn in the pool, once per revision: the line thread only pins them.
        {V::get, "/v1/cot", Access::party, Effect::reads, Measures::drawings, activity, &Api::cot},
        {V::get, "/v1/notices/{id}/proof", Access::party, Effect::reads_store, Measures::nothing, activity,
         &Api::prove_notice},
        {V::get, "/v1/record", Access::party, Effect::reads_store, Measures::nothing, activity, &Api::record},
        {V::get, "/v1/record/key", Access::party, Effect::reads, Measures::nothing, activity, &Api::record_key},
        {V::get, "/v1/record/head", Access::party, Effect::reads_store, Measures::nothing, activity, &Api::tree_head},
        {V::get, "/v1/record/inclusion", Access::party, Effect::reads_store, Measures::nothing, activity,
         &Api::inclusion},
        {V::get, "/v1/record/consistency", Access::party, Effect::reads_store, Measures::nothing, activity,
         &Api::consistency},
        {V::post, "/v1/admin/record/rotate-key", Access::admin, Effect::writes, Measures::nothing, activity,
         &Api::rotate_key},
        {V::get, "/v1/record/checkpoint", Access::party, Effect::reads_store, Measures::nothing, activity,
         &Api::checkpoint},
        {V::post, "/v1/record/cosignature", Access::party, Effect::writes, Measures::nothing, activity, &Api::cosign},
        {V::get, "/v1/keys", Access::party, Effect::reads, Measures::nothing, activity, &Api::list_keys},
        {V::post, "/v1/keys", Access::party, Effect::writes, Measures::nothing, activity, &Api::add_key},
        {V::delete_, "/v1/keys/{id}", Access::party, Effect::writes, Measures::nothing, activity, &Api::revoke_key},
    };
    t.insert(t.end(), rest.begin(), rest.end());
    return t;
  }();
  return table;
}

Api::Match Api::match(http::verb method, const std::vector<std::string>& segments) {
  const auto fits = [&](std::string_view path) {
    size_t i = 0, start = 1;  // after the leading '/'
    while (start <= path.size()) {
      const size_t end = std::min(path.find('/', start), path.size());
      const std::string_view want = path.substr(start, end - start);
      if (i == segments.size() || (want != "{id}" && want != segments[i])) return false;
      ++i;
      start = end + 1;
    }
    return i == segments.size();
  };
  Match m;
  for (const Route& r : routes()) {
    if (!fits(r.path)) continue;
    if (r.method == method) {
      m.route = &r;
      if (const size_t at = r.path.find("{id}"); at != std::string_view::npos) {
        m.id = segments[static_cast<size_t>(std::count(r.path.begin(), r.path.begin() + at, '/')) - 1];
      }
      return m;
    }
    m.allow += (m.allow.empty() ? "" : ", ") + std::string(http::to_string(r.method));
  }
  return m;
}

Response Api::handle(const Request& req, std::string& party, Prepared* prepared, CheckedSignature* signature) {
  return answer(req, party, prepared, signature, Thread::line);
}

bool Api::aside(const Route* r) { return r && r->effect == Effect::reads && r->measures == Measures::nothing; }

Response Api::handle_aside(const Request& req, std::string& party) {
  return answer(req, party, nullptr, nullptr, Thread::aside);
}

Response Api::answer(const Request& req, std::string& party, Prepared* prepared, CheckedSignature* signature,
                     Thread thread) {
  const bool allowed = cors_allowed(req);
  if (req.method() == http::verb::options) {
    if (!allowed)
      return error_response(make_error(ErrorCode::not_found, "no such endpoint"), req.version(), req.keep_alive());
    Response r{http::status::no_content, req.version()};
    r.set(http::field::access_control_allow_methods, "GET, POST, PUT, DELETE");
    r.set(http::field::access_control_allow_headers,
          "Authorization, Content-Type, If-Match, Last-Event-ID, Content-Digest, Signature, Signature-Input");
    r.set(http::field::access_control_max_age, "600");
    allow_origin(r);
    r.keep_alive(req.keep_alive());
    r.prepare_payload();
    return r;
  }
  Response r = route(req, party, prepared, signature, thread);
  if (allowed) allow_origin(r);
  return r;
}

Response Api::route(const Request& req, std::string& party, Prepared* prepared, CheckedSignature* signature,
                    Thread thread) {
  if (page_) {
    if (auto file = page_->serve(req)) return std::move(*file);
  }
  const auto fail = [&](const Error& e) { return error_response(e, req.version(), req.keep_alive()); };
  const Target t = parse_target(std::string_view(req.target().data(), req.target().size()));
  const Match m = match(req.method(), t.segments);
  if (!m.route && m.allow.empty()) return fail(make_error(ErrorCode::not_found, "no such endpoint"));
  if (!m.route) {
    Response r = fail(make_error(ErrorCode::method_not_allowed, "this path allows " + m.allow));
    r.set(http::field::allow, m.allow);
    return r;
  }
  const Route& route = *m.route;
  if (thread == Thread::aside && !aside(&route))
    throw std::logic_error("handle_aside() is for the routes aside() names");
  if (route.access == Access::open) return health_response(health(), req);

  auto caller = authenticate(req, thread);
  if (!caller) return fail(caller.error());
  party = caller->id;
  if (const double wait_s = rate_.admit(caller->id, std::chrono::steady_clock::now()); wait_s > 0) {
    Response r = fail(make_error(ErrorCode::rate_limited, "more than " + std::to_string(limits_.rate_per_s) +
                                                              " requests per second; slow down"));
    r.set(http::field::retry_after, std::to_string(static_cast<int>(std::ceil(wait_s))));
    return r;
  }
  if (req.body().size() > limits_.max_body_bytes) {
    return fail(
        make_error(ErrorCode::too_large, "the body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes"));
  }
  if (route.access == Access::admin && !caller->admin) {
    return fail(make_error(ErrorCode::forbidden, "only an admin party may do this"));
  }
  if (route.effect == Effect::writes && last_health_ != Health::ok) {
    Response r =
        fail(make_error(ErrorCode::overloaded, "this node cannot store changes now; try again or another node"));
    r.set(http::field::retry_after, "1");
    return r;
  }
  // Deadlines pass between requests too (the server also looks every 100 ms);
  // answer from the present. Beside the line thread none is due
  // (Service::reads_aside), and nothing may be written.
  if (thread == Thread::line) {
    if (auto overdue = service_.advance(); !overdue) return fail(overdue.error());
  }

  if (prepared && prepared->caller.id != caller->id) prepared = nullptr;  // prepared for someone else: unused
  PartyView view = service_.as(*caller, prepared ? &prepared->ahead : nullptr);
  // Whatever this request's checks and lists cost is charged to the party's
  // rate, what was measured ahead included.
  struct ChargeWork {
    RateLimiter& rate;
    const PartyView& view;
    uint64_t per_request;
    ~ChargeWork() {
      rate.charge(view.caller().id, static_cast<double>(view.work_spent()) / static_cast<double>(per_request));
    }
  } charge{rate_, view, std::max<uint64_t>(1, limits_.work_per_request)};
  // A party's act presents its signature (none for an unsigned one): the
  // library refuses an act of a party with keys that this does not sign.
  if (signature) {  // checked ahead, off this thread
    if (!*signature) return fail(signature->error());
    if (Status st = view.present(std::move(**signature)); !st) return fail(st.error());
  } else if (record::act_of(std::string(req.method_string()),
                            std::string_view(req.target().data(), req.target().size()))) {
    auto statement = statement_of(req);
    if (!statement) return fail(statement.error());
    if (Status st = view.present(std::move(*statement)); !st) return fail(st.error());
  }
  Call call{req, t, route, m.id, view, prepared};
  return to_response((this->*route.handle)(call), req);
}

Result<PreparedVolume> Api::feature(const Call& call) const {
  Prepared* prepared = call.prepared;
  if (prepared && prepared->feature && prepared->type == call.route.type) {
    Result<PreparedVolume> v = std::move(*prepared->feature);
    prepared->feature.reset();
    return v;
  }
  return feature_from(call.req, call.route.type, call.view.caller(), limits_.max_positions);
}

std::optional<Prepared> Api::prepare(const Request& req) {
  const Target t = parse_target(std::string_view(req.target().data(), req.target().size()));
  const Match m = match(req.method(), t.segments);
  if (!m.route || m.route->measures == Measures::nothing) return std::nullopt;
  if (req.body().size() > limits_.max_body_bytes) return std::nullopt;
  Prepared p;
  p.type = m.route->type;
  p.max_positions = limits_.max_positions;
  p.has_body = m.route->measures == Measures::body;
  p.id = m.id;
  // Only for a caller that may make the request now: the rest is refused
  // by handle() before anything is measured.
  auto caller = authenticate(req);
  if (!caller || !rate_.ready(caller->id, std::chrono::steady_clock::now())) return std::nullopt;
  p.caller = *caller;
  if (m.route->measures == Measures::drawings) {
    plan_drawings(t, p);
  } else if (!p.has_body) {
    p.ahead = service_.as(p.caller).plan(p.id);
  }
  return p;
}

void Api::parse(const Request& req, Prepared& p) {
  if (!p.has_body) return;
  Result<PreparedVolume> v = feature_from(req, p.type, p.caller, p.max_positions);
  if (v && !p.id.empty() && v->id.empty()) v->id = p.id;
  p.feature = std::move(v);
}

bool Api::signs_as_a_party(const Request& req) {
  return !req["Signature"].empty() && req.body().size() <= limits_.max_body_bytes &&
         record::act_of(std::string(req.method_string()), std::string_view(req.target().data(), req.target().size())) &&
         authenticate(req).ok();
}

CheckedSignature Api::check_signature(const Request& req) const {
  auto statement = statement_of(req);  // a Signature field is there: a statement or an error
  if (!statement) return statement.error();
  if (!*statement) return make_error(ErrorCode::unauthorized, "signature: Signature-Input is required");
  return StatementChecker::check(std::move(**statement));
}

void Api::draw(const Prepared& p) {
  for (const auto& v : p.to_draw) drawings_.draw(*v, p.drawn_at);
}

void Api::plan(Prepared& p) {
  if (!p.feature || !*p.feature || !service_.active(p.caller.id)) return;
  p.ahead = service_.as(p.caller).plan(**p.feature);
}

Result<Party> Api::authenticate(const Request& req, Thread thread) {
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
  const std::string_view token = auth.substr(kBearer.size());
  auto caller = thread == Thread::line ? service_.authenticate(token) : service_.authenticate_known(token);
  if (!caller && caller.error().code == ErrorCode::not_found) {
    return make_error(ErrorCode::unauthorized, "unknown or revoked token");
  }
  return caller;
}

const Route* Api::route_of(const Request& req) {
  return match(req.method(), parse_target(std::string_view(req.target().data(), req.target().size())).segments).route;
}

bool Api::is_health(const Route* r) { return r && r->access == Access::open; }

Health Api::health() {
  last_health_ = [this] {
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
  }();
  return last_health_;
}

Response Api::health_response(Health health, const Request& req) const {
  // No counts: the public learns nothing of what the line holds.
  static constexpr const char* kStatus[] = {"ok", "store unreachable", "read-only", "not answering"};
  Response r = json_response(health == Health::ok ? http::status::ok : http::status::service_unavailable,
                             {{"status", kStatus[static_cast<int>(health)]}}, req.version(), req.keep_alive());
  if (cors_allowed(req)) allow_origin(r);
  return r;
}

std::optional<std::string> Api::notice_brought(const Event& e) {
  if (e.type != "notice") return std::nullopt;
  const auto data = nlohmann::json::parse(e.data, nullptr, false);
  if (!data.is_object() || !data.contains("id") || !data["id"].is_string()) return std::nullopt;
  return data["id"].get<std::string>();
}

void Api::delivered(const std::string& party, const std::vector<std::string>& notice_ids) {
  if (Status st = service_.delivered(party, notice_ids, Delivery::stream); !st) {
    spdlog::error("the delivery of {} notices to {} on its stream is not recorded: {}", notice_ids.size(), party,
                  st.error().describe());
  }
}

bool Api::is_stream(const Route* r) { return r && r->handle == &Api::stream_only; }

Result<Answer> Api::stream_only(Call&) {
  // The server opens GET /v1/events as a stream before it reaches here;
  // a caller of handle() that does not stream is told so.
  return make_error(ErrorCode::usage, "GET /v1/events is a stream of server-sent events");
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

std::string Api::frame(const Event& e) { return "id: " + e.id + "\nevent: " + e.type + "\ndata: " + e.data + "\n\n"; }

Result<Answer> Api::get_openapi(Call&) {
  Answer a{http::status::ok, std::string(openapi_yaml())};
  a.content_type = "application/yaml";
  return a;
}

Result<Answer> Api::whoami(Call& call) {
  const Party& caller = call.view.caller();
  // The line's present time (simulated, when the server's clock is): what
  // deadlines and notice are counted from.
  return Answer::json(
      {{"id", caller.id}, {"name", caller.name}, {"admin", caller.admin}, {"now", format_rfc3339(service_.now())}});
}

// POST /v1/admin/clock {"now": "..."}: only with a simulated clock.
Result<Answer> Api::set_clock(Call& call) {
  if (!set_clock_) return make_error(ErrorCode::not_found, "no such endpoint (the server's clock is not simulated)");
  auto body = format::parse_json(call.req.body());
  if (!body || !body->is_object() || !body->contains("now") || !(*body)["now"].is_string()) {
    return make_error(ErrorCode::invalid_input, "expected {\"now\": RFC 3339}", "now");
  }
  auto now = parse_rfc3339((*body)["now"].get<std::string>());
  if (!now) return make_error(ErrorCode::invalid_input, now.error().message, "now");
  if (Status st = set_clock_(*now); !st) return st.error();
  auto overdue = service_.advance();
  if (!overdue) return overdue.error();
  return Answer::json({{"now", format_rfc3339(*now)}, {"overdue", overdue->size()}});
}

}  // namespace deconflict::server
