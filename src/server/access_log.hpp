// The access log: one line per answered request, on standard error, written
// in batches.
//
// The I/O thread adds a line as it answers a request; the lines added in one
// turn of its event loop go out in one write(2), made by a handler posted
// behind that turn's other handlers. A write per line was a sixth of the
// server's time for a small answer (docs/performance.md, "The access log in
// batches"). A line reaches standard error at most one turn of the loop after
// its answer was handed to the socket, and every line kept is written when the
// log is destroyed (after the loop stops). Lines kept when the process dies
// without stopping (SIGKILL, a crash) are lost: a turn's worth at most.
//
//   AccessLog access(ioc);
//   access.add("127.0.0.1 GET /v1/health 200 15B 0.03ms -");
//
// Not thread-safe: every call on the thread that runs `io`.
#pragma once

#include <spdlog/pattern_formatter.h>

#include <boost/asio/io_context.hpp>
#include <string_view>

namespace deconflict::server {

/// Every line of the server's log starts with its UTC time to the millisecond.
inline constexpr const char* kLogPattern = "%Y-%m-%dT%H:%M:%S.%eZ %v";

class AccessLog {
 public:
  explicit AccessLog(boost::asio::io_context& io);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  /// Keeps `line` (no newline), stamped with the time now, to be written at
  /// the end of this turn of the loop.
  void add(std::string_view line);

 private:
  void write();

  boost::asio::io_context& io_;
  spdlog::pattern_formatter stamp_;
  spdlog::memory_buf_t kept_;
};

}  // namespace deconflict::server
