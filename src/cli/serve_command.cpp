// deconflict serve --db PATH --listen HOST:PORT
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "cli/cli.hpp"
#include "deconflict/time.hpp"
#include "server/access_log.hpp"
#include "server/http_server.hpp"

namespace deconflict::cli {
namespace {

struct ServeArgs {
  StoreArgs store;
  std::string listen = "127.0.0.1:8080";
  size_t max_body_bytes = 1 << 20;
  std::string simulated_clock;
  double default_notice_h = 24;
  size_t max_objects_per_party = 100'000;
  size_t max_probes_per_day = Options{}.max_probes_per_day;
  int64_t signature_window_s = Options{}.signature_window_s;
  uint64_t max_check_work = Options{}.max_check_work;
  uint64_t max_page_work = Options{}.max_page_work;
  size_t max_positions_per_party = Options{}.max_positions_per_party;
  double max_radius_m = Options{}.max_radius_m;
  size_t max_positions = 20'000;
  int idle_timeout_s = 30;
  int request_timeout_s = 10;
  size_t max_connections = 1024;
  size_t max_streams_per_party = server::ServerOptions{}.max_streams_per_party;
  size_t max_stream_queue_bytes = server::ServerOptions{}.max_stream_queue_bytes;
  unsigned check_threads = server::ServerOptions{}.check_threads;
  unsigned read_threads = server::ServerOptions{}.read_threads;
  std::string tls_cert, tls_key;
  std::optional<int> tak_port;
  std::string web_root = DECONFLICT_WEB_DIR;
  double rate_per_s = 100, burst = 500;
  uint64_t work_per_request = server::ApiLimits{}.work_per_request;
  std::string cors_origin;
  std::string public_url;
};

int run_serve(const ServeArgs& a) {
  server::ServerOptions options;
  const size_t colon = a.listen.rfind(':');
  int port = -1;
  try {
    port = colon == std::string::npos ? -1 : std::stoi(a.listen.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (port < 0 || port > 65535) {
    return fail(make_error(ErrorCode::usage, "expected HOST:PORT, for example 127.0.0.1:8080", "--listen"));
  }
  options.host = a.listen.substr(0, colon);
  options.port = static_cast<uint16_t>(port);
  options.limits.max_body_bytes = a.max_body_bytes;
  options.limits.max_positions = a.max_positions;
  options.idle_timeout_s = a.idle_timeout_s;
  options.request_timeout_s = a.request_timeout_s;
  options.max_connections = a.max_connections;
  options.max_streams_per_party = a.max_streams_per_party;
  options.max_stream_queue_bytes = a.max_stream_queue_bytes;
  options.check_threads = a.check_threads;
  options.read_threads = a.read_threads;
  options.tls_cert = a.tls_cert;
  options.tls_key = a.tls_key;
  if (a.tak_port) options.tak_port = static_cast<uint16_t>(*a.tak_port);
  options.web_root = a.web_root;
  options.limits.rate_per_s = a.rate_per_s;
  options.limits.burst = a.burst;
  options.limits.work_per_request = a.work_per_request;
  options.limits.cors_origin = a.cors_origin;
  options.limits.public_url = a.public_url;
  if (!(a.default_notice_h > 0)) return fail(make_error(ErrorCode::usage, "must be > 0", "--default-notice-h"));
  Options service_options;
  service_options.db_path = a.store.db;
  service_options.key_path = a.store.key_file;
  service_options.max_objects_per_party = a.max_objects_per_party;
  service_options.max_probes_per_day = a.max_probes_per_day;
  service_options.signature_window_s = a.signature_window_s;
  service_options.max_check_work = a.max_check_work;
  service_options.max_page_work = a.max_page_work;
  service_options.max_positions_per_party = a.max_positions_per_party;
  service_options.max_radius_m = a.max_radius_m;
  service_options.default_notice = std::chrono::milliseconds(static_cast<long long>(a.default_notice_h * 3'600'000.0));
  // A simulated clock starts where it is told and moves only when an admin moves it.
  auto simulated = std::make_shared<TimePoint>();
  const std::string start = !a.simulated_clock.empty() ? a.simulated_clock : a.store.now;
  if (!start.empty()) {
    auto t = parse_rfc3339(start);
    if (!t)
      return fail(
          make_error(ErrorCode::usage, t.error().message, a.simulated_clock.empty() ? "--now" : "--simulated-clock"));
    *simulated = *t;
    service_options.clock = [simulated] { return *simulated; };
  }
  if (!a.simulated_clock.empty()) {
    options.set_clock = [simulated](TimePoint t) -> Status {
      if (t < *simulated) return make_error(ErrorCode::usage, "the clock only moves forward", "now");
      *simulated = t;
      return {};
    };
  }
  auto service = Service::open(service_options);
  if (!service) return fail(service.error());
  spdlog::set_default_logger(spdlog::stderr_logger_mt("deconflict"));
  spdlog::set_pattern(server::kLogPattern, spdlog::pattern_time_type::utc);
  return server::serve(**service, options);
}

}  // namespace

Runner add_serve(CLI::App& app) {
  auto a = std::make_shared<ServeArgs>();
  add_store_options(app, a->store);
  app.add_option("--listen", a->listen, "HOST:PORT to listen on (port 0 picks a free one)")->capture_default_str();
  app.add_option("--max-body-bytes", a->max_body_bytes, "Largest request body accepted (413 beyond)")
      ->capture_default_str();
  app.add_option("--simulated-clock", a->simulated_clock,
                 "Run on a simulated clock from this time (RFC 3339), moved by an admin with POST /v1/admin/clock");
  app.add_option("--default-notice-h", a->default_notice_h,
                 "Hours a notified party has to answer when no zone's notice_h says")
      ->capture_default_str();
  app.add_option("--max-objects-per-party", a->max_objects_per_party,
                 "Objects one party may declare through the API (403 limit_exceeded beyond)")
      ->capture_default_str();
  app.add_option("--max-positions-per-party", a->max_positions_per_party,
                 "Positions one party's objects may have in all (403 limit_exceeded beyond)")
      ->capture_default_str();
  app.add_option("--max-check-work", a->max_check_work,
                 "Work units one check may take (about 5 ns each); a check over it is 422 too_complex")
      ->capture_default_str();
  app.add_option("--max-page-work", a->max_page_work,
                 "Work units one page of GET /v1/conflicts may take, all its activities together")
      ->capture_default_str();
  app.add_option("--max-probes-per-day", a->max_probes_per_day,
                 "Dry runs (POST /v1/check) a party may make in any 24 h (429 probe_limit beyond)")
      ->capture_default_str();
  app.add_option("--max-radius-m", a->max_radius_m, "Largest radius_m or buffer_m of an object (400 beyond)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--max-positions", a->max_positions, "Positions one geometry may have (400 beyond)")
      ->capture_default_str();
  app.add_option("--idle-timeout-s", a->idle_timeout_s, "Seconds a connection may wait for its next request")
      ->check(CLI::Range(1, 86'400))
      ->capture_default_str();
  app.add_option("--request-timeout-s", a->request_timeout_s,
                 "Seconds a request may take to arrive after its first byte (the connection is closed beyond)")
      ->check(CLI::Range(1, 3'600))
      ->capture_default_str();
  app.add_option("--tls-cert", a->tls_cert, "The certificate chain (PEM) to serve HTTPS with; needs --tls-key");
  app.add_option("--tls-key", a->tls_key, "The certificate's private key (PEM)");
  app.add_option("--tak-port", a->tak_port,
                 "Stream each party's view to TAK clients (ATAK, WinTAK, iTAK) as Cursor-on-Target on this port of "
                 "--listen's host, over TLS with --tls-cert (0 picks a free one)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--max-streams-per-party", a->max_streams_per_party,
                 "Event streams one party may have open (403 limit_exceeded beyond)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--max-stream-queue-bytes", a->max_stream_queue_bytes,
                 "Bytes an event stream may fall behind by before it gets a last 'closed' event and ends")
      ->check(CLI::Range(size_t{4096}, size_t{1} << 30))
      ->capture_default_str();
  app.add_option("--check-threads", a->check_threads,
                 "Threads that parse large features and measure long checks beside the line (one party uses one)")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  app.add_option("--read-threads", a->read_threads,
                 "Threads that answer reads of memory (lists, objects, conflicts) beside the line; 0: the line answers "
                 "every request")
      ->check(CLI::Range(0u, 64u))
      ->capture_default_str();
  app.add_option("--max-connections", a->max_connections,
                 "Open connections, event streams included (more are answered 503 and closed)")
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}))
      ->capture_default_str();
  app.add_option("--rate-limit", a->rate_per_s, "Requests per second each party may sustain (429 beyond; 0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--work-per-request", a->work_per_request,
                 "Check work (units of --max-check-work) that costs a party one more request of --rate-limit")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--rate-burst", a->burst, "Requests a party may send at once before --rate-limit applies")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--cors-origin", a->cors_origin,
                 "An origin (https://host:port) allowed to call the API from a browser; default none");
  app.add_option("--signature-window", a->signature_window_s,
                 "Seconds a signed request's created may be from the server's real clock (replays are refused)")
      ->check(CLI::Range(int64_t{1}, int64_t{86400}))
      ->capture_default_str();
  app.add_option("--public-url", a->public_url,
                 "The scheme and authority clients reach the server at (https://line.example:443 behind a proxy): "
                 "what their signed requests' @target-uri begins with; default http:// and the request's Host");
  app.add_option("--web-root", a->web_root, "The map page's directory (web/, with its npm packages installed)")
      ->capture_default_str();
  app.footer(
      "Serves the HTTP/JSON API of docs/http-api.md until SIGINT or SIGTERM; one access-log line per request "
      "on standard error.");
  return [a] { return run_serve(*a); };
}

}  // namespace deconflict::cli
