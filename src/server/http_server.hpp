// `deconflict serve`: HTTP/1.1 with keep-alive over Boost.Beast.
//
// One thread runs every connection (asynchronously), one (the line thread)
// every call into the Service, which is therefore never used concurrently,
// and a pool measures long checks beside it (server/pipeline.hpp). SIGINT and
// SIGTERM stop the server at once, whatever it is doing; every change that
// was answered had been committed before its answer was sent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "deconflict/service.hpp"
#include "server/api.hpp"

namespace deconflict::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port; the one bound is printed
  ApiLimits limits;
  int idle_timeout_s = 30;           // a connection that waits this long for its next request is closed
  int request_timeout_s = 10;        // a request must arrive whole this long after its first byte
  size_t max_connections = 1024;     // open connections (event streams included); more are answered 503 and closed
  size_t max_streams_per_party = 8;  // open event streams of one party; more are refused (403 limit_exceeded)
  /// Bytes waiting to be sent on one event stream: a stream that falls this
  /// far behind gets a last `closed` event and ends; the client resumes with
  /// Last-Event-ID (docs/http-api.md).
  size_t max_stream_queue_bytes = 1 << 20;
  unsigned check_threads = 2;     // threads that parse large features and measure long checks (Pipeline)
  unsigned read_threads = 2;      // threads that answer reads of memory beside the line thread; 0: none (Pipeline)
  std::string tls_cert, tls_key;  // PEM files: both set, the server speaks HTTPS only (TLS 1.2 and later)
  ClockSetter set_clock;          // set with a simulated clock: POST /v1/admin/clock moves it
  std::string web_root;           // the map page's directory (web/ with its node_modules)
  /// Set: TAK clients stream the parties' views as Cursor-on-Target from
  /// this port of `host` (0 picks a free one; the one bound is printed), over
  /// TLS when the server speaks HTTPS (server/tak_session.hpp).
  std::optional<uint16_t> tak_port;
};

/// Serves until SIGINT or SIGTERM. Prints "listening on http://HOST:PORT" on
/// standard error once bound. Returns a process exit status.
int serve(Service& service, const ServerOptions& options);

}  // namespace deconflict::server
