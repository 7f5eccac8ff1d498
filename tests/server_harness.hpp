// The real `deconflict serve` binary for integration tests: starting it on a
// free loopback port, and a keep-alive HTTP client. Shared by the server and
// crash tests.
#pragma once

#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace deconflict::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Reply {
  unsigned status = 0;
  nlohmann::json body;
  http::response<http::string_body> raw;
};

/// One keep-alive connection to the server. send() throws when the server goes
/// away, or (with `timeout_s`) when it does not answer within that many seconds.
class Client {
 public:
  explicit Client(uint16_t port, int timeout_s = 0, const std::string& host = "127.0.0.1") : stream_(ioc_) {
    stream_.connect(tcp::endpoint(asio::ip::make_address(host), port));
    if (timeout_s > 0) {  // a paused server must not hang the test
      timeval tv{timeout_s, 0};
      ::setsockopt(stream_.socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(stream_.socket().native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
  }

  Reply send(http::verb verb, const std::string& target, const std::string& token = "", const std::string& body = "",
             const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) req.set(name, value);
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    http::write(stream_, req);
    Reply r;
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(stream_, buffer, parser);
    r.raw = parser.release();
    r.status = r.raw.result_int();
    r.body = nlohmann::json::parse(r.raw.body(), nullptr, false);
    return r;
  }

 private:
  asio::io_context ioc_;
  beast::tcp_stream stream_;
};

/// GET /v1/health until it answers `status` (the server looks at its store
/// twice a second, and answers health from the last look), at most 5 s;
/// returns the last answer.
inline Reply health_becomes(Client& client, unsigned status) {
  Reply r;
  for (int i = 0; i < 50; ++i) {
    r = client.send(http::verb::get, "/v1/health");
    if (r.status == status) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return r;
}

/// A patrol for POST /v1/activities, on 2018-09-02, with the given radius, at
/// a random point within `half_span_deg` of At Tanf (38.6 E, 33.5 N).
inline std::string random_patrol(const std::string& id, std::mt19937& rng, double half_span_deg, double radius_m) {
  std::uniform_real_distribution<double> lon(38.6 - half_span_deg, 38.6 + half_span_deg),
      lat(33.5 - half_span_deg, 33.5 + half_span_deg);
  return R"({"type":"Feature","geometry":{"type":"Point","coordinates":[)" + std::to_string(lon(rng)) + "," +
         std::to_string(lat(rng)) + R"(]},"properties":{"id":")" + id + R"(","kind":"patrol","radius_m":)" +
         std::to_string(radius_m) + R"(,"start":"2018-09-02T00:00:00Z","end":"2018-09-03T00:00:00Z"}})";
}

/// The output of a shell command, without its trailing newlines.
inline std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  ::pclose(p);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

/// A self-signed certificate for 127.0.0.1 in `dir`: NAME.pem, and its key
/// NAME.key; returns the certificate's path.
inline std::string make_certificate(const std::string& dir, const std::string& name) {
  run("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
      "-keyout " +
      dir + "/" + name + ".key -out " + dir + "/" + name + ".pem 2>/dev/null");
  return dir + "/" + name + ".pem";
}

/// A command's standard output and error, together, and its exit status.
struct Outcome {
  int status;
  std::string out;
};
inline Outcome run_status(const std::string& cmd) {
  const std::string out = run(cmd + " 2>&1; echo \"exit=$?\"");
  const size_t at = out.rfind("exit=");
  return {std::stoi(out.substr(at + 5)), out.substr(0, at)};
}

/// A started server: its pid, its standard error, and the port it bound (0 if it did not start).
struct Launched {
  pid_t pid = -1;
  FILE* log = nullptr;
  uint16_t port = 0;
  std::string host;       // the address it listens on: 127.0.0.1, or a test network's
  uint16_t tak_port = 0;  // the port of its TAK streams (serve --tak-port), if any
};

/// Kills a launched server when it goes out of scope (a failed assertion
/// must not leave it running).
class Reaper {
 public:
  explicit Reaper(Launched& l) : l_(l) {}
  ~Reaper() {
    if (l_.pid > 0) {
      ::kill(l_.pid, SIGKILL);
      ::waitpid(l_.pid, nullptr, 0);
    }
    if (l_.log) std::fclose(l_.log);
    l_ = {};
  }
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

 private:
  Launched& l_;
};

/// The last `n` lines of a launched server's log not matching `skip` (an
/// access log's successes, say), read from where the last call stopped: what
/// a test prints when the server did not do what it should.
inline std::string log_tail(Launched& l, size_t n, const std::string& skip = "") {
  std::vector<std::string> lines;
  char line[4096];
  while (l.log && std::fgets(line, sizeof line, l.log)) {
    if (!skip.empty() && std::strstr(line, skip.c_str())) continue;
    lines.emplace_back(line);
    if (lines.size() > n) lines.erase(lines.begin());
  }
  std::string out;
  for (const std::string& s : lines) out += s;
  return out;
}

/// Runs `bin` with `args` and waits for "listening on http://HOST:PORT"
/// (and reads "TAK streams on tcp://HOST:PORT" printed before it).
/// Its standard error goes to a file (a pipe nobody reads would fill up and
/// stop the server); `log` reads that file from the line after.
inline Launched launch(const std::string& bin, std::vector<std::string> args) {
  char path[] = "/tmp/deconflict-server-log-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return {};
  Launched l;
  l.log = std::fopen(path, "r");
  ::unlink(path);  // gone when both ends close
  l.pid = ::fork();
  if (l.pid == 0) {
    ::dup2(fd, 2);
    args.insert(args.begin(), bin);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fd);
  const std::regex listening("listening on https?://([0-9.]+):([0-9]+)");
  const std::regex tak("TAK streams on (tcp|ssl)://[0-9.]+:([0-9]+)");
  std::string line;
  for (int waited_ms = 0; waited_ms < 20'000;) {
    const int c = std::fgetc(l.log);
    if (c == EOF) {
      std::clearerr(l.log);
      if (::waitpid(l.pid, nullptr, WNOHANG) == l.pid) break;  // it exited
      ::usleep(10'000);
      waited_ms += 10;
      continue;
    }
    if (c != '\n') {
      line += static_cast<char>(c);
      continue;
    }
    std::smatch m;
    if (std::regex_search(line, m, tak)) l.tak_port = static_cast<uint16_t>(std::stoi(m[2]));
    if (std::regex_search(line, m, listening)) {
      l.host = m[1];
      l.port = static_cast<uint16_t>(std::stoi(m[2]));
      break;
    }
    line.clear();
  }
  return l;
}

}  // namespace deconflict::testing
