// The short soak in `make test` (bench/soak.sh is the long one): 8 clients
// keep the real server busy for a few seconds with the line's everyday mix
// (checks, bounding-box lists, notices, the record's head); every answer is
// 200 and the server's resident memory stays flat after a warm-up (not
// measured under AddressSanitizer, whose quarantine keeps freed memory).
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <random>
#include <thread>

#include "scratch_dir.hpp"
#include "server_harness.hpp"

namespace {

using namespace deconflict::testing;
const std::string kBin = DECONFLICT_BIN;

double rss_mib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return -1;
}

TEST(Soak, ABusyServerAnswersEverythingAndItsMemoryStaysFlat) {
  ScratchDir dir("soak");
  const std::string db = (dir / "soak.db").string();
  run(kBin + " import --db " + db + " " + DECONFLICT_SOURCE_DIR + "/scenarios/at-tanf-2018.geojson");
  const std::string token = run(kBin + " party add russia --db " + db + " 2>/dev/null");
  Launched server = launch(kBin, {"serve", "--db", db, "--listen", "127.0.0.1:0", "--rate-limit", "0",
                                  "--max-probes-per-day", "100000000", "--simulated-clock", "2018-09-01T00:00:00Z"});
  Reaper reaper(server);
  ASSERT_NE(server.port, 0);

  std::atomic<int> phase{0};  // 0 warm-up, 1 measured, 2 stop
  std::atomic<size_t> answered{0}, not_ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      std::mt19937 rng(static_cast<unsigned>(c));
      std::uniform_real_distribution<double> lon(38.0, 39.0), lat(33.0, 34.0);
      Client client(server.port);
      for (size_t i = 0; phase < 2; ++i) {
        const double x = lon(rng), y = lat(rng);
        Reply r;
        switch (i % 5) {
          case 0:
          case 1:
            r = client.send(
                http::verb::post, "/v1/check", token,
                R"({"type":"Feature","geometry":{"type":"Point","coordinates":[)" + std::to_string(x) + "," +
                    std::to_string(y) +
                    R"(]},"properties":{"kind":"strike","radius_m":5000,"start":"2018-09-06T00:00:00Z","end":"2018-09-07T00:00:00Z"}})");
            break;
          case 2:
            r = client.send(http::verb::get,
                            "/v1/zones?bbox=" + std::to_string(x) + "," + std::to_string(y) + "," +
                                std::to_string(x + 0.5) + "," + std::to_string(y + 0.5),
                            token);
            break;
          case 3:
            r = client.send(http::verb::get, "/v1/notices", token);
            break;
          default:
            r = client.send(http::verb::get, "/v1/record/head", token);
            break;
        }
        ++answered;
        if (r.status != 200) ++not_ok;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const double warm = rss_mib(server.pid);
  const size_t warm_answers = answered;
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const double end = rss_mib(server.pid);
  phase = 2;
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(not_ok, 0u);
#ifdef __SANITIZE_ADDRESS__
  EXPECT_GT(answered - warm_answers, 300u);  // dry runs are writes (each is recorded), ten times slower under ASan
#else
  EXPECT_GT(answered - warm_answers, 1000u);
#endif
#ifndef __SANITIZE_ADDRESS__  // AddressSanitizer holds freed memory in quarantine: RSS says nothing there
  EXPECT_LT(end - warm, 8.0) << "resident memory grew from " << warm << " to " << end << " MiB";
#endif
  std::printf("soak: %zu answers in 5 s after warm-up, RSS %.1f -> %.1f MiB\n", answered - warm_answers, warm, end);
}

}  // namespace
