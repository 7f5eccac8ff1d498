// Crash safety: clients create activities while the server is killed with
// SIGKILL at a random moment; after a restart every create that was answered
// 201 is there, nothing is half-written (every object has its record entry,
// every notice its activity), the record verifies, and the index rebuilt from
// the store answers as the store says. CRASH_ITERATIONS sets how many rounds
// (default 8; `make crash` runs more).
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "scratch_dir.hpp"
#include "server_harness.hpp"
#include "test_store.hpp"

namespace {

using namespace deconflict::testing;
const std::string kBin = DECONFLICT_BIN;

std::string activity(const std::string& id, std::mt19937& rng) { return random_patrol(id, rng, 0.3, 3000); }

std::vector<std::string> serve_args(const TestStore& store) {
  std::vector<std::string> args{"serve", "--listen",          "127.0.0.1:0",         "--rate-limit",
                                "0",     "--simulated-clock", "2018-09-01T00:00:00Z"};  // before the patrols of 2018
  for (const std::string& a : store.argv()) args.push_back(a);
  return args;
}

TEST(Crash, EveryAnsweredWriteSurvivesASigkillAndNothingIsHalfWritten) {
  ScratchDir dir("crash");
  const TestStore store = TestStore::choose(dir.path().string());  // DECONFLICT_TEST_STORE=postgres: on PostgreSQL
  ASSERT_EQ(store.error, "");
  const std::vector<std::string> parties{"coalition", "russia", "un", "iran"};
  std::map<std::string, std::string> tokens;
  for (const std::string& p : parties) tokens[p] = run(kBin + " party add " + p + store.args() + " 2>/dev/null");
  const char* env = std::getenv("CRASH_ITERATIONS");
  const int iterations = env ? std::atoi(env) : 8;
  std::mt19937 rng(2018);
  std::set<std::string> acknowledged;  // ids answered 201, over every round
  std::mutex mutex;

  for (int round = 0; round < iterations; ++round) {
    Launched server = launch(kBin, serve_args(store));
    Reaper reaper(server);
    ASSERT_NE(server.port, 0) << "round " << round;
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (size_t c = 0; c < parties.size(); ++c) {
      clients.emplace_back([&, c, seed = rng()] {
        std::mt19937 local(seed);
        try {
          Client client(server.port);
          for (int i = 0; !stop; ++i) {
            const std::string id = parties[c] + ".r" + std::to_string(round) + "-" + std::to_string(i);
            if (client.send(http::verb::post, "/v1/activities", tokens[parties[c]], activity(id, local)).status ==
                201) {
              std::lock_guard<std::mutex> lock(mutex);
              acknowledged.insert(id);
            }
          }
        } catch (const std::exception&) {
          // the server was killed mid-request: that write was never answered
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(30, 300)(rng)));
    ::kill(server.pid, SIGKILL);
    ::waitpid(server.pid, nullptr, 0);
    server.pid = -1;
    stop = true;
    for (auto& t : clients) t.join();
  }
  ASSERT_GT(acknowledged.size(), 0u);

  // What the store holds after the last crash.
  EXPECT_EQ(store.count("SELECT count(*) FROM objects o WHERE NOT EXISTS "
                        "(SELECT 1 FROM record r WHERE r.subject = o.id AND r.action = 'activity.create')"),
            0)
      << "an object without its record entry";
  EXPECT_EQ(store.count(
                "SELECT count(*) FROM notices n WHERE NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = n.activity_id)"),
            0)
      << "a notice without its activity";
  EXPECT_EQ(store.count("SELECT count(*) FROM notices n WHERE NOT EXISTS "
                        "(SELECT 1 FROM record r WHERE r.subject = n.id AND r.action = 'notice.send')"),
            0)
      << "a notice without its record entry";
  const int64_t stored = store.count("SELECT count(*) FROM objects WHERE type = 'activity'");
  EXPECT_GE(stored, static_cast<int64_t>(acknowledged.size()));

  const std::string verified = run(kBin + " record verify" + store.args());
  EXPECT_NE(verified.find("record verified"), std::string::npos) << verified;

  // Restarted, the server has every acknowledged write, and its index agrees with the store.
  Launched server = launch(kBin, serve_args(store));
  Reaper reaper(server);
  ASSERT_NE(server.port, 0);
  Client client(server.port);
  size_t listed = 0;
  for (const std::string& p : parties) {
    const Reply all = client.send(http::verb::get, "/v1/activities?party=" + p, tokens[p]);
    const Reply near =
        client.send(http::verb::get, "/v1/activities?party=" + p + "&bbox=38.0,33.0,39.2,34.0", tokens[p]);
    EXPECT_EQ(all.body["features"].size(), near.body["features"].size()) << p << ": the index misses stored objects";
    listed += all.body["features"].size();
  }
  EXPECT_EQ(static_cast<int64_t>(listed), stored);
  for (const std::string& id : acknowledged) {
    const std::string party = id.substr(0, id.find('.'));
    ASSERT_EQ(client.send(http::verb::get, "/v1/activities/" + id, tokens[party]).status, 200) << id << " was lost";
  }
  std::printf("crash rounds: %d, writes answered 201: %zu, stored: %lld\n", iterations, acknowledged.size(),
              static_cast<long long>(stored));
}

}  // namespace
