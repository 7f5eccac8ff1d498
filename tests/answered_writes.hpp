// What clients were told, against what the database holds, for the tests of
// several nodes on one PostgreSQL (nodes, failover, partitions).
//
// WriteLoad runs one writer per node and party, each declaring patrols near
// At Tanf at its node until stopped, and remembers every answer. judge() then
// opens the database as a fresh node would and checks the two promises that
// faults must not break: every write answered 201 is stored, and of every two
// conflicting activities the later one (in the record) named the earlier in
// its answer: none was committed blind to the other.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "deconflict/service.hpp"
#include "server_harness.hpp"

namespace deconflict::testing {

using Clock = std::chrono::steady_clock;

/// A write answered 201: the conflicts its answer named, and the node that took it.
struct Answer {
  std::set<std::string> named;
  size_t node = 0;
};
using Answers = std::map<std::string, Answer>;

/// A patrol of 2.5 km radius within 0.5° of At Tanf: a few thousand of them
/// make tens of thousands of conflicting pairs.
inline std::string dense_patrol(const std::string& id, std::mt19937& rng) { return random_patrol(id, rng, 0.5, 2500); }

class WriteLoad {
 public:
  /// One writer per node and party; `tokens` maps each party to its token.
  WriteLoad(const std::vector<const Launched*>& nodes, const std::map<std::string, std::string>& tokens) {
    size_t w = 0;
    for (size_t n = 0; n < nodes.size(); ++n)
      for (const auto& [party, token] : tokens)
        writers_.emplace_back([this, node = *nodes[n], n, party, token, w = w++] { write(node, n, party, token, w); });
  }
  ~WriteLoad() { stop(); }

  void stop() {
    stop_ = true;
    for (std::thread& t : writers_)
      if (t.joinable()) t.join();
  }
  Answers answers() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return answers_;
  }
  /// How many answers of each status (0: the connection closed unanswered).
  std::map<unsigned, int> statuses() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return statuses_;
  }
  /// The first 201 that node `n` answered to a request sent after `t`.
  std::optional<Clock::time_point> first_success_after(size_t n, Clock::time_point t) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [sent, node] : successes_)
      if (node == n && sent > t) return sent;
    return std::nullopt;
  }

 private:
  void write(const Launched& node, size_t n, const std::string& party, const std::string& token, size_t w) {
    std::mt19937 rng(static_cast<unsigned>(w + 1000));
    for (int i = 0; !stop_; ++i) {
      const std::string id = party + ".n" + std::to_string(n) + "-" + std::to_string(w) + "-" + std::to_string(i);
      const Clock::time_point sent = Clock::now();
      Reply r;  // status 0: the connection closed, or timed out, unanswered
      try {
        Client client(node.port, 20, node.host);
        r = client.send(http::verb::post, "/v1/activities", token, dense_patrol(id, rng));
      } catch (const std::exception&) {
      }
      record(id, n, sent, r);
      if (r.status != 201) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  void record(const std::string& id, size_t n, Clock::time_point sent, const Reply& r) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++statuses_[r.status];
    if (r.status != 201) return;
    Answer& a = answers_[id];
    a.node = n;
    for (const auto& conflict : r.body["conflicts"]) a.named.insert(conflict["id"].get<std::string>());
    successes_.emplace_back(sent, n);
  }

  std::vector<std::thread> writers_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  Answers answers_;
  std::map<unsigned, int> statuses_;
  std::vector<std::pair<Clock::time_point, size_t>> successes_;
};

/// How many rounds of a fault to run: FAILOVER_ROUNDS (`make failover`), at
/// least `minimum`, which is also the default.
inline int failover_rounds(int minimum) {
  const char* env = std::getenv("FAILOVER_ROUNDS");
  return env ? std::max(minimum, std::atoi(env)) : minimum;
}

/// " 201:2630 503:81" for the figures.
inline std::string tally(const std::map<unsigned, int>& statuses) {
  std::string out;
  for (const auto& [status, n] : statuses) out += " " + std::to_string(status) + ":" + std::to_string(n);
  return out;
}

struct Verdict {
  size_t lost = 0;          // answered 201, not stored
  size_t pairs = 0;         // conflicting pairs of answered writes
  size_t across_nodes = 0;  // of them, taken by different nodes
  size_t blind = 0;         // the later did not name the earlier
  std::vector<std::string> failures;
};

/// The sequence number of each activity's creation in the record at `url`.
inline std::map<std::string, int64_t> creation_order(const std::string& url) {
  std::map<std::string, int64_t> out;
  PGconn* conn = PQconnectdb(url.c_str());
  PGresult* r = PQexec(conn, "SELECT subject, seq FROM record WHERE action = 'activity.create'");
  for (int i = 0; i < PQntuples(r); ++i) out[PQgetvalue(r, i, 0)] = std::stoll(PQgetvalue(r, i, 1));
  PQclear(r);
  PQfinish(conn);
  return out;
}

/// Opens the database at `url` as a new node would and checks `answers` against it.
inline Verdict judge(const std::string& url, const std::string& key_path, const Answers& answers) {
  Verdict v;
  deconflict::Options options;
  options.db_path = url;
  options.key_path = key_path;
  auto truth = deconflict::Service::open(options);
  if (!truth.ok()) {
    v.failures.push_back("cannot open the database: " + truth.error().describe());
    return v;
  }
  const auto order = creation_order(url);
  for (const auto& [id, answer] : answers) {
    if ((*truth)->find(id) == nullptr || !order.count(id)) {
      ++v.lost;
      v.failures.push_back(id + " was answered 201 but is not stored");
      continue;
    }
    auto conflicts = (*truth)->conflicts(id);
    if (!conflicts.ok()) continue;
    for (const deconflict::Conflict& c : *conflicts) {
      if (!answers.count(c.other_id) || !order.count(c.other_id) || order.at(c.other_id) > order.at(id)) continue;
      ++v.pairs;
      if (answers.at(c.other_id).node != answer.node) ++v.across_nodes;
      if (answer.named.count(c.other_id)) continue;
      ++v.blind;
      v.failures.push_back(id + " was declared after " + c.other_id + " but did not report it");
    }
  }
  return v;
}

}  // namespace deconflict::testing
