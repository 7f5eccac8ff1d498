// The HTTP/JSON API (docs/http-api.md): requests in, responses out. It only
// translates between HTTP and the Service; every rule lives in the library.
//
// Not thread-safe: the server calls it from one thread (the service's), except
// Api::parse and Precheck::refine, which run on any thread (see Prepared), and
// handle_aside(), which read threads call while the service's thread waits
// (server/line_lock.hpp).
#pragma once

#include <atomic>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "deconflict/service.hpp"
#include "server/cot_drawings.hpp"

namespace deconflict::server {

class StaticFiles;
namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

/// A request target, split: "/v1/zones/z1?bbox=..." gives {"v1", "zones", "z1"} and the query.
struct Target {
  std::vector<std::string> segments;
  std::map<std::string, std::string> query;
};

/// The body as a JSON object (an empty body is an empty object when `empty_ok`).
Result<nlohmann::json> body_object(const Request& req, bool empty_ok);
/// A string member of a JSON object; empty when absent or null.
Result<std::string> string_member(const nlohmann::json& body, const char* name);

/// A non-negative integer query parameter; `fallback` when absent.
Result<int64_t> query_number(const Target& t, const char* name, int64_t fallback);

struct ApiLimits {
  size_t max_body_bytes = 1 << 20;  // 1 MiB; larger bodies get 413
  size_t max_positions = 20'000;    // positions in one geometry; more is 400 invalid_input
  double rate_per_s = 100;          // sustained requests per second per party; 0: no limit
  double burst = 500;               // requests a party may send at once before the rate applies
  /// Geometric work (geo::Work units) that costs a party one more request of
  /// its rate: checks are charged by their work, so the rate limits CPU, not
  /// requests. Default 400,000 (about 2 ms): a check at the default budget
  /// costs 125 requests.
  uint64_t work_per_request = 400'000;
  std::string cors_origin;  // an origin allowed to call the API from a browser; empty: none
  /// The scheme and authority clients reach this server at (http://HOST:PORT,
  /// or the proxy's https://...): signed requests' "@target-uri" is this and
  /// the request's target. Empty: http:// and the request's Host field.
  std::string public_url;
};

/// Token buckets, one per party: `burst` requests at once, refilled at
/// `rate_per_s`. Beyond that a request is refused with 429 and how long to wait.
/// Thread-safe: reads are rated beside the line thread.
class RateLimiter {
 public:
  RateLimiter(double rate_per_s, double burst) : rate_(rate_per_s), burst_(burst) {}
  /// 0 when the party may go on; else the seconds until it may.
  double admit(const std::string& party, std::chrono::steady_clock::time_point now);
  /// Whether admit() would let the party go on now (nothing is taken).
  bool ready(const std::string& party, std::chrono::steady_clock::time_point now) const;
  /// Takes `requests` more from the party's bucket after the fact (the work
  /// a request turned out to cost); the bucket may go below zero.
  void charge(const std::string& party, double requests);

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  /// The bucket's tokens at `now`, refilled since it was last taken from.
  double refilled(const Bucket& b, std::chrono::steady_clock::time_point now) const;
  double rate_, burst_;
  mutable std::mutex mutex_;  // guards buckets_
  std::unordered_map<std::string, Bucket> buckets_;
};

/// Moves a simulated clock forward (serve --simulated-clock); empty with a real clock.
using ClockSetter = std::function<Status(TimePoint)>;

/// What GET /v1/health answers: whether the store answers, and takes writes,
/// and whether the service's thread still looks at all.
enum class Health { ok, unreachable, read_only, stalled };

/// The health the I/O threads answer: the service thread's last look, or
/// `stalled` when that look is older than `kStale`. A service thread stuck in
/// a store call (a network dropping packets, a database that stopped
/// answering) takes no look: its last one, however good, says nothing of now.
/// Thread-safe.
class HealthWatch {
 public:
  static constexpr std::chrono::milliseconds kStale{3000};  // six looks missed
  explicit HealthWatch(Health first) { looked(first); }
  /// A look's result (the service's thread).
  void looked(Health health) {
    last_ = health;
    looked_at_ = std::chrono::steady_clock::now().time_since_epoch().count();
  }
  /// What to answer now (any thread).
  Health now() const {
    const auto since =
        std::chrono::steady_clock::now().time_since_epoch() - std::chrono::steady_clock::duration(looked_at_.load());
    return since > kStale ? Health::stalled : last_.load();
  }

 private:
  std::atomic<Health> last_{Health::ok};
  std::atomic<std::chrono::steady_clock::rep> looked_at_{0};
};

/// The start of an event stream: whose, and what it missed (after Last-Event-ID).
struct StreamStart {
  std::string party;
  std::vector<Event> backlog;
};

/// What a request that checks (a dry run, a declaration, a stored object's
/// conflicts, a zone's acceptance, a retirement) has done ahead of it, off the
/// service's thread (include/deconflict/precheck.hpp). In order:
///
///   auto p = api.prepare(req);        // service's thread: the caller, and what to measure
///   Api::parse(req, *p);              // any thread: the feature the body carries, if any
///   api.plan(*p);                     // service's thread: the candidates, pinned
///   p->ahead.refine(&stopping);       // any thread
///   api.handle(req, party, &*p);      // service's thread: the same answer as without it
struct Prepared {
  Party caller;
  ObjectType type = ObjectType::activity;
  std::string id;         // a PUT's or a stored object's id
  bool has_body = false;  // the body carries the feature to check
  size_t max_positions = 0;
  std::optional<Result<PreparedVolume>> feature;  // parsed by Api::parse
  Precheck ahead;
  /// GET /v1/cot: the volumes of its page not yet drawn, pinned, to draw in
  /// the pool (Api::draw) at `drawn_at`, the line's time.
  std::vector<std::shared_ptr<const Volume>> to_draw;
  TimePoint drawn_at{};
};

/// A signed act's request with its signature read and checked ahead
/// (Api::check_signature, in the check pool: 50 to 130 us of Ed25519 that
/// neither the service's thread, which every party waits on, nor the I/O
/// thread spends).
using CheckedSignature = Result<VerifiedStatement>;

/// What a handler answers when it succeeds: a status and a body, JSON unless
/// it says otherwise. Failures are errors (Result), mapped in one place.
struct Answer {
  http::status status = http::status::ok;
  std::string body;
  const char* content_type = "application/json";

  static Answer json(const nlohmann::ordered_json& body, http::status status = http::status::ok);
  /// A JSON text already written (a Feature kept with its object).
  static Answer text(std::string body) { return {http::status::ok, std::move(body)}; }
};

class Api;
struct Route;

/// One request as its handler sees it: the route it matched, the path's
/// {id}, and the caller's view (everything in it is already the caller's).
struct Call {
  const Request& req;
  const Target& target;
  const Route& route;
  const std::string& id;  // the path's {id}; empty where the path has none
  PartyView& view;
  Prepared* prepared;  // measured ahead for this request, or null
};

/// Who may call a route.
enum class Access { open, party, admin };
/// What a route measures ahead of its handling, in the check pool: nothing,
/// the body's feature, a stored object's conflicts, or (GET /v1/cot) the
/// drawings of the volumes it answers with.
enum class Measures { nothing, body, stored, drawings };

/// What a route does with what the line holds, which decides where it is served.
enum class Effect {
  reads,        // reads memory only: served beside the line thread when it measures nothing (Api::aside)
  reads_store,  // reads the store too (the record, events): on the line thread, whose connection it is
  writes,       // changes what the line holds (a node that cannot store answers 503)
};

/// A row of the route table: every endpoint of the API is one (docs/openapi.yaml
/// lists the same, and a test holds them together). A path segment "{id}"
/// matches any one segment.
struct Route {
  http::verb method;
  std::string_view path;
  Access access;
  Effect effect;
  Measures measures;
  ObjectType type;                       // the collection's type, for the routes of a collection
  Result<Answer> (Api::*handle)(Call&);  // null for the open route (health), which route() answers
};

class Api {
 public:
  Api(Service& service, ApiLimits limits, ClockSetter set_clock = {})
      : service_(service), limits_(limits), set_clock_(std::move(set_clock)), rate_(limits.rate_per_s, limits.burst) {}

  /// Serves the map page's files too (GET / and its scripts).
  void serve_page(const class StaticFiles* files) { page_ = files; }

  /// Answers one request. `party` is set to the authenticated caller, if any,
  /// for the access log.
  /// With `prepared` (for the same request), its feature and its precheck are used.
  /// With `signature` (checked ahead for the same request), it is presented as checked.
  Response handle(const Request& request, std::string& party, Prepared* prepared = nullptr,
                  CheckedSignature* signature = nullptr);

  /// What the request would measure, when it checks and its caller may make
  /// it now; nothing otherwise (handle() then answers it as it is). Stored
  /// objects are planned here; a body's feature after parse().
  std::optional<Prepared> prepare(const Request& request);
  static void parse(const Request& request, Prepared& prepared);
  /// True for a request that carries a signature, of an act, by a party
  /// whose token is good: what check_signature is for (a request without a
  /// good token costs nothing more than its refusal).
  bool signs_as_a_party(const Request& req);
  /// The signature of a request signs_as_a_party, read and checked (any
  /// thread: it only reads the request and the options).
  CheckedSignature check_signature(const Request& req) const;
  void plan(Prepared& prepared);
  /// Draws what `prepared.to_draw` holds (any thread: the volumes are pinned).
  void draw(const Prepared& prepared);

  /// The route a request matches, or null.
  static const Route* route_of(const Request& request);
  /// True for GET /v1/health's route, which the server answers from the last
  /// look (health(), twice a second) without waiting for the service's thread.
  static bool is_health(const Route* route);
  /// Looks at the store now (the service's thread); writes are refused with
  /// 503 until a look finds the store writable again.
  Health health();
  /// The answer to a health request; reads nothing that changes (any thread).
  Response health_response(Health health, const Request& request) const;

  /// True for a route served beside the line thread (Api::handle_aside): it
  /// reads memory only and measures nothing ahead.
  static bool aside(const Route* route);
  /// Answers a request of an aside() route on any thread, while the line
  /// thread changes nothing (the server's LineLock, held shared) and
  /// Service::reads_aside() holds: the same answer handle() would give, but
  /// that the caller is authenticated from memory (the caller has followed
  /// the store since the request arrived) and deadlines are not advanced
  /// (none is due).
  Response handle_aside(const Request& request, std::string& party);

  /// True for GET /v1/events' route, which the server answers with a stream.
  static bool is_stream(const Route* route);
  /// Authenticates a stream request and reads what it missed; or the error to answer.
  std::variant<StreamStart, Response> open_stream(const Request& request, std::string& party);
  /// One event as a server-sent event frame.
  static std::string frame(const Event& e);
  /// The notice an event brings its party (a `notice` event), if any: once
  /// pushed on an open stream, it has reached the party.
  static std::optional<std::string> notice_brought(const Event& e);
  /// Records that the notices were pushed on one of the party's streams.
  void delivered(const std::string& party, const std::vector<std::string>& notice_ids);

  /// The route table, in the order the API documents it.
  static const std::vector<Route>& routes();

  /// The drawings GET /v1/cot and TAK streams share (any thread).
  CotDrawings& drawings() { return drawings_; }
  /// The parties' rate, which TAK streams' pages are charged to as requests (line thread).
  RateLimiter& rate() { return rate_; }

 private:
  /// The route of a method and path; or 404, or 405 naming the methods the
  /// path has (`allow`).
  struct Match {
    const Route* route = nullptr;
    std::string id;
    std::string allow;
  };
  static Match match(http::verb method, const std::vector<std::string>& segments);
  /// Where a request is handled: on the line thread, or beside it (handle_aside).
  enum class Thread { line, aside };
  Response route(const Request& req, std::string& party, Prepared* prepared, CheckedSignature* signature,
                 Thread thread);
  /// handle()'s CORS around route().
  Response answer(const Request& req, std::string& party, Prepared* prepared, CheckedSignature* signature,
                  Thread thread);
  /// CORS: the configured origin (and no other) may call the API from a browser.
  bool cors_allowed(const Request& req) const;
  void allow_origin(Response& r) const;
  /// The request's feature: the one parsed ahead, or parsed now.
  Result<PreparedVolume> feature(const Call& call) const;
  /// The caller, by its bearer token: the service follows the store first
  /// on the line thread; beside it, from memory (Service::authenticate_known).
  Result<Party> authenticate(const Request& req, Thread thread = Thread::line);

  // The handlers, one per route (api_objects.cpp, api_line.cpp, api_record.cpp).
  Result<Answer> get_openapi(Call& call);
  Result<Answer> whoami(Call& call);
  Result<Answer> stream_only(Call& call);
  Result<Answer> list(Call& call);
  Result<Answer> create(Call& call);
  Result<Answer> get_object(Call& call);
  Result<Answer> replace(Call& call);
  Result<Answer> withdraw(Call& call);
  Result<Answer> accept_zone(Call& call);
  Result<Answer> decline_zone(Call& call);
  Result<Answer> conflicts(Call& call);
  Result<Answer> conflict_page(Call& call);
  Result<Answer> rules(Call& call);
  Result<Answer> position(Call& call);
  Result<Answer> cot(Call& call);
  /// The page GET /v1/cot answers, as `view` sees it.
  Result<ListPage> cot_page(const PartyView& view, const Target& t) const;
  /// What GET /v1/cot will need drawn, pinned into `p` (up to a budget of positions).
  void plan_drawings(const Target& t, Prepared& p);
  Result<Answer> dry_run(Call& call);
  Result<Answer> notices(Call& call);
  Result<Answer> acknowledge(Call& call);
  Result<Answer> object_to(Call& call);
  Result<Answer> messages(Call& call);
  Result<Answer> send_message(Call& call);
  Result<Answer> set_clock(Call& call);
  Result<Answer> record(Call& call);
  Result<Answer> record_key(Call& call);
  Result<Answer> tree_head(Call& call);
  Result<Answer> inclusion(Call& call);
  Result<Answer> consistency(Call& call);
  Result<Answer> prove_notice(Call& call);
  Result<Answer> rotate_key(Call& call);
  Result<Answer> checkpoint(Call& call);
  Result<Answer> cosign(Call& call);
  Result<Answer> list_keys(Call& call);
  Result<Answer> add_key(Call& call);
  Result<Answer> revoke_key(Call& call);
  /// The request's signature (RFC 9421) as a statement, none when it has no
  /// signature fields, or why its fields are malformed.
  Result<std::optional<Statement>> statement_of(const Request& req) const;
  Result<Answer> answer_notice(Call& call, NoticeState answer);
  Result<Answer> answer_zone(Call& call, bool accept);

  Service& service_;
  ApiLimits limits_;
  ClockSetter set_clock_;
  const StaticFiles* page_ = nullptr;
  RateLimiter rate_;
  Health last_health_ = Health::ok;  // the line thread's last look (health())
  CotDrawings drawings_;
};

/// A JSON answer.
Response json_response(http::status status, const nlohmann::ordered_json& body, unsigned version, bool keep_alive);
/// The JSON error body and status line for an error.
Response error_response(const Error& e, unsigned version, bool keep_alive);
/// An error as its body's "error" member: {"code", "message", "field"}.
nlohmann::ordered_json error_json(const Error& e);

}  // namespace deconflict::server
