// A real PostgreSQL server for the tests (Debian's postgresql-15): a
// throwaway cluster in a temporary directory on a free loopback port, started
// on first use and stopped when the test program exits. Each test asks for a
// fresh database of its own.
#pragma once

#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace deconflict::testing {

/// A loopback TCP port that nothing listens on now.
inline uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class PgCluster {
 public:
  static PgCluster& instance() {
    static PgCluster cluster;
    return cluster;
  }
  /// Empty when the cluster runs; otherwise why it does not.
  const std::string& error() const { return error_; }

  /// The URL of a new, empty database.
  std::string fresh_database() {
    const std::string name = "test_" + std::to_string(++databases_);
    PGconn* conn = PQconnectdb(url("postgres").c_str());
    PQclear(PQexec(conn, ("CREATE DATABASE " + name).c_str()));
    PQfinish(conn);
    return url(name);
  }
  std::string url(const std::string& database) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
  }

  /// A crash of the database machine: the postmaster and every backend are
  /// killed with SIGKILL, then the server is started again (crash recovery).
  /// True when it is accepting connections again.
  bool crash_and_restart() {
    std::ifstream pidfile(dir_ / "db" / "postmaster.pid");
    long pid = 0;
    if (!(pidfile >> pid) || pid <= 0) return false;
    shell("pkill -KILL -P " + std::to_string(pid));
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    for (int i = 0; i < 100 && ::kill(static_cast<pid_t>(pid), 0) == 0; ++i) ::usleep(20'000);
    return start();
  }

  ~PgCluster() {
    if (started_) shell(as_postgres() + kBin + "/pg_ctl -D " + (dir_ / "db").string() + " -m immediate stop");
    std::filesystem::remove_all(dir_);
  }

 private:
  static constexpr const char* kBin = "/usr/lib/postgresql/15/bin";

  PgCluster() : dir_(std::filesystem::temp_directory_path() / ("deconflict-pg-" + std::to_string(::getpid()))) {
    if (!std::filesystem::exists(std::string(kBin) + "/postgres")) {
      error_ = "no PostgreSQL server in " + std::string(kBin) + ": run scripts/install-deps.sh";
      return;
    }
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    if (::geteuid() == 0) {  // initdb refuses root: the cluster belongs to the postgres user
      const passwd* pg = ::getpwnam("postgres");
      if (pg == nullptr || ::chown(dir_.c_str(), pg->pw_uid, pg->pw_gid) != 0) {
        error_ = "cannot give " + dir_.string() + " to the postgres user";
        return;
      }
    }
    port_ = free_loopback_port();
    const std::string db = (dir_ / "db").string();
    if (!shell(as_postgres() + kBin + "/initdb -D " + db + " -A trust -U postgres -E UTF8 --no-sync")) {
      error_ = "initdb failed";
      return;
    }
    if (!start()) {
      error_ = "the PostgreSQL server did not start; see " + (dir_ / "log").string();
      return;
    }
    started_ = true;
  }

  bool start() {
    const std::string options = "-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) + " -k " + dir_.string() +
                                " -c max_connections=200";
    return shell(as_postgres() + kBin + "/pg_ctl -D " + (dir_ / "db").string() + " -l " + (dir_ / "log").string() +
                 " -w -o '" + options + "' start");
  }

  static std::string as_postgres() { return ::geteuid() == 0 ? "runuser -u postgres -- " : ""; }
  static bool shell(const std::string& cmd) { return std::system((cmd + " > /dev/null 2>&1").c_str()) == 0; }

  std::filesystem::path dir_;
  uint16_t port_ = 0;
  int databases_ = 0;
  bool started_ = false;
  std::string error_;
};

}  // namespace deconflict::testing
