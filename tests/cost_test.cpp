// Attacks on the line's capacity (DESIGN §12), each played against the real
// server as a hostile party would, at a reduced size: requests that pass
// every validation and would hold the server, or another party, hostage.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "server_fixture.hpp"

namespace {

namespace http = boost::beast::http;
using deconflict::testing::Client;
using deconflict::testing::Reply;
using deconflict::testing::Server;

// A polygon of n vertices on a circle (degrees on a sphere are enough here:
// only the number of vertices and how near the shapes are matter).
std::string circle(double lon, double lat, double radius_m, int n) {
  std::string ring;
  for (int i = 0; i <= n; ++i) {
    const double a = 2 * M_PI * (i % n) / n;
    const double dlat = radius_m * std::cos(a) / 111'320.0;
    const double dlon = radius_m * std::sin(a) / (111'320.0 * std::cos(lat * M_PI / 180));
    ring += (i ? "," : "") + std::string("[") + std::to_string(lon + dlon) + "," + std::to_string(lat + dlat) + "]";
  }
  return R"({"type":"Polygon","coordinates":[[)" + ring + "]]}";
}

std::string feature(const std::string& geometry, const std::string& properties) {
  return R"({"type":"Feature","geometry":)" + geometry + R"(,"properties":{)" + properties + "}}";
}

constexpr int kVertices = 3000;
// An exercise 600 km east of the zone, each with a 500 km buffer: the two
// 3,000-vertex rings must be measured against each other.
std::string heavy_exercise(const std::string& id) {
  return feature(circle(45.0, 33.5, 100'000, kVertices),
                 R"("id":")" + id + R"(","kind":"exercise","buffer_m":500000,)"
                 R"("start":"2018-09-07T00:00:00Z","end":"2018-09-08T00:00:00Z")");
}

class Cost : public Server {
 protected:
  // A server whose check budget a 3,000-vertex pair exceeds, with a small burst.
  void SetUp() override {
    Server::SetUp();
    ASSERT_EQ(stop(), 0);
    start({"--max-body-bytes", "4000000", "--max-check-work", "200000", "--rate-burst", "40", "--work-per-request",
           "3000"});
    Client c(port_);
    const std::string zone = feature(circle(38.6, 33.5, 100'000, kVertices),
                                     R"("id":"coalition.wide","kind":"deconfliction","buffer_m":500000,)"
                                     R"("agreed_by":["russia","un"])");
    ASSERT_EQ(c.send(http::verb::post, "/v1/zones", token("coalition"), zone).status, 201);
    ASSERT_EQ(c.send(http::verb::post, "/v1/zones/coalition.wide/accept", token("russia"), "").status, 200);
    ASSERT_EQ(c.send(http::verb::post, "/v1/zones/coalition.wide/accept", token("un"), "").status, 200);
  }
};

// Attack: a check of two large shapes near each other ran for minutes on the
// server's one thread and blocked everyone. Now it is refused once it has
// spent its budget, with a code and what to simplify; nothing is stored.
TEST_F(Cost, ACheckOverItsBudgetIsRefusedAndNothingIsStored) {
  Client c(port_);
  const Reply dry = c.send(http::verb::post, "/v1/check", token("russia"), heavy_exercise("russia.heavy"));
  ASSERT_EQ(dry.status, 422) << dry.raw.body();
  EXPECT_EQ(dry.body["error"]["code"], "too_complex");
  EXPECT_EQ(dry.body["error"]["field"], "geometry");
  EXPECT_NE(dry.body["error"]["message"].get<std::string>().find("fewer positions"), std::string::npos);
  const Reply declared = c.send(http::verb::post, "/v1/activities", token("un"), heavy_exercise("un.heavy"));
  ASSERT_EQ(declared.status, 422) << declared.raw.body();
  // The refused declaration spent the UN's burst (the next test): wait as told.
  const Reply waited = c.send(http::verb::get, "/v1/zones", token("un"));
  ASSERT_EQ(waited.status, 429);
  std::this_thread::sleep_for(std::chrono::seconds(std::stoi(std::string(waited.raw[http::field::retry_after]))));
  EXPECT_EQ(c.send(http::verb::get, "/v1/activities/un.heavy", token("un")).status, 404);
  EXPECT_EQ(c.send(http::verb::get, "/v1/activities", token("un")).body["features"].size(), 0u);
  // A small exercise of the same party is checked as ever.
  const std::string small = feature(R"({"type":"Point","coordinates":[38.6,33.5]})",
                                    R"("id":"un.small","kind":"convoy","radius_m":100,)"
                                    R"("start":"2018-09-07T00:00:00Z","end":"2018-09-08T00:00:00Z")");
  const Reply ok = c.send(http::verb::post, "/v1/activities", token("un"), small);
  ASSERT_EQ(ok.status, 201) << ok.raw.body();
  EXPECT_EQ(ok.body["conflicts"][0]["rule"], "zone-entry");
}

// Attack: the rate limit counted requests, so a party's burst of legal heavy
// checks was minutes of CPU. Now each request is charged by its work: one
// heavy check spends the party's burst, and only that party's.
TEST_F(Cost, AHeavyCheckSpendsItsPartysRateAndNoOneElses) {
  Client c(port_);
  ASSERT_EQ(c.send(http::verb::post, "/v1/check", token("russia"), heavy_exercise("russia.heavy")).status, 422);
  const Reply next = c.send(http::verb::get, "/v1/zones", token("russia"));
  EXPECT_EQ(next.status, 429) << "200,000 units at 3,000 a request is 66 requests of a burst of 40";
  EXPECT_FALSE(next.raw[http::field::retry_after].empty());
  EXPECT_EQ(c.send(http::verb::get, "/v1/zones", token("coalition")).status, 200);
  EXPECT_EQ(c.send(http::verb::get, "/v1/health", "").status, 200);
}

// SIGTERM while a heavy request is being answered stops the server within
// 2 s, having answered it (or never having read it).
TEST_F(Cost, SigtermDuringAHeavyCheckStopsTheServerPromptly) {
  std::thread heavy([&] {
    try {
      Client c(port_);
      c.send(http::verb::post, "/v1/check", token("russia"), heavy_exercise("russia.heavy"));
    } catch (const std::exception&) {  // the server went away first: as good
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(stop(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(2));
  heavy.join();
}

}  // namespace
