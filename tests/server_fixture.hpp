// The fixture of the server suites (server_test, attack_test, cost_test): the
// real `deconflict serve` binary on a free loopback port with a temporary
// store (SQLite, or PostgreSQL with DECONFLICT_TEST_STORE=postgres) and four
// parties: coalition, russia, un and the admin ops.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <map>
#include <string>
#include <vector>

#include "scratch_dir.hpp"
#include "server_harness.hpp"
#include "store/store.hpp"
#include "test_store.hpp"

namespace deconflict::testing {

class Server : public ::testing::Test {
 protected:
  void SetUp() override {
    // DECONFLICT_TEST_STORE=postgres runs the suite on a real PostgreSQL server.
    const auto store = deconflict::testing::TestStore::choose(dir_.path().string());
    ASSERT_EQ(store.error, "");
    db_ = store.db;
    key_ = store.key;
    // The parties join the day before the simulated clock starts: the
    // record's times never go back, so an entry written later on the
    // simulated clock would otherwise take the real time of these.
    const std::string before = " --now 2018-08-31T00:00:00Z";
    for (const char* p : {"coalition", "russia", "un"})
      tokens_[p] = run(std::string(DECONFLICT_BIN) + " party add " + p + store_args() + before + " 2>/dev/null");
    tokens_["ops"] =
        run(std::string(DECONFLICT_BIN) + " party add ops --admin" + store_args() + before + " 2>/dev/null");
    start(serve_args_);
  }

  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  void start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"serve", "--db", db_, "--key-file", key_, "--listen", "127.0.0.1:0"};
    if (std::find(extra.begin(), extra.end(), "--max-body-bytes") == extra.end()) {
      args.insert(args.end(), {"--max-body-bytes", "100000"});
    }
    // The tests' activities are in September 2018, and the line refuses one
    // that starts before its time: the line's clock starts before them.
    if (!real_clock_ && std::find(extra.begin(), extra.end(), "--simulated-clock") == extra.end()) {
      args.insert(args.end(), {"--simulated-clock", "2018-09-01T00:00:00Z"});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    const auto launched = deconflict::testing::launch(std::string(DECONFLICT_BIN), args);
    pid_ = launched.pid;
    log_ = launched.log;
    port_ = launched.port;
    tak_port_ = launched.tak_port;
    ASSERT_NE(port_, 0) << "the server did not start";
  }

  // Stops the server with SIGTERM and returns its exit status.
  int stop() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string token(const char* party) { return tokens_[party]; }
  /// The options that name the store, each with a leading space.
  std::string store_args() const { return " --db " + db_ + " --key-file " + key_; }
  bool on_postgres() const { return deconflict::store::is_postgres_url(db_); }

  static std::string zone(const std::string& id, const std::string& extra = "") {
    return R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.61778,33.50583]},"properties":{"id":")" +
           id + R"(","kind":"deconfliction","radius_m":55000,"notice_h":72,"agreed_by":["russia"])" + extra + "}}";
  }
  /// Declares the coalition's 55 km zone and has Russia accept it, so that it binds Russia.
  Reply declare_zone(Client& c, const std::string& id = "coalition.zone-at-tanf") {
    Reply declared = c.send(boost::beast::http::verb::post, "/v1/zones", token("coalition"), zone(id));
    if (declared.status != 201) return declared;
    Reply accepted = c.send(boost::beast::http::verb::post, "/v1/zones/" + id + "/accept", token("russia"));
    return accepted.status == 200 ? declared : accepted;
  }
  static std::string site(const std::string& id, const std::string& share) {
    return R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.65,33.33]},"properties":{"id":")" + id +
           R"(","kind":"un.camp","radius_m":500,"share":)" + share + "}}";
  }
  // Russia's movement into the zone, 2 to 14 September 2018.
  static std::string russia_entry() {
    return R"({"type":"Feature","geometry":{"type":"LineString","coordinates":[[38.05,33.85],[38.42,33.60],[38.52,33.56]]},)"
           R"("properties":{"id":"russia.entry","kind":"movement","buffer_m":3000,)"
           R"("start":"2018-09-02T00:00:00Z","end":"2018-09-14T00:00:00Z"}})";
  }
  static std::string strike() {
    return R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.6,33.5]},"properties":{"kind":"strike",)"
           R"("radius_m":500,"start":"2018-09-06T12:00:00Z","end":"2018-09-07T00:00:00Z","notified":"2018-09-06T06:00:00Z"}})";
  }

  deconflict::testing::ScratchDir dir_{"server"};
  std::string db_, key_;
  std::map<std::string, std::string> tokens_;
  pid_t pid_ = -1;
  bool real_clock_ = false;  // start() on the real clock (the line then refuses 2018's activities)
  FILE* log_ = nullptr;
  uint16_t port_ = 0;
  uint16_t tak_port_ = 0;                // with --tak-port
  std::vector<std::string> serve_args_;  // what SetUp starts the server with, beyond the fixture's own
};

// A raw server-sent event stream, read frame by frame with a timeout.
class EventStream {
 public:
  EventStream(uint16_t port, const std::string& token, const std::string& last_event_id = "", int timeout_s = 5)
      : socket_(ioc_) {
    socket_.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    timeval tv{timeout_s, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string req = "GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n";
    if (!last_event_id.empty()) req += "Last-Event-ID: " + last_event_id + "\r\n";
    boost::asio::write(socket_, boost::asio::buffer(req + "\r\n"));
    header_ = until("\r\n\r\n");
  }
  const std::string& header() const { return header_; }

  // The next event frame, skipping keep-alive comments; empty on timeout.
  std::string next() {
    for (;;) {
      std::string frame = until("\n\n");
      if (frame.empty() || frame[0] != ':') return frame;
    }
  }

 private:
  std::string until(const std::string& end) {
    for (;;) {
      if (const size_t at = buffer_.find(end); at != std::string::npos) {
        std::string out = buffer_.substr(0, at);
        buffer_.erase(0, at + end.size());
        return out;
      }
      char chunk[4096];
      // A plain recv honours SO_RCVTIMEO (asio's blocking reads poll without a timeout).
      const ssize_t n = ::recv(socket_.native_handle(), chunk, sizeof chunk, 0);
      if (n <= 0) return "";
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  std::string buffer_;
  std::string header_;
};

inline std::string field_of(const std::string& frame, const std::string& name) {
  const size_t at = frame.find(name + ": ");
  if (at == std::string::npos) return "";
  const size_t end = frame.find('\n', at);
  return frame.substr(at + name.size() + 2, end == std::string::npos ? std::string::npos : end - at - name.size() - 2);
}

}  // namespace deconflict::testing
