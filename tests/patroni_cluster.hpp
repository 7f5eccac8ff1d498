// A real high-availability PostgreSQL for the failover and partition tests,
// made of Debian's packages as an operator would run it (docs/operations.md):
// one etcd, two PostgreSQL servers under Patroni (a primary and a synchronous
// replica) and HAProxy in front, which sends every connection to whichever
// member Patroni's REST API calls the primary. Everything listens on loopback
// ports picked for the run, in a temporary directory removed at the end.
//
// Patroni is tuned to notice a dead primary within seconds rather than its
// default half-minute: ttl 6 s, loop_wait 1 s, retry_timeout 2 s (Patroni
// needs loop_wait + 2 × retry_timeout ≤ ttl). HAProxy checks each member every
// 300 ms and cuts the sessions of a member it marks down.
#pragma once

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "pg_cluster.hpp"
#include "server_harness.hpp"

namespace deconflict::testing {

class PatroniCluster {
 public:
  /// Starts the cluster and waits until it has a primary and a synchronous
  /// replica. HAProxy also listens on each of `extra_addresses` (a test
  /// network's, which must exist already), on the same port.
  explicit PatroniCluster(std::vector<std::string> extra_addresses = {})
      : dir_(std::filesystem::temp_directory_path() / ("deconflict-patroni-" + std::to_string(::getpid()))),
        extra_addresses_(std::move(extra_addresses)) {
    for (const char* tool : {"/usr/bin/patroni", "/usr/bin/etcd", "/usr/sbin/haproxy"}) {
      if (!std::filesystem::exists(tool)) {
        error_ = std::string("no ") + tool + ": run scripts/install-deps.sh";
        return;
      }
    }
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    const passwd* pg = ::getpwnam("postgres");
    if (pg == nullptr) {
      error_ = "no postgres user";
      return;
    }
    uid_ = pg->pw_uid;
    gid_ = pg->pw_gid;
    std::filesystem::permissions(dir_, std::filesystem::perms::all);
    etcd_port_ = free_loopback_port();
    peer_port_ = free_loopback_port();
    proxy_port_ = free_loopback_port();
    etcd_pid_ = spawn({"/usr/bin/etcd", "--data-dir", (dir_ / "etcd").string(), "--listen-client-urls", etcd_url(),
                       "--advertise-client-urls", etcd_url(), "--listen-peer-urls", peer_url(),
                       "--initial-advertise-peer-urls", peer_url(), "--initial-cluster", "default=" + peer_url()},
                      "etcd.log", false);
    for (int i = 0; i < 2; ++i) members_.push_back({free_loopback_port(), free_loopback_port(), -1});
    for (int i = 0; i < 2; ++i) {
      write_member_config(i);
      if (!start_member(i)) return;
      if (i == 0 && !wait_until([&] { return primary() == 0; }, 60)) {
        error_ = "Patroni did not bootstrap a primary: " + tail("member0.log");
        return;
      }
    }
    write_proxy_config();
    proxy_pid_ = spawn({"/usr/sbin/haproxy", "-f", (dir_ / "haproxy.cfg").string(), "-db"}, "haproxy.log", false);
    if (!wait_healthy(60)) error_ = "no synchronous replica: " + tail("member1.log") + "\n" + tail("haproxy.log");
  }

  ~PatroniCluster() {
    for (pid_t pid : {proxy_pid_, members_.size() > 0 ? members_[0].patroni_pid : -1,
                      members_.size() > 1 ? members_[1].patroni_pid : -1}) {
      reap(pid);
    }
    for (size_t i = 0; i < members_.size(); ++i) kill_postgres(static_cast<int>(i));
    reap(etcd_pid_);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  PatroniCluster(const PatroniCluster&) = delete;
  PatroniCluster& operator=(const PatroniCluster&) = delete;

  /// Empty when the cluster runs; otherwise why it does not.
  const std::string& error() const { return error_; }

  /// The database `postgres` through HAProxy, at `host` (loopback, or one of
  /// the extra addresses).
  std::string url(const std::string& host = "127.0.0.1") const {
    return "postgresql://postgres@" + host + ":" + std::to_string(proxy_port_) + "/postgres";
  }

  /// The member Patroni calls the primary (its REST API's /primary answers
  /// 200), or -1.
  int primary() const {
    for (size_t i = 0; i < members_.size(); ++i)
      if (rest_status(static_cast<int>(i), "/primary") == 200) return static_cast<int>(i);
    return -1;
  }

  /// A primary, a synchronous replica (/sync answers 200), and HAProxy
  /// sending connections to the primary; waits at most `seconds`.
  bool wait_healthy(int seconds) const {
    return wait_until(
        [&] {
          const int p = primary();
          return p >= 0 && rest_status(1 - p, "/sync") == 200 && proxy_reaches_primary();
        },
        seconds);
  }

  /// The death of member `i`'s machine: Patroni, the postmaster and every
  /// backend killed with SIGKILL at once.
  void kill_member(int i) {
    reap(members_[i].patroni_pid);
    members_[i].patroni_pid = -1;
    kill_postgres(i);
  }

  /// Member `i` starts again and rejoins as a replica (pg_rewind where its
  /// history went further than the new primary's).
  bool restart_member(int i) { return start_member(i); }

 private:
  struct Member {
    uint16_t pg_port, rest_port;
    pid_t patroni_pid;
  };

  std::string etcd_url() const { return "http://127.0.0.1:" + std::to_string(etcd_port_); }
  std::string peer_url() const { return "http://127.0.0.1:" + std::to_string(peer_port_); }
  std::filesystem::path data_dir(int i) const { return dir_ / ("pg" + std::to_string(i)); }

  void write_member_config(int i) const {
    const Member& m = members_[i];
    const std::string name = "pg" + std::to_string(i);
    std::filesystem::create_directories(data_dir(i));
    ::chown(data_dir(i).c_str(), uid_, gid_);
    std::filesystem::permissions(data_dir(i), std::filesystem::perms::owner_all);
    std::ofstream(dir_ / (name + ".yml"))
        << "scope: deconflict\nname: " << name << "\n"
        << "restapi: {listen: 127.0.0.1:" << m.rest_port << ", connect_address: 127.0.0.1:" << m.rest_port << "}\n"
        << "etcd3: {hosts: 127.0.0.1:" << etcd_port_ << "}\n"
        << "bootstrap:\n"
        << "  dcs:\n"
        << "    ttl: 6\n    loop_wait: 1\n    retry_timeout: 2\n"
        << "    synchronous_mode: true\n"
        << "    postgresql:\n"
        << "      use_pg_rewind: true\n"
        << "      parameters: {wal_log_hints: 'on', max_connections: 200}\n"
        << "  initdb: [{encoding: UTF8}, {auth: trust}, no-sync]\n"
        << "  pg_hba: ['local all all trust', 'host all all 127.0.0.1/32 trust',"
        << " 'host replication all 127.0.0.1/32 trust']\n"
        << "postgresql:\n"
        << "  listen: 127.0.0.1:" << m.pg_port << "\n  connect_address: 127.0.0.1:" << m.pg_port << "\n"
        << "  data_dir: " << data_dir(i).string() << "\n"
        << "  bin_dir: /usr/lib/postgresql/15/bin\n"
        << "  pgpass: " << (dir_ / (name + ".pgpass")).string() << "\n"
        << "  authentication: {superuser: {username: postgres}, replication: {username: postgres},"
        << " rewind: {username: postgres}}\n"
        << "  parameters: {unix_socket_directories: " << dir_.string() << "}\n";
  }

  void write_proxy_config() const {
    std::ofstream out(dir_ / "haproxy.cfg");
    out << "global\n  maxconn 2000\n"
        << "defaults\n  mode tcp\n  timeout connect 2s\n  timeout client 30m\n  timeout server 30m\n"
        << "  timeout check 1s\n"
        << "listen primary\n  bind 127.0.0.1:" << proxy_port_ << "\n";
    for (const std::string& address : extra_addresses_) out << "  bind " << address << ":" << proxy_port_ << "\n";
    out << "  option httpchk GET /primary\n  http-check expect status 200\n"
        << "  default-server inter 300ms fall 2 rise 1 on-marked-down shutdown-sessions\n";
    for (size_t i = 0; i < members_.size(); ++i)
      out << "  server pg" << i << " 127.0.0.1:" << members_[i].pg_port << " check port " << members_[i].rest_port
          << "\n";
  }

  bool start_member(int i) {
    const std::string name = "pg" + std::to_string(i);
    members_[i].patroni_pid =
        spawn({"/usr/bin/patroni", (dir_ / (name + ".yml")).string()}, "member" + std::to_string(i) + ".log", true);
    if (members_[i].patroni_pid <= 0) {
      error_ = "cannot start Patroni";
      return false;
    }
    return true;
  }

  void kill_postgres(int i) const {
    std::ifstream pidfile(data_dir(i) / "postmaster.pid");
    long pid = 0;
    if (!(pidfile >> pid) || pid <= 0) return;
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    std::system(("pkill -KILL -P " + std::to_string(pid) + " > /dev/null 2>&1").c_str());
  }

  int rest_status(int i, const std::string& path) const {
    try {
      Client client(members_[i].rest_port, 2);
      return static_cast<int>(client.send(http::verb::get, path).status);
    } catch (const std::exception&) {
      return 0;
    }
  }

  bool proxy_reaches_primary() const {
    PGconn* conn = PQconnectdb((url() + "?connect_timeout=2").c_str());
    PGresult* r = PQexec(conn, "SELECT pg_is_in_recovery()");
    const bool primary = PQresultStatus(r) == PGRES_TUPLES_OK && std::string(PQgetvalue(r, 0, 0)) == "f";
    PQclear(r);
    PQfinish(conn);
    return primary;
  }

  template <class Condition>
  static bool wait_until(Condition done, int seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (!done()) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return true;
  }

  /// Runs `argv` with its output to `log` in the cluster's directory, as the
  /// postgres user when `as_postgres` (initdb refuses root).
  pid_t spawn(std::vector<std::string> argv, const std::string& log, bool as_postgres) const {
    const pid_t pid = ::fork();
    if (pid != 0) return pid;
    const int fd = ::open((dir_ / log).c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    if (as_postgres && (::setgroups(0, nullptr) != 0 || ::setgid(gid_) != 0 || ::setuid(uid_) != 0)) ::_exit(126);
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }

  /// The end of one of the logs, for an error (the directory is removed).
  std::string tail(const std::string& log) const {
    std::ifstream in(dir_ / log);
    const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return all.substr(all.size() > 2000 ? all.size() - 2000 : 0);
  }

  static void reap(pid_t pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }

  std::filesystem::path dir_;
  std::vector<std::string> extra_addresses_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  uint16_t etcd_port_ = 0, peer_port_ = 0, proxy_port_ = 0;
  pid_t etcd_pid_ = -1, proxy_pid_ = -1;
  std::vector<Member> members_;
  std::string error_;
};

}  // namespace deconflict::testing
