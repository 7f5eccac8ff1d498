// The real `deconflict serve` binary on a free loopback port with a temporary
// store, driven over HTTP.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "scratch_dir.hpp"
#include "server_fixture.hpp"
#include "server_harness.hpp"
#include "store/store.hpp"
#include "test_store.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

const std::string kBin = DECONFLICT_BIN;

using deconflict::testing::Client;
using deconflict::testing::make_certificate;
using deconflict::testing::Reply;
using deconflict::testing::run;

using deconflict::testing::EventStream;
using deconflict::testing::field_of;
using deconflict::testing::Server;

TEST_F(Server, HealthNeedsNoTokenAndEverythingElseDoes) {
  Client c(port_);
  auto health = c.send(http::verb::get, "/v1/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body["status"], "ok");
  auto missing = c.send(http::verb::get, "/v1/zones");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.body["error"]["code"], "unauthorized");
  EXPECT_EQ(missing.raw[http::field::www_authenticate], "Bearer");
  EXPECT_EQ(c.send(http::verb::get, "/v1/zones", "dcf_not-a-token").status, 401);
  EXPECT_EQ(c.send(http::verb::get, "/v1/zones", token("coalition")).status, 200);
  EXPECT_EQ(c.send(http::verb::get, "/v1/nothing", token("coalition")).status, 404);
}

TEST_F(Server, ARevokedTokenIsRefused) {
  ASSERT_EQ(stop(), 0);
  run(kBin + " party revoke russia" + store_args() + " 2>/dev/null");
  start();
  Client c(port_);
  EXPECT_EQ(c.send(http::verb::get, "/v1/zones", token("russia")).status, 401);
  EXPECT_EQ(c.send(http::verb::get, "/v1/zones", token("un")).status, 200);
}

TEST_F(Server, PartiesAddedAndRevokedBesideARunningServerTakeEffectAtOnce) {
  Client c(port_);
  ASSERT_EQ(c.send(http::verb::get, "/v1/zones", token("un")).status, 200);
  run(kBin + " party revoke un" + store_args());
  EXPECT_EQ(c.send(http::verb::get, "/v1/zones", token("un")).status, 401);
  const std::string icrc = run(kBin + " party add icrc" + store_args() + " 2>/dev/null");
  EXPECT_EQ(c.send(http::verb::get, "/v1/zones", icrc).status, 200);
  EXPECT_EQ(c.send(http::verb::get, "/v1/zones", token("coalition")).status, 200);
}

TEST_F(Server, ZonesAndSitesAreDeclaredByTheirOwnParty) {
  Client c(port_);
  auto created = c.send(http::verb::post, "/v1/zones", token("coalition"), zone("coalition.zone-at-tanf"));
  ASSERT_EQ(created.status, 201) << created.raw.body();
  EXPECT_EQ(created.body["feature"]["properties"]["party"], "coalition");
  EXPECT_EQ(created.body["feature"]["properties"]["version"], 1);
  EXPECT_TRUE(created.body["conflicts"].is_array());
  EXPECT_EQ(c.send(http::verb::post, "/v1/zones", token("coalition"), zone("coalition.zone-at-tanf")).status, 409);
  auto foreign = c.send(http::verb::post, "/v1/zones", token("russia"), zone("z2", R"(,"party":"coalition")"));
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(foreign.body["error"]["field"], "properties.party");
  auto bad = c.send(
      http::verb::post, "/v1/zones", token("russia"),
      R"({"type":"Feature","geometry":{"type":"Point","coordinates":[1,95]},"properties":{"kind":"restricted","radius_m":1}})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["error"]["code"], "invalid_input");
  EXPECT_EQ(bad.body["error"]["field"], "geometry.coordinates");
  EXPECT_EQ(c.send(http::verb::post, "/v1/zones", token("russia"), "{not json").status, 400);
  // What was stored survives a restart.
  ASSERT_EQ(stop(), 0);
  start();
  Client again(port_);
  auto one = again.send(http::verb::get, "/v1/zones/coalition.zone-at-tanf", token("russia"));
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.body["properties"]["radius_m"], 55000.0);
}

TEST_F(Server, SitesAreSeenOnlyByThoseTheyAreSharedWith) {
  Client c(port_);
  ASSERT_EQ(c.send(http::verb::post, "/v1/sites", token("un"), site("un.camp", R"("all")")).status, 201);
  ASSERT_EQ(c.send(http::verb::post, "/v1/sites", token("un"), site("un.clinic", R"(["coalition"])")).status, 201);
  const auto ids = [&](const char* party) {
    std::set<std::string> out;
    const Reply r = c.send(http::verb::get, "/v1/sites", token(party));
    for (const auto& f : r.body["features"]) out.insert(f["id"].get<std::string>());
    return out;
  };
  EXPECT_EQ(ids("un"), (std::set<std::string>{"un.camp", "un.clinic"}));
  EXPECT_EQ(ids("coalition"), (std::set<std::string>{"un.camp", "un.clinic"}));
  EXPECT_EQ(ids("russia"), (std::set<std::string>{"un.camp"}));
  // Not shared: the same answer as for an object that does not exist (each
  // names the id the caller asked for, and nothing else).
  auto hidden = c.send(http::verb::get, "/v1/sites/un.clinic", token("russia"));
  auto absent = c.send(http::verb::get, "/v1/sites/no-such-site", token("russia"));
  EXPECT_EQ(hidden.status, 404);
  std::string told = hidden.raw.body();
  told.replace(told.find("un.clinic"), 9, "no-such-site");
  EXPECT_EQ(told, absent.raw.body());
}

TEST_F(Server, ListsFilterByBoxTimeAndParty) {
  Client c(port_);
  ASSERT_EQ(declare_zone(c).status, 201);
  const auto count = [&](const std::string& query) {
    auto r = c.send(http::verb::get, "/v1/zones" + query, token("russia"));
    EXPECT_EQ(r.status, 200) << query;
    return r.body["features"].size();
  };
  EXPECT_EQ(count("?bbox=38,33,39,34"), 1u);
  EXPECT_EQ(count("?bbox=0,0,1,1"), 0u);
  EXPECT_EQ(count("?party=russia"), 0u);
  EXPECT_EQ(count("?start=2018-09-01T00:00:00Z&end=2018-09-14T00:00:00Z"), 1u);
  EXPECT_EQ(c.send(http::verb::get, "/v1/zones?bbox=1,2", token("russia")).status, 400);
  EXPECT_EQ(c.send(http::verb::get, "/v1/zones?start=yesterday", token("russia")).status, 400);
}

TEST_F(Server, CheckStoresNothing) {
  Client c(port_);
  ASSERT_EQ(declare_zone(c).status, 201);
  auto r = c.send(http::verb::post, "/v1/check", token("russia"), strike());
  ASSERT_EQ(r.status, 200) << r.raw.body();
  ASSERT_EQ(r.body["conflicts"].size(), 2u);
  EXPECT_EQ(r.body["conflicts"][0]["rule"], "zone-entry");
  EXPECT_EQ(r.body["conflicts"][1]["rule"], "short-notice");
  EXPECT_EQ(c.send(http::verb::get, "/v1/activities", token("russia")).body["features"].size(), 0u);
}

TEST_F(Server, OversizedBodiesAre413) {
  Client c(port_);
  const std::string big =
      R"({"type":"Feature","geometry":null,"properties":{"description":")" + std::string(200'000, 'x') + "\"}}";
  auto r = c.send(http::verb::post, "/v1/zones", token("coalition"), big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body["error"]["code"], "too_large");
  Client other(port_);  // the server keeps serving
  EXPECT_EQ(other.send(http::verb::get, "/v1/health").status, 200);
}

TEST_F(Server, AClientTricklingItsRequestIsCutOffWhileOthersAreServed) {
  TearDown();
  start({"--request-timeout-s", "1"});
  asio::io_context ioc;
  tcp::socket slow(ioc);
  slow.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  const std::string request = "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + std::string(40, 'x');
  const auto begun = std::chrono::steady_clock::now();
  boost::system::error_code ec;
  for (char ch : request) {  // a byte every 100 ms: 6 s for the whole request
    asio::write(slow, asio::buffer(&ch, 1), ec);
    if (ec) break;
    Client other(port_);
    ASSERT_EQ(other.send(http::verb::get, "/v1/health").status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (slow.available(ec) == 0 && std::chrono::steady_clock::now() - begun > std::chrono::seconds(3)) break;
  }
  // The server closed the connection after about a second: reading gives end of file.
  char byte;
  slow.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_LT(std::chrono::steady_clock::now() - begun, std::chrono::seconds(4));
}

// Regression: an entry another writer committed was taken into the chain's
// Merkle tree whatever its hash held; an entry whose hash is not hex (a
// damaged store) then had the server extend and sign the damaged record.
// Now the server refuses to go on from it: the write fails, nothing follows
// the damaged entry, and the server keeps running.
TEST_F(Server, AnEntryFollowedWithAHashThatIsNotHexIsNotExtended) {
  Client c(port_);
  ASSERT_EQ(declare_zone(c).status, 201);
  // Another writer's entry, as damaged as a store can be: its hash not hex.
  const deconflict::testing::TestStore store{db_, key_, ""};
  ASSERT_EQ(
      store.run("INSERT INTO record (seq, time_ms, party, action, data, prev, hash, signature, subject, audience,"
                " statement, audience_parties, audience_seed) SELECT seq + 1, time_ms, party, action, data, hash,"
                " 'not a hash', signature, subject, audience, statement, audience_parties, audience_seed FROM record"
                " WHERE seq = (SELECT max(seq) FROM record)"),
      "");
  const int64_t damaged = store.count("SELECT max(seq) FROM record");
  ASSERT_GT(damaged, 0);
  auto r = c.send(http::verb::post, "/v1/activities", token("russia"), strike());
  EXPECT_EQ(r.status, 500) << r.raw.body();
  EXPECT_EQ(r.body["error"]["code"], "store_error") << r.raw.body();
  EXPECT_EQ(r.raw.body().find(std::to_string(damaged)), std::string::npos) << r.raw.body();  // the log says which
  EXPECT_EQ(c.send(http::verb::post, "/v1/activities", token("russia"), strike()).status, 500);
  EXPECT_EQ(store.count("SELECT max(seq) FROM record"), damaged);    // nothing written after the damaged entry
  EXPECT_EQ(c.send(http::verb::get, "/v1/health").status / 100, 2);  // still running
}

// Another process holds the store's write lock, as long as it likes.
class StoreLockHolder {
 public:
  explicit StoreLockHolder(const std::string& db) {
    if (deconflict::store::is_postgres_url(db)) {
      pg_ = PQconnectdb(db.c_str());
      PQclear(PQexec(pg_, "BEGIN; SELECT pg_advisory_xact_lock(7306916143391025713)"));
    } else {
      sqlite3_open(db.c_str(), &sqlite_);
      sqlite3_exec(sqlite_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr);
    }
  }
  ~StoreLockHolder() {
    if (pg_) PQfinish(pg_);
    if (sqlite_) sqlite3_close(sqlite_);  // rolls back
  }

 private:
  PGconn* pg_ = nullptr;
  sqlite3* sqlite_ = nullptr;
};

// The store refuses a write (another process holds its lock): the client gets
// 500 store_error, nothing of the change is kept, and the server goes on.
// A write lock held elsewhere past the server's 2 s wait (another process on
// the SQLite file, another node on PostgreSQL) passes by itself: 503 with
// Retry-After, not 500 (issue 18: a cut node's lock made the other node
// answer 500), and nothing of the refused write is stored.
TEST_F(Server, AWriteThatCannotTakeTheStoresLockIs503AndLeavesNothingBehind) {
  Client c(port_);
  ASSERT_EQ(declare_zone(c).status, 201);
  {
    StoreLockHolder holder(db_);  // past the server's wait for the lock
    auto r = c.send(http::verb::post, "/v1/activities", token("russia"), strike());
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body["error"]["code"], "store_unavailable");
    EXPECT_EQ(r.raw[http::field::retry_after], "1");
    // The store's own words (SQLite's "database is locked", PostgreSQL's
    // lock timeout with its relation) go to the operator's log, not to the party.
    EXPECT_EQ(r.raw.body().find("lock"), std::string::npos) << r.raw.body();
  }
  EXPECT_EQ(c.send(http::verb::get, "/v1/activities", token("russia")).body["features"].size(), 0u);
  EXPECT_EQ(c.send(http::verb::get, "/v1/notices?state=pending", token("coalition")).body["notices"].size(), 0u);
  auto r = c.send(http::verb::post, "/v1/activities", token("russia"), strike());
  EXPECT_EQ(r.status, 201) << r.raw.body();
  EXPECT_EQ(c.send(http::verb::get, "/v1/notices?state=pending", token("coalition")).body["notices"].size(), 1u);
}

// The record proves, to anyone holding the server's public key, that Russia
// notified the coalition of its entry on 1 September 2018 and that the
// coalition objected; what a party may not read comes redacted, and leaks nothing.
TEST_F(Server, TheRecordProvesRussiaNotifiedItsEntryOn1September2018) {
  TearDown();
  start({"--simulated-clock", "2018-09-01T06:00:00Z"});
  Client c(port_);
  ASSERT_EQ(declare_zone(c).status, 201);
  auto sent = c.send(http::verb::post, "/v1/activities", token("russia"), russia_entry());
  ASSERT_EQ(sent.status, 201) << sent.raw.body();
  const std::string notice = sent.body["notices"][0]["id"];
  ASSERT_EQ(c.send(http::verb::post, "/v1/admin/clock", token("ops"), R"({"now":"2018-09-01T09:30:00Z"})").status, 200);
  ASSERT_EQ(
      c.send(http::verb::post, "/v1/notices/" + notice + "/object", token("coalition"), R"({"text":"remain clear"})")
          .status,
      200);
  const std::string far_away =
      R"({"type":"Feature","geometry":{"type":"Point","coordinates":[36.2,36.2]},"properties":{"id":"un.convoy",)"
      R"("kind":"convoy","radius_m":500,"start":"2018-09-03T00:00:00Z","end":"2018-09-04T00:00:00Z"}})";
  ASSERT_EQ(c.send(http::verb::post, "/v1/activities", token("un"), far_away).status, 201);

  // The proof, checked offline against the key the coalition keeps.
  const std::string key = c.send(http::verb::get, "/v1/record/key", token("coalition")).body["public_key"];
  EXPECT_EQ(c.send(http::verb::get, "/v1/notices/" + notice + "/proof", token("un")).status, 404);
  auto proof = c.send(http::verb::get, "/v1/notices/" + notice + "/proof", token("coalition"));
  ASSERT_EQ(proof.status, 200) << proof.raw.body();
  const std::string file = (dir_.path() / "proof.json").string();
  std::ofstream(file) << proof.raw.body();
  // The coalition has no key: its objection rests on the server's word, which
  // verify-proof accepts only when told to.
  const std::string unsigned_answer = run(kBin + " record verify-proof " + file + " --key " + key + " 2>&1");
  EXPECT_NE(unsigned_answer.find("notice.object by coalition is not signed by coalition"), std::string::npos)
      << unsigned_answer;
  const std::string verified = run(kBin + " record verify-proof " + file + " --key " + key + " --accept-unsigned");
  EXPECT_NE(verified.find("proof verified: notice " + notice), std::string::npos) << verified;
  EXPECT_NE(verified.find("2018-09-01T06:00:00Z  notice.send by russia (russia -> coalition, activity russia.entry)"),
            std::string::npos)
      << verified;
  EXPECT_NE(verified.find("2018-09-01T09:30:00Z  notice.object by coalition"), std::string::npos) << verified;
  EXPECT_NE(verified.find("\"remain clear\""), std::string::npos) << verified;
  // Claiming it was sent a day later breaks the proof.
  std::string forged = proof.raw.body();
  forged.replace(forged.find("2018-09-01T06:00:00Z"), 20, "2018-09-02T06:00:00Z");
  std::ofstream(file) << forged;
  EXPECT_NE(run(kBin + " record verify-proof " + file + " --key " + key + " --accept-unsigned").find("proof fails"),
            std::string::npos);

  // The coalition reads the record: the UN's convoy comes redacted, and nothing of it leaks.
  auto record = c.send(http::verb::get, "/v1/record?after=0&limit=100", token("coalition"));
  ASSERT_EQ(record.status, 200);
  EXPECT_EQ(record.raw.body().find("un.convoy"), std::string::npos);
  size_t redacted = 0;
  for (const auto& e : record.body["entries"]) {
    if (!e.contains("redacted")) continue;
    ++redacted;
    std::set<std::string> keys;
    for (const auto& [k, v] : e.items()) keys.insert(k);
    EXPECT_EQ(keys, (std::set<std::string>{"seq", "redacted", "prev", "hash", "signature"}));
  }
  EXPECT_EQ(redacted, 1u);
  EXPECT_NE(c.send(http::verb::get, "/v1/record", token("un")).raw.body().find("un.convoy"), std::string::npos);
  // ...and verifies it over HTTP all the same.
  const std::string url = "http://127.0.0.1:" + std::to_string(port_);
  const std::string check =
      run(kBin + " record verify --url " + url + " --token " + token("coalition") + " --key " + key);
  EXPECT_NE(check.find("record verified:"), std::string::npos) << check;
  EXPECT_NE(check.find("(1 redacted)"), std::string::npos) << check;
  // A consistency proof between two sizes checks offline too.
  auto consistency = c.send(http::verb::get, "/v1/record/consistency?from=3&to=0", token("un"));
  ASSERT_EQ(consistency.status, 200) << consistency.raw.body();
  std::ofstream(file) << consistency.raw.body();
  EXPECT_NE(run(kBin + " record verify-proof " + file + " --key " + key).find("proof verified"), std::string::npos);
}

TEST_F(Server, OnlyAnAdminRotatesTheKeyAndTheRecordFollows) {
  Client c(port_);
  EXPECT_EQ(c.send(http::verb::post, "/v1/admin/record/rotate-key", token("coalition")).status, 403);
  const std::string old_key = c.send(http::verb::get, "/v1/record/key", token("un")).body["public_key"];
  auto rotated = c.send(http::verb::post, "/v1/admin/record/rotate-key", token("ops"));
  ASSERT_EQ(rotated.status, 200) << rotated.raw.body();
  EXPECT_NE(rotated.body["public_key"], old_key);
  EXPECT_EQ(c.send(http::verb::get, "/v1/record/key", token("un")).body["public_key"], rotated.body["public_key"]);
  ASSERT_EQ(declare_zone(c).status, 201);
  ASSERT_EQ(stop(), 0);
  const std::string check = run(kBin + " record verify" + store_args() + " --key " + old_key);
  EXPECT_NE(check.find("record verified:"), std::string::npos) << check;
  start();  // the new key file is the one the record names
  EXPECT_EQ(Client(port_).send(http::verb::get, "/v1/record/key", token("un")).body["public_key"],
            rotated.body["public_key"]);
}

TEST_F(Server, EachPartyHasARateLimitAndGets429BeyondIt) {
  TearDown();
  start({"--rate-limit", "2", "--rate-burst", "5"});
  Client c(port_);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(c.send(http::verb::get, "/v1/zones", token("un")).status, 200) << i;
  auto limited = c.send(http::verb::get, "/v1/zones", token("un"));
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.body["error"]["code"], "rate_limited");
  EXPECT_EQ(limited.raw[http::field::retry_after], "1");
  EXPECT_EQ(c.send(http::verb::get, "/v1/zones", token("russia")).status, 200);  // another party goes on
  EXPECT_EQ(c.send(http::verb::get, "/v1/health").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // the bucket refills at 2 a second
  EXPECT_EQ(c.send(http::verb::get, "/v1/zones", token("un")).status, 200);
}

// A request with an Origin header, and a preflight.
Reply from_origin(uint16_t port, http::verb verb, const std::string& origin, const std::string& token) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{verb, "/v1/zones", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::origin, origin);
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (verb == http::verb::options) req.set(http::field::access_control_request_method, "POST");
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  Reply r;
  http::read(stream, buffer, r.raw);
  r.status = r.raw.result_int();
  return r;
}

TEST_F(Server, CorsIsOffUnlessAnOriginIsConfigured) {
  auto preflight = from_origin(port_, http::verb::options, "https://ops.example", "");
  EXPECT_EQ(preflight.status, 404);
  auto get = from_origin(port_, http::verb::get, "https://ops.example", token("un"));
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.raw.count(http::field::access_control_allow_origin), 0u);

  TearDown();
  start({"--cors-origin", "https://ops.example"});
  preflight = from_origin(port_, http::verb::options, "https://ops.example", "");
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.raw[http::field::access_control_allow_origin], "https://ops.example");
  EXPECT_NE(std::string(preflight.raw[http::field::access_control_allow_headers]).find("Authorization"),
            std::string::npos);
  get = from_origin(port_, http::verb::get, "https://ops.example", token("un"));
  EXPECT_EQ(get.raw[http::field::access_control_allow_origin], "https://ops.example");
  EXPECT_EQ(from_origin(port_, http::verb::options, "https://evil.example", "").status, 404);
  EXPECT_EQ(from_origin(port_, http::verb::get, "https://evil.example", token("un"))
                .raw.count(http::field::access_control_allow_origin),
            0u);
}

TEST_F(Server, ThePageComesWithItsSecurityHeaders) {
  Client c(port_);
  auto page = c.send(http::verb::get, "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(std::string(page.raw[http::field::content_type]).find("text/html"), std::string::npos);
  EXPECT_NE(std::string(page.raw["Content-Security-Policy"]).find("default-src 'self'"), std::string::npos);
  EXPECT_NE(std::string(page.raw["Content-Security-Policy"]).find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(page.raw["X-Frame-Options"], "DENY");
  EXPECT_EQ(page.raw["X-Content-Type-Options"], "nosniff");
  for (const char* path : {"/../CMakeLists.txt", "/%2e%2e/CMakeLists.txt", "/node_modules/leaflet/package.json",
                           "/vendor/../../README.md", "/index.html/"}) {
    EXPECT_EQ(c.send(http::verb::get, path).status, 404) << path;
  }
}

TEST_F(Server, KeepAliveServesManyRequestsOnOneConnectionAndSigtermExitsCleanly) {
  Client c(port_);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(c.send(http::verb::get, "/v1/health").status, 200);
  EXPECT_EQ(stop(), 0);
  // The access log has one line per request and no token.
  std::string log;
  char line[512];
  while (std::fgets(line, sizeof line, log_)) log += line;
  size_t lines = 0;
  for (size_t p = log.find("GET /v1/health 200"); p != std::string::npos; p = log.find("GET /v1/health 200", p + 1))
    ++lines;
  EXPECT_EQ(lines, 50u);
  EXPECT_EQ(log.find(token("coalition")), std::string::npos);
}

// The At Tanf line through the API: Russia notifies its entry; the coalition
// receives the notice and objects, "remain clear"; the coalition notifies its
// live-fire exercise; Russia and the UN acknowledge it.
TEST_F(Server, TheAtTanfLine) {
  Client c(port_);
  ASSERT_EQ(declare_zone(c).status, 201);
  ASSERT_EQ(c.send(http::verb::post, "/v1/sites", token("un"), site("un.rukban", R"("all")")).status, 201);
  auto sent = c.send(http::verb::post, "/v1/activities", token("russia"), russia_entry());
  ASSERT_EQ(sent.status, 201) << sent.raw.body();
  EXPECT_EQ(sent.body["feature"]["properties"]["state"], "notified");
  ASSERT_EQ(sent.body["notices"].size(), 1u);
  EXPECT_EQ(sent.body["notices"][0]["party"], "coalition");
  EXPECT_EQ(sent.body["notices"][0]["state"], "pending");
  const std::string entry_notice = sent.body["notices"][0]["id"];

  // The coalition sees the notice and the activity; the UN sees neither.
  auto inbox = c.send(http::verb::get, "/v1/notices?state=pending", token("coalition"));
  ASSERT_EQ(inbox.body["notices"].size(), 1u);
  EXPECT_EQ(inbox.body["notices"][0]["activity"], "russia.entry");
  EXPECT_EQ(inbox.body["notices"][0]["activity_version"], 1);
  EXPECT_EQ(inbox.body["notices"][0]["from"], "russia");
  EXPECT_EQ(c.send(http::verb::get, "/v1/activities/russia.entry", token("coalition")).status, 200);
  EXPECT_EQ(c.send(http::verb::get, "/v1/activities/russia.entry", token("un")).status, 404);
  EXPECT_TRUE(c.send(http::verb::get, "/v1/notices", token("un")).body["notices"].empty());

  // Only the notified party answers; an objection needs a text.
  EXPECT_EQ(c.send(http::verb::post, "/v1/notices/" + entry_notice + "/ack", token("russia")).status, 403);
  EXPECT_EQ(c.send(http::verb::post, "/v1/notices/" + entry_notice + "/ack", token("un")).status, 404);
  EXPECT_EQ(c.send(http::verb::post, "/v1/notices/" + entry_notice + "/object", token("coalition"), "{}").status, 400);
  auto objected = c.send(http::verb::post, "/v1/notices/" + entry_notice + "/object", token("coalition"),
                         R"({"text":"remain clear"})");
  ASSERT_EQ(objected.status, 200) << objected.raw.body();
  EXPECT_EQ(objected.body["state"], "objected");
  EXPECT_EQ(objected.body["text"], "remain clear");
  EXPECT_EQ(c.send(http::verb::post, "/v1/notices/" + entry_notice + "/ack", token("coalition")).status, 409);
  EXPECT_EQ(c.send(http::verb::get, "/v1/activities/russia.entry", token("russia")).body["properties"]["state"],
            "objected");

  // The coalition's live-fire exercise: a hazard to the camp, a clash with Russia's entry.
  const std::string exercise = R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.65,33.53]},)"
                               R"("properties":{"id":"coalition.live-fire2","kind":"exercise","radius_m":24000,)"
                               R"("start":"2018-09-07T04:00:00Z","end":"2018-09-15T00:00:00Z"}})";
  auto drill = c.send(http::verb::post, "/v1/activities", token("coalition"), exercise);
  ASSERT_EQ(drill.status, 201) << drill.raw.body();
  ASSERT_EQ(drill.body["notices"].size(), 2u);
  EXPECT_EQ(drill.body["notices"][0]["party"], "russia");
  EXPECT_EQ(drill.body["notices"][1]["party"], "un");
  for (const char* party : {"russia", "un"}) {
    const Reply pending = c.send(http::verb::get, "/v1/notices?state=pending", token(party));
    ASSERT_EQ(pending.body["notices"].size(), 1u) << party;
    const std::string id = pending.body["notices"][0]["id"];
    EXPECT_EQ(c.send(http::verb::post, "/v1/notices/" + id + "/ack", token(party)).status, 200);
    const std::string state =
        c.send(http::verb::get, "/v1/activities/coalition.live-fire2", token("coalition")).body["properties"]["state"];
    EXPECT_EQ(state, std::string(party) == "un" ? "acknowledged" : "notified");
  }

  // All of it survives a restart.
  ASSERT_EQ(stop(), 0);
  start();
  Client again(port_);
  const Reply all = again.send(http::verb::get, "/v1/notices", token("coalition"));
  ASSERT_EQ(all.body["notices"].size(), 4u);
  // All sent at one time on the simulated clock, so in no particular order;
  // the zone's proposal to Russia is among them.
  std::multiset<std::string> states;
  for (const auto& n : all.body["notices"]) states.insert(n["state"].get<std::string>());
  EXPECT_EQ(states, (std::multiset<std::string>{"accepted", "acknowledged", "acknowledged", "objected"}));
  EXPECT_EQ(again.send(http::verb::get, "/v1/activities/coalition.live-fire2", token("un")).body["properties"]["state"],
            "acknowledged");
  EXPECT_EQ(again.send(http::verb::get, "/v1/notices?state=bogus", token("un")).status, 400);
}

std::string flight(const std::string& id, double lon, const std::string& start = "2018-09-07T00:00:00Z") {
  return R"({"type":"Feature","geometry":{"type":"Point","coordinates":[)" + std::to_string(lon) +
         R"(,33.5]},"properties":{"id":")" + id + R"(","kind":"flight","radius_m":1000,"start":")" + start +
         R"(","end":"2018-09-20T00:00:00Z"}})";
}

// Reads of memory are answered beside the line thread (server/pipeline.hpp)
// while changes go on: each party moves its flight again and again while
// others list the region and read the flights by id. What a writer was told
// is what a read sent afterwards shows (on another connection), and lists
// never go back to an older version than one they showed.
TEST_F(Server, ReadsBesideTheLineShowWhatWasAnsweredAndNeverGoBack) {
  const std::vector<std::string> parties = {"coalition", "russia", "un"};
  constexpr int kMoves = 30, kMaxLists = 300;  // within the rate's burst (500) with the writer's requests
  std::atomic<int> failures{0}, writing{static_cast<int>(parties.size())};
  const auto fail = [&](const std::string& what) {
    if (failures++ < 5) ADD_FAILURE() << what;
  };
  std::vector<std::thread> threads;
  for (size_t p = 0; p < parties.size(); ++p) {
    threads.emplace_back([&, p] {  // the writer: moves its flight, and reads it back at once
      const std::string party = parties[p], id = party + ".mover";
      Client writer(port_), reader(port_);
      const double lon = 36.0 + 2.0 * static_cast<double>(p);
      if (writer.send(http::verb::post, "/v1/activities", token(party.c_str()), flight(id, lon)).status != 201) {
        return fail(id + " not declared");
      }
      struct Done {
        std::atomic<int>& writing;
        ~Done() { --writing; }
      } done{writing};
      for (int v = 1; v <= kMoves; ++v) {
        auto moved = writer.send(http::verb::put, "/v1/activities/" + id, token(party.c_str()),
                                 flight(id, lon + 0.001 * v), {{"If-Match", std::to_string(v)}});
        if (moved.status != 200) return fail(id + " move " + std::to_string(v) + ": " + moved.raw.body());
        auto read = reader.send(http::verb::get, "/v1/activities/" + id, token(party.c_str()));
        if (read.status != 200 || read.body["properties"]["version"] != v + 1) {
          return fail(id + ": answered version " + std::to_string(v + 1) + ", then read " + read.raw.body());
        }
      }
    });
    threads.emplace_back([&, p] {  // a reader of the region while they write: versions only go forward
      const std::string party = parties[p];
      Client c(port_);
      std::map<std::string, int> seen;
      for (int i = 0; i <= kMaxLists; ++i) {
        const bool last = i == kMaxLists || writing == 0;  // the last list, once every writer is done
        while (last && writing > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        if (!last) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        auto list = c.send(http::verb::get, "/v1/activities?bbox=35,33,41,34", token(party.c_str()));
        if (list.status != 200 || !list.body["features"].is_array()) return fail("list: " + list.raw.body());
        for (const auto& f : list.body["features"]) {
          const std::string id = f["properties"]["id"];
          const int version = f["properties"]["version"];
          if (version < seen[id]) fail(id + " went back from version " + std::to_string(seen[id]));
          seen[id] = std::max(seen[id], version);
        }
        if (last) break;
      }
      if (seen[party + ".mover"] != kMoves + 1) fail(party + " did not see its flight's last version");
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(Server, ReplacingNeedsTheCurrentVersionAndRenotifies) {
  Client c(port_);
  ASSERT_EQ(c.send(http::verb::post, "/v1/activities", token("coalition"), flight("coalition.c1", 38.6)).status, 201);
  auto first = c.send(http::verb::post, "/v1/activities", token("russia"), flight("russia.r1", 40.0));
  ASSERT_EQ(first.status, 201);
  EXPECT_EQ(first.body["feature"]["properties"]["state"], "clear");
  // Moved onto the coalition's flight: version 2, checked again, the coalition notified.
  const auto replace = [&](const char* party, const char* if_match, double lon) {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    http::request<http::string_body> req{http::verb::put, "/v1/activities/russia.r1", 11};
    req.set(http::field::authorization, "Bearer " + token(party));
    if (if_match) req.set(http::field::if_match, if_match);
    req.body() = flight("russia.r1", lon);
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    return std::make_pair(res.result_int(), json::parse(res.body()));
  };
  EXPECT_EQ(replace("russia", nullptr, 38.6).first, 400);
  EXPECT_EQ(replace("russia", "2", 38.6).first, 409);
  EXPECT_EQ(replace("coalition", "1", 38.6).first, 404);  // not notified of it: it does not exist for them
  EXPECT_EQ(replace("un", "1", 38.6).first, 404);
  const auto [status, body] = replace("russia", "\"1\"", 38.6);
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["feature"]["properties"]["version"], 2);
  EXPECT_EQ(body["feature"]["properties"]["state"], "notified");
  ASSERT_EQ(body["notices"].size(), 1u);
  EXPECT_EQ(body["notices"][0]["party"], "coalition");
  EXPECT_EQ(replace("russia", "1", 38.6).first, 409);  // stale now
  const std::string v2_notice = body["notices"][0]["id"];

  // The same content again: no new version, no new notice.
  const auto [same_status, same] = replace("russia", "2", 38.6);
  ASSERT_EQ(same_status, 200) << same.dump();
  EXPECT_EQ(same["feature"]["properties"]["version"], 2);
  EXPECT_TRUE(same["notices"].empty());
  EXPECT_EQ(same["conflicts"].size(), 1u);  // what it still conflicts with

  // Moved again: the notice of version 2 is superseded and cannot be answered; version 3's is pending.
  const auto [third_status, third] = replace("russia", "2", 38.61);
  ASSERT_EQ(third_status, 200) << third.dump();
  ASSERT_EQ(third["notices"].size(), 1u);
  const std::string v3_notice = third["notices"][0]["id"];
  const auto pending = c.send(http::verb::get, "/v1/notices?state=pending", token("coalition"));
  ASSERT_EQ(pending.body["notices"].size(), 1u);
  EXPECT_EQ(pending.body["notices"][0]["id"], v3_notice);
  const auto stale =
      c.send(http::verb::post, "/v1/notices/" + v2_notice + "/object", token("coalition"), R"({"text":"no"})");
  EXPECT_EQ(stale.status, 409);
  EXPECT_NE(stale.body["error"]["message"].get<std::string>().find("superseded"), std::string::npos);
  EXPECT_EQ(c.send(http::verb::get, "/v1/notices?state=superseded", token("coalition")).body["notices"].size(), 1u);

  // Withdrawn: the coalition was notified before and is told; r1 conflicts with nothing any more.
  EXPECT_EQ(c.send(http::verb::delete_, "/v1/activities/russia.r1", token("coalition")).status,
            403);  // seen, not theirs
  EXPECT_EQ(c.send(http::verb::delete_, "/v1/activities/russia.r1", token("un")).status, 404);
  auto withdrawn = c.send(http::verb::delete_, "/v1/activities/russia.r1", token("russia"));
  ASSERT_EQ(withdrawn.status, 200);
  EXPECT_EQ(withdrawn.body["notified"], json::array({"coalition"}));
  EXPECT_EQ(c.send(http::verb::get, "/v1/activities/russia.r1", token("russia")).body["properties"]["state"],
            "withdrawn");
  EXPECT_EQ(c.send(http::verb::delete_, "/v1/activities/russia.r1", token("russia")).status, 409);
  // Its open notice is withdrawn with it, and can no longer be answered.
  EXPECT_EQ(c.send(http::verb::post, "/v1/notices/" + v3_notice + "/ack", token("coalition")).status, 409);
  EXPECT_EQ(c.send(http::verb::get, "/v1/notices?state=withdrawn", token("coalition")).body["notices"].size(), 1u);
  ASSERT_EQ(stop(), 0);  // and so it is stored
  start();
  Client c2(port_);
  EXPECT_EQ(c2.send(http::verb::get, "/v1/notices?state=superseded", token("coalition")).body["notices"].size(), 1u);
  EXPECT_EQ(c2.send(http::verb::get, "/v1/notices?state=withdrawn", token("coalition")).body["notices"].size(), 1u);
  auto again = c2.send(http::verb::post, "/v1/check", token("coalition"), flight("coalition.c2", 38.6));
  EXPECT_TRUE(again.body["conflicts"].empty()) << again.raw.body();
}

TEST_F(Server, UnansweredNoticesFallOverdueOnTheSimulatedClock) {
  ASSERT_EQ(stop(), 0);
  start({"--simulated-clock", "2018-09-01T08:00:00Z"});
  Client c(port_);
  ASSERT_EQ(declare_zone(c).status, 201);
  auto sent =
      c.send(http::verb::post, "/v1/activities", token("russia"), flight("russia.entry", 38.6, "2018-09-05T00:00:00Z"));
  ASSERT_EQ(sent.status, 201);
  EXPECT_EQ(sent.body["notices"][0]["deadline"], "2018-09-04T08:00:00Z");  // the zone's 72 hours
  EXPECT_EQ(sent.body["feature"]["properties"]["notified"], "2018-09-01T08:00:00Z");
  const auto set_clock = [&](const char* party, const char* now) {
    return c.send(http::verb::post, "/v1/admin/clock", token(party), std::string(R"({"now":")") + now + R"("})");
  };
  EXPECT_EQ(set_clock("russia", "2018-09-04T08:00:00Z").status, 403);  // admins only
  auto early = set_clock("ops", "2018-09-04T07:59:59Z");
  ASSERT_EQ(early.status, 200);
  EXPECT_EQ(early.body["overdue"], 0);
  EXPECT_EQ(set_clock("ops", "2018-09-01T00:00:00Z").status, 400);  // never backwards
  auto late = set_clock("ops", "2018-09-04T08:00:00Z");
  EXPECT_EQ(late.body["overdue"], 1);
  auto overdue = c.send(http::verb::get, "/v1/notices?state=overdue", token("russia"));
  ASSERT_EQ(overdue.body["notices"].size(), 1u);
  EXPECT_EQ(overdue.body["notices"][0]["to"], "coalition");
  // Still answerable, late.
  const std::string id = overdue.body["notices"][0]["id"];
  EXPECT_EQ(c.send(http::verb::post, "/v1/notices/" + id + "/ack", token("coalition")).status, 200);
  EXPECT_EQ(c.send(http::verb::get, "/v1/activities/russia.entry", token("russia")).body["properties"]["state"],
            "acknowledged");
}

// The issue: nothing recorded whether a notice ever reached its party, so
// "you never told us" and "we told you, you did not answer" could not be told
// apart. Now a notice records when it first reached its party and how (its
// inbox here; a stream in EventsStreamLiveAndResumeAfterTheLastOneSeen), on the
// record and in its proof, its sender is told, and an escalation says whether
// the overdue notice had been delivered.
TEST_F(Server, ANoticeRecordsWhenItFirstReachedItsParty) {
  Client c(port_);
  ASSERT_EQ(declare_zone(c).status, 201);
  auto read = c.send(http::verb::post, "/v1/activities", token("russia"), flight("russia.read", 38.6));
  ASSERT_EQ(read.status, 201);
  auto unread = c.send(http::verb::post, "/v1/activities", token("russia"), flight("russia.unread", 38.7));
  ASSERT_EQ(unread.status, 201);
  const std::string read_id = read.body["notices"][0]["id"], unread_id = unread.body["notices"][0]["id"];
  EXPECT_TRUE(read.body["notices"][0]["delivered"].is_null());
  const auto size = [&] { return c.send(http::verb::get, "/v1/record/head", token("ops")).body["size"].get<int>(); };
  const auto notice_as = [&](const char* party, const std::string& id) {
    const Reply inbox = c.send(http::verb::get, "/v1/notices", token(party));
    for (const json& n : inbox.body["notices"]) {
      if (n["id"] == id) return n;
    }
    return json();
  };
  // The sender's own inbox shows the notice, undelivered: reading it delivers nothing.
  const int before = size();
  EXPECT_TRUE(notice_as("russia", read_id)["delivered"].is_null());
  EXPECT_EQ(size(), before);
  // Its party reads its inbox (asking for one state): that notice is delivered, once.
  auto pending = c.send(http::verb::get, "/v1/notices?state=pending", token("coalition"));
  ASSERT_EQ(pending.status, 200);
  ASSERT_EQ(pending.body["notices"].size(), 2u);
  for (const json& n : pending.body["notices"]) {
    EXPECT_EQ(n["delivered"], "2018-09-01T00:00:00Z") << n.dump();
    EXPECT_EQ(n["delivered_via"], "inbox");
  }
  EXPECT_EQ(size(), before + 2);  // one notice.deliver entry each
  EXPECT_EQ(notice_as("coalition", read_id)["delivered"], "2018-09-01T00:00:00Z");
  EXPECT_EQ(size(), before + 2);                                      // read again: nothing new
  EXPECT_EQ(notice_as("russia", read_id)["delivered_via"], "inbox");  // the sender sees it reached them
  auto proof = c.send(http::verb::get, "/v1/notices/" + read_id + "/proof", token("russia"));
  ASSERT_EQ(proof.status, 200);
  std::vector<std::string> actions;
  for (const json& e : proof.body["entries"]) actions.push_back(e["entry"]["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"notice.send", "notice.deliver"})) << proof.raw.body();

  // Another notice, never read by its party, falls overdue: the escalation
  // says it never reached them.
  auto never =
      c.send(http::verb::post, "/v1/activities", token("russia"), flight("russia.never", 38.8, "2018-09-05T00:00:00Z"));
  ASSERT_EQ(never.status, 201);
  const std::string never_id = never.body["notices"][0]["id"];
  EventStream russia(port_, token("russia"));
  ASSERT_EQ(c.send(http::verb::post, "/v1/admin/clock", token("ops"), R"({"now":"2018-09-04T23:00:00Z"})").status, 200);
  json escalation;
  for (std::string frame = russia.next(); !frame.empty(); frame = russia.next()) {
    const json data = json::parse(field_of(frame, "data"));
    if (field_of(frame, "event") == "overdue" && data["id"] == never_id) escalation = data;
    if (!escalation.is_null()) break;
  }
  ASSERT_FALSE(escalation.is_null());
  EXPECT_TRUE(escalation.contains("delivered"));
  EXPECT_TRUE(escalation["delivered"].is_null());
}

// The issue: a notice's deadline fell after the activity had started, when an
// answer can change nothing. Now it is the zone's notice or the activity's
// start, whichever comes first.
TEST_F(Server, ANoticesDeadlineIsNeverAfterTheActivityStarts) {
  ASSERT_EQ(stop(), 0);
  start({"--simulated-clock", "2018-09-01T08:00:00Z"});
  Client c(port_);
  ASSERT_EQ(declare_zone(c).status, 201);  // 72 hours of notice
  auto soon =
      c.send(http::verb::post, "/v1/activities", token("russia"), flight("russia.soon", 38.6, "2018-09-02T00:00:00Z"));
  ASSERT_EQ(soon.status, 201) << soon.raw.body();
  EXPECT_EQ(soon.body["notices"][0]["deadline"], "2018-09-02T00:00:00Z");
}

// The issue: an activity entirely in the past was accepted, with a notice
// due years after it ended. Now one that starts before the line's time is
// refused, naming the field, unless it says it is recorded after the fact
// (and that stays on the record with it); a started activity may still be
// changed if its start stays.
TEST_F(Server, AnActivityThatHasStartedIsRefusedUnlessRecordedAfterTheFact) {
  ASSERT_EQ(stop(), 0);
  start({"--simulated-clock", "2018-09-07T08:00:00Z"});
  Client c(port_);
  auto late = c.send(http::verb::post, "/v1/activities", token("russia"), flight("russia.late", 38.6));
  ASSERT_EQ(late.status, 400) << late.raw.body();
  EXPECT_EQ(late.body["error"]["field"], "properties.start");
  EXPECT_NE(late.body["error"]["message"].get<std::string>().find("after_the_fact"), std::string::npos);
  EXPECT_EQ(c.send(http::verb::get, "/v1/activities/russia.late", token("russia")).status, 404);

  json recorded = json::parse(flight("russia.late", 38.6));
  recorded["properties"]["after_the_fact"] = true;
  auto kept = c.send(http::verb::post, "/v1/activities", token("russia"), recorded.dump());
  ASSERT_EQ(kept.status, 201) << kept.raw.body();
  EXPECT_EQ(kept.body["feature"]["properties"]["after_the_fact"], true);
  const Reply entries = c.send(http::verb::get, "/v1/record?limit=1000", token("russia"));
  bool on_record = false;
  for (const auto& e : entries.body["entries"]) {
    on_record |= e.value("action", "") == "activity.create" && e.dump().find("after_the_fact") != std::string::npos;
  }
  EXPECT_TRUE(on_record) << entries.raw.body().substr(0, 3000);

  json longer = json::parse(flight("russia.late", 38.6));  // under way: its end moves, its start stays
  longer["properties"]["end"] = "2018-09-21T00:00:00Z";
  Client c2(port_);
  auto changed =
      c2.send(http::verb::put, "/v1/activities/russia.late", token("russia"), longer.dump(), {{"If-Match", "1"}});
  EXPECT_EQ(changed.status, 200) << changed.raw.body();
}

TEST_F(Server, APartyHasAQuotaOfObjects) {
  ASSERT_EQ(stop(), 0);
  start({"--max-objects-per-party", "2"});
  Client c(port_);
  EXPECT_EQ(c.send(http::verb::post, "/v1/activities", token("russia"), flight("russia.a", 38.6)).status, 201);
  EXPECT_EQ(c.send(http::verb::post, "/v1/activities", token("russia"), flight("russia.b", 39.6)).status, 201);
  auto third = c.send(http::verb::post, "/v1/activities", token("russia"), flight("russia.c", 40.6));
  EXPECT_EQ(third.status, 403);
  EXPECT_EQ(third.body["error"]["code"], "limit_exceeded");
  EXPECT_EQ(c.send(http::verb::post, "/v1/activities", token("coalition"), flight("coalition.d", 41.6)).status, 201);
}

TEST_F(Server, GeometriesHaveALimitOfPositions) {
  ASSERT_EQ(stop(), 0);
  start({"--max-positions", "5"});
  Client c(port_);
  const auto line = [](int n) {
    std::string coords;
    for (int i = 0; i < n; ++i) coords += (i ? "," : "") + ("[38." + std::to_string(10 + i) + ",33.5]");
    return R"({"type":"Feature","geometry":{"type":"LineString","coordinates":[)" + coords +
           R"(]},"properties":{"kind":"convoy","buffer_m":100,"start":"2018-09-07T00:00:00Z","end":"2018-09-08T00:00:00Z"}})";
  };
  EXPECT_EQ(c.send(http::verb::post, "/v1/activities", token("russia"), line(5)).status, 201);
  auto many = c.send(http::verb::post, "/v1/activities", token("russia"), line(6));
  EXPECT_EQ(many.status, 400);
  EXPECT_EQ(many.body["error"]["field"], "geometry.coordinates");
  EXPECT_NE(many.body["error"]["message"].get<std::string>().find("at most 5"), std::string::npos);
}

TEST_F(Server, TheClockCannotBeSetOnARealClock) {
  ASSERT_EQ(stop(), 0);
  real_clock_ = true;
  start();
  Client c(port_);
  EXPECT_EQ(c.send(http::verb::post, "/v1/admin/clock", token("ops"), R"({"now":"2030-01-01T00:00:00Z"})").status, 404);
}

TEST_F(Server, EventsStreamLiveAndResumeAfterTheLastOneSeen) {
  Client c(port_);
  ASSERT_EQ(declare_zone(c).status, 201);
  EventStream coalition(port_, token("coalition"));
  EXPECT_NE(coalition.header().find("200 OK"), std::string::npos);
  EXPECT_NE(coalition.header().find("text/event-stream"), std::string::npos);
  EXPECT_EQ(field_of(coalition.next(), "event"), "zone-accepted");  // Russia accepted the zone
  EventStream russia(port_, token("russia"));
  // Its stream gives Russia what it missed: the zone's proposal, which its
  // acceptance answered (and so delivered) already.
  const std::string proposal = russia.next();
  EXPECT_EQ(field_of(proposal, "event"), "notice");
  EXPECT_EQ(json::parse(field_of(proposal, "data"))["zone"], "coalition.zone-at-tanf");

  auto sent = c.send(http::verb::post, "/v1/activities", token("russia"), flight("russia.entry", 38.6));
  ASSERT_EQ(sent.status, 201);
  const std::string notice = coalition.next();
  EXPECT_EQ(field_of(notice, "event"), "notice");
  const json data = json::parse(field_of(notice, "data"));
  EXPECT_EQ(data["activity"], "russia.entry");
  const std::string first_id = field_of(notice, "id");
  // Pushed on the coalition's stream, the notice has reached it: Russia is told.
  const std::string receipt = russia.next();
  EXPECT_EQ(field_of(receipt, "event"), "delivered");
  EXPECT_EQ(json::parse(field_of(receipt, "data"))["delivered_via"], "stream");

  ASSERT_EQ(
      c.send(http::verb::post, "/v1/notices/" + data["id"].get<std::string>() + "/ack", token("coalition")).status,
      200);
  const std::string ack = russia.next();
  EXPECT_EQ(field_of(ack, "event"), "acknowledged");

  auto message = c.send(http::verb::post, "/v1/messages", token("russia"),
                        R"({"to":"coalition","text":"entering at 06:00","about":"russia.entry"})");
  ASSERT_EQ(message.status, 201) << message.raw.body();
  const std::string said = coalition.next();
  EXPECT_EQ(field_of(said, "event"), "message");
  EXPECT_EQ(json::parse(field_of(said, "data"))["text"], "entering at 06:00");

  auto withdrawn = c.send(http::verb::delete_, "/v1/activities/russia.entry", token("russia"));
  ASSERT_EQ(withdrawn.status, 200);
  EXPECT_EQ(field_of(coalition.next(), "event"), "withdrawn");

  // After a restart, a stream that saw the notice resumes with what followed it.
  ASSERT_EQ(stop(), 0);
  start();
  EventStream resumed(port_, token("coalition"), first_id);
  EXPECT_EQ(field_of(resumed.next(), "event"), "message");
  EXPECT_EQ(field_of(resumed.next(), "event"), "withdrawn");
  // The UN was told nothing.
  EventStream un(port_, token("un"), "", 1);
  Client again(port_);
  ASSERT_EQ(again.send(http::verb::get, "/v1/health").status, 200);
  EXPECT_EQ(un.next(), "");
}

TEST_F(Server, MessagesGoToOneExistingPartyAboutWhatTheSenderMaySee) {
  Client c(port_);
  ASSERT_EQ(c.send(http::verb::post, "/v1/sites", token("un"), site("un.clinic", R"(["coalition"])")).status, 201);
  EXPECT_EQ(c.send(http::verb::post, "/v1/messages", token("russia"), R"({"to":"nobody","text":"hi"})").status, 400);
  EXPECT_EQ(c.send(http::verb::post, "/v1/messages", token("russia"), R"({"to":"un","text":""})").status, 400);
  EXPECT_EQ(
      c.send(http::verb::post, "/v1/messages", token("russia"), R"({"to":"un","text":"x","about":"un.clinic"})").status,
      404);
  EXPECT_EQ(
      c.send(http::verb::post, "/v1/messages", token("coalition"), R"({"to":"un","text":"x","about":"un.clinic"})")
          .status,
      201);
  EXPECT_EQ(c.send(http::verb::get, "/v1/messages", token("un")).body["messages"].size(), 1u);
  EXPECT_EQ(c.send(http::verb::get, "/v1/messages", token("coalition")).body["messages"].size(), 1u);
  EXPECT_TRUE(c.send(http::verb::get, "/v1/messages", token("russia")).body["messages"].empty());
}

// A hidden site is not located through the conflicts it causes: its owner is
// notified, the striking party learns only that a site of that owner is at risk.
TEST_F(Server, ConflictsWithHiddenSitesDoNotLocateThem) {
  Client c(port_);
  ASSERT_EQ(c.send(http::verb::post, "/v1/sites", token("un"), site("un.clinic", R"(["coalition"])")).status, 201);
  const std::string strike_near =
      R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.66,33.33]},"properties":{"kind":"strike",)"
      R"("radius_m":2000,"start":"2018-09-06T12:00:00Z","end":"2018-09-07T00:00:00Z"}})";
  for (const char* path : {"/v1/check", "/v1/activities"}) {
    auto r = c.send(http::verb::post, path, token("russia"), strike_near);
    ASSERT_LT(r.status, 300) << r.raw.body();
    ASSERT_EQ(r.body["conflicts"].size(), 1u) << path;
    const json& hidden = r.body["conflicts"][0];
    EXPECT_TRUE(hidden["id"].is_null());
    EXPECT_EQ(hidden["party"], "un");
    EXPECT_EQ(hidden["rule"], "site-hazard");
    EXPECT_FALSE(hidden.contains("distance_m"));
    EXPECT_FALSE(hidden.contains("limit_m"));
  }
  // The coalition, with whom the clinic is shared, sees all of it.
  auto seen = c.send(http::verb::post, "/v1/check", token("coalition"), strike_near);
  bool clinic = false;
  for (const auto& conflict : seen.body["conflicts"]) {
    if (conflict["rule"] != "site-hazard") continue;
    EXPECT_EQ(conflict["id"], "un.clinic");
    EXPECT_TRUE(conflict.contains("distance_m"));
    clinic = true;
  }
  EXPECT_TRUE(clinic);
}

TEST_F(Server, ServesItsOpenApiDocumentWhichNamesEveryEndpoint) {
  Client c(port_);
  EXPECT_EQ(c.send(http::verb::get, "/v1/openapi.yaml").status, 401);
  auto doc = c.send(http::verb::get, "/v1/openapi.yaml", token("un"));
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(doc.raw[http::field::content_type], "application/yaml");
  std::ifstream in(std::string(DECONFLICT_SOURCE_DIR) + "/docs/openapi.yaml");
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(doc.raw.body(), file);
  for (const char* path : {"/v1/health:",
                           "/v1/zones:",
                           "/v1/sites:",
                           "/v1/activities:",
                           "/v1/zones/{id}:",
                           "/v1/sites/{id}:",
                           "/v1/activities/{id}:",
                           "/v1/check:",
                           "/v1/notices:",
                           "/v1/notices/{id}/ack:",
                           "/v1/notices/{id}/object:",
                           "/v1/messages:",
                           "/v1/events:",
                           "/v1/admin/clock:",
                           "/v1/openapi.yaml:",
                           "/v1/notices/{id}/proof:",
                           "/v1/record:",
                           "/v1/record/key:",
                           "/v1/record/head:",
                           "/v1/record/inclusion:",
                           "/v1/record/consistency:",
                           "/v1/admin/record/rotate-key:"}) {
    EXPECT_NE(file.find(std::string("\n  ") + path), std::string::npos) << path;
  }
}

// Of two conflicting activities sent at the same moment, the one committed
// second reports the first: every clashing pair is reported exactly once.
TEST_F(Server, ConcurrentConflictingActivitiesAreEachReportedByTheLaterOne) {
  constexpr int kClients = 8, kEach = 5;
  std::vector<std::thread> clients;
  std::mutex mutex;
  std::map<std::string, std::set<std::string>> reported;  // activity -> the ids its creation reported
  std::atomic<int> failures{0};
  for (int k = 0; k < kClients; ++k) {
    clients.emplace_back([&, k] {
      Client c(port_);
      const char* party = k % 2 == 0 ? "coalition" : "russia";
      for (int i = 0; i < kEach; ++i) {
        const std::string id = std::string(party) + "." + std::to_string(k) + "-" + std::to_string(i);
        const std::string body = R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.6,33.5]},)"
                                 R"("properties":{"id":")" +
                                 id +
                                 R"(","kind":"flight","radius_m":1000,)"
                                 R"("start":"2018-09-07T00:00:00Z","end":"2018-09-08T00:00:00Z"}})";
        const Reply r = c.send(http::verb::post, "/v1/activities", token(party), body);
        if (r.status != 201) {
          ++failures;
          continue;
        }
        std::set<std::string> ids;
        for (const auto& conflict : r.body["conflicts"]) ids.insert(conflict["id"].get<std::string>());
        std::lock_guard lock(mutex);
        reported[id] = ids;
      }
    });
  }
  for (auto& t : clients) t.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_EQ(reported.size(), static_cast<size_t>(kClients * kEach));
  for (const auto& [a, by_a] : reported) {
    for (const auto& [b, by_b] : reported) {
      if (a.substr(0, 6) == b.substr(0, 6)) continue;  // same party: never a conflict
      EXPECT_EQ(by_a.count(b) + by_b.count(a), 1u) << a << " and " << b;
    }
  }
}

}  // namespace

namespace {

// An HTTPS request that trusts only `ca_file`; status 0 when the TLS
// handshake or the exchange fails.
unsigned https_status(uint16_t port, const std::string& ca_file, http::verb verb, const std::string& target,
                      const std::string& token = "", const std::string& body = "") {
  namespace ssl = boost::asio::ssl;
  asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(ca_file);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  stream.set_verify_mode(ssl::verify_peer);
  stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  beast::get_lowest_layer(stream).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
  beast::error_code ec;
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) return 0;
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res, ec);
  return ec ? 0 : res.result_int();
}

// HTTPS end to end: a client that trusts the server's certificate is served
// (reads and writes); plain HTTP on that port, and a client that trusts
// another certificate, get nothing.
TEST(Tls, TheServerSpeaksHttpsWithItsCertificateAndNothingElse) {
  deconflict::testing::ScratchDir dir("tls");
  const std::string cert = make_certificate(dir.path().string(), "server");
  const std::string stranger = make_certificate(dir.path().string(), "stranger");
  const std::string db = (dir / "tls.db").string();
  const std::string token = run(kBin + " party add russia --db " + db + " 2>/dev/null");
  auto server = deconflict::testing::launch(
      kBin, {"serve", "--db", db, "--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key",
             (dir / "server.key").string(), "--simulated-clock", "2018-09-01T00:00:00Z"});
  deconflict::testing::Reaper reaper(server);
  ASSERT_NE(server.port, 0);
  EXPECT_EQ(https_status(server.port, cert, http::verb::get, "/v1/health"), 200u);
  const std::string activity =
      R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.6,33.5]},"properties":{"kind":"patrol",)"
      R"("radius_m":1000,"start":"2018-09-02T00:00:00Z","end":"2018-09-03T00:00:00Z"}})";
  EXPECT_EQ(https_status(server.port, cert, http::verb::post, "/v1/activities", token, activity), 201u);
  EXPECT_EQ(https_status(server.port, cert, http::verb::get, "/v1/activities", token), 200u);
  EXPECT_EQ(https_status(server.port, stranger, http::verb::get, "/v1/health"), 0u);  // not the certificate it trusts
  bool plain_answered = true;
  try {
    plain_answered = Client(server.port).send(http::verb::get, "/v1/health").status != 0;
  } catch (const std::exception&) {
    plain_answered = false;
  }
  EXPECT_FALSE(plain_answered);
  EXPECT_EQ(https_status(server.port, cert, http::verb::get, "/v1/health"), 200u);  // and it goes on

  // A certificate without its key is a usage error at start.
  const std::string alone =
      run(kBin + " serve --db " + db + " --listen 127.0.0.1:0 --tls-cert " + cert + " 2>&1; echo $?");
  EXPECT_NE(alone.find("--tls-cert and --tls-key go together"), std::string::npos) << alone;
}

}  // namespace

namespace {

// Every endpoint, asked by a party about what is not its own and not shared
// with it (Russia's strike against the coalition's zone, their notice and
// messages, the UN's site shared with the coalition alone): the UN can read,
// change, withdraw, answer, prove or learn of none of it. Each refusal is
// the 404 of an object that does not exist, and the UN's lists hold none of it.
TEST_F(Server, NoEndpointLetsAPartyReachWhatIsNotItsOwn) {
  Client c(port_);
  ASSERT_EQ(declare_zone(c).status, 201);
  ASSERT_EQ(
      c.send(http::verb::post, "/v1/sites", token("coalition"), site("coalition.outpost", R"(["russia"])")).status,
      201);
  // A proposal the UN is not asked about: hidden from it until agreed.
  ASSERT_EQ(c.send(http::verb::post, "/v1/zones", token("coalition"), zone("coalition.proposal")).status, 201);
  auto declared = c.send(
      http::verb::post, "/v1/activities", token("russia"),
      R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.6,33.5]},"properties":{"id":"russia.secret-strike","kind":"strike",)"
      R"("radius_m":500,"start":"2018-09-06T12:00:00Z","end":"2018-09-07T00:00:00Z"}})");
  ASSERT_EQ(declared.status, 201) << declared.raw.body();
  ASSERT_EQ(declared.body["notices"].size(), 1u);
  const std::string notice = declared.body["notices"][0]["id"];
  ASSERT_EQ(c.send(http::verb::post, "/v1/messages", token("russia"),
                   R"({"to":"coalition","text":"strike at 12:00","about":"russia.secret-strike"})")
                .status,
            201);
  const std::string strike_body =
      R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.6,33.5]},"properties":{"kind":"patrol","radius_m":10,"start":"2018-09-06T12:00:00Z","end":"2018-09-07T00:00:00Z"}})";
  struct Probe {
    http::verb verb;
    std::string target, body;
  };
  const std::vector<Probe> probes{
      {http::verb::get, "/v1/activities/russia.secret-strike", ""},
      {http::verb::get, "/v1/activities/russia.secret-strike/conflicts", ""},
      {http::verb::put, "/v1/activities/russia.secret-strike", strike_body},
      {http::verb::delete_, "/v1/activities/russia.secret-strike", ""},
      {http::verb::get, "/v1/sites/coalition.outpost", ""},
      {http::verb::put, "/v1/sites/coalition.outpost", site("coalition.outpost", R"("all")")},
      {http::verb::post, "/v1/notices/" + notice + "/ack", "{}"},
      {http::verb::post, "/v1/notices/" + notice + "/object", R"({"text":"no"})"},
      {http::verb::get, "/v1/notices/" + notice + "/proof", ""},
      {http::verb::post, "/v1/messages", R"({"to":"coalition","text":"what strike?","about":"russia.secret-strike"})"},
      {http::verb::get, "/v1/zones/coalition.proposal", ""},
      {http::verb::post, "/v1/zones/coalition.proposal/accept", ""},
      {http::verb::post, "/v1/zones/coalition.proposal/decline", ""},
      {http::verb::put, "/v1/zones/coalition.proposal", zone("coalition.proposal")},
      {http::verb::post, "/v1/activities",
       R"({"type":"Feature","geometry":{"type":"Point","coordinates":[1,1]},"properties":{"id":"russia.secret-strike","kind":"patrol","radius_m":10,"start":"2018-09-06T12:00:00Z","end":"2018-09-07T00:00:00Z"}})"},
  };
  // Each is refused exactly as the same request about something that does not
  // exist: the answers differ only in the caller's own words they repeat.
  const auto without_secrets = [&](std::string s) {
    for (const std::string& secret :
         std::vector<std::string>{"russia.secret-strike", "coalition.outpost", "coalition.proposal", notice}) {
      for (size_t at = 0; (at = s.find(secret, at)) != std::string::npos;) s.replace(at, secret.size(), "nothing");
    }
    return s;
  };
  for (const Probe& p : probes) {
    auto r = c.send(p.verb, p.target, token("un"), p.body);
    auto absent = c.send(p.verb, without_secrets(p.target), token("un"), without_secrets(p.body));
    EXPECT_GE(r.status, 400) << p.target;
    EXPECT_EQ(r.status, absent.status) << p.target;
    EXPECT_EQ(without_secrets(r.raw.body()), absent.raw.body()) << p.target;
  }
  // Its lists, notices, messages, events and record hold nothing of it.
  const auto text = [&](const std::string& target) { return c.send(http::verb::get, target, token("un")).raw.body(); };
  const int64_t size = c.send(http::verb::get, "/v1/record/head", token("un")).body["size"];
  std::vector<std::string> targets{"/v1/activities",
                                   "/v1/sites",
                                   "/v1/zones",
                                   "/v1/activities?bbox=38,33,39,34",
                                   "/v1/notices",
                                   "/v1/messages",
                                   "/v1/record?limit=1000",
                                   "/v1/record/head"};
  for (int64_t seq = 1; seq <= size; ++seq) targets.push_back("/v1/record/inclusion?seq=" + std::to_string(seq));
  for (const std::string& target : targets) {
    const std::string body = text(target);
    for (const std::string& secret : std::vector<std::string>{"russia.secret-strike", "coalition.outpost",
                                                              "coalition.proposal", notice, "strike at 12:00"}) {
      EXPECT_EQ(body.find(secret), std::string::npos) << target << " shows " << secret;
    }
  }
  EventStream events(port_, token("un"), "", 1);
  EXPECT_EQ(events.next(), "");  // the UN was told nothing
  // A check by the UN near the outpost reports the conflict without locating it.
  auto check = c.send(
      http::verb::post, "/v1/check", token("un"),
      R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.65,33.33]},"properties":{"kind":"strike","radius_m":100,"start":"2018-09-06T12:00:00Z","end":"2018-09-07T00:00:00Z"}})");
  EXPECT_EQ(check.raw.body().find("coalition.outpost"), std::string::npos) << check.raw.body();
  // And nothing changed: the owners still see it as it was.
  auto still = c.send(http::verb::get, "/v1/activities/russia.secret-strike", token("russia"));
  EXPECT_EQ(still.status, 200);
  EXPECT_EQ(still.body["properties"]["version"], 1);
  EXPECT_EQ(still.body["properties"]["state"], "notified");
}

// The other direction (DESIGN §6.1): the UN declares a hospital inside the
// coalition's live-fire exercise while it is under way. Before, the answer was
// "conflicts": [], "notices": [] and nobody was told; now the coalition is
// notified at once (the exercise has started: due now, so it escalates), the
// UN is shown the exercise, and the exercise's state follows the notice.
TEST_F(Server, ASiteDeclaredInsideAnExerciseUnderWayTellsTheFiringParty) {
  ASSERT_EQ(stop(), 0);
  start({"--simulated-clock", "2018-09-06T14:00:00Z"});
  Client c(port_);
  const std::string exercise = R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.65,33.53]},)"
                               R"("properties":{"id":"coalition.live-fire","kind":"exercise","radius_m":24000,)"
                               R"("start":"2018-09-07T04:00:00Z","end":"2018-09-15T00:00:00Z"}})";
  ASSERT_EQ(c.send(http::verb::post, "/v1/activities", token("coalition"), exercise).body["notices"].size(), 0u);
  ASSERT_EQ(c.send(http::verb::post, "/v1/admin/clock", token("ops"), R"({"now":"2018-09-08T10:00:00Z"})").status, 200);
  const auto hospital = c.send(http::verb::post, "/v1/sites", token("un"),
                               R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.66,33.52]},)"
                               R"("properties":{"id":"un.hospital","kind":"hospital","radius_m":300}})");
  ASSERT_EQ(hospital.status, 201) << hospital.raw.body();
  ASSERT_EQ(hospital.body["conflicts"].size(), 1u);
  EXPECT_EQ(hospital.body["conflicts"][0]["id"], "coalition.live-fire");
  EXPECT_EQ(hospital.body["conflicts"][0]["rule"], "site-hazard");
  ASSERT_EQ(hospital.body["notices"].size(), 1u);
  EXPECT_EQ(hospital.body["notices"][0]["party"], "coalition");
  EXPECT_EQ(hospital.body["notices"][0]["deadline"], "2018-09-08T10:00:00Z");  // under way: due now
  // Due at once, it is overdue at once: an escalation to both sides.
  const auto pending = c.send(http::verb::get, "/v1/notices", token("coalition"));
  ASSERT_EQ(pending.body["notices"].size(), 1u);
  EXPECT_EQ(pending.body["notices"][0]["state"], "overdue");
  EXPECT_EQ(pending.body["notices"][0]["activity"], "coalition.live-fire");
  EXPECT_EQ(pending.body["notices"][0]["from"], "un");
  EXPECT_EQ(
      c.send(http::verb::get, "/v1/activities/coalition.live-fire", token("coalition")).body["properties"]["state"],
      "notified");
  EXPECT_EQ(c.send(http::verb::get, "/v1/activities/coalition.live-fire", token("un")).status, 200);  // shown
  EXPECT_EQ(c.send(http::verb::get, "/v1/activities/coalition.live-fire", token("russia")).status, 404);
  // The coalition acknowledges; the UN hears of it, and the exercise is acknowledged.
  const std::string id = pending.body["notices"][0]["id"];
  ASSERT_EQ(c.send(http::verb::post, "/v1/notices/" + id + "/ack", token("coalition")).status, 200);
  EXPECT_EQ(
      c.send(http::verb::get, "/v1/activities/coalition.live-fire", token("coalition")).body["properties"]["state"],
      "acknowledged");
  // A withdrawal tells the UN, whose hospital was in its way.
  const auto withdrawn = c.send(http::verb::delete_, "/v1/activities/coalition.live-fire", token("coalition"));
  EXPECT_EQ(withdrawn.body["notified"], json::array({"un"}));
}

}  // namespace

// Zones and sites are retired by their owners (DESIGN §6.2): from then on
// they conflict with nothing, and those they concerned are told.
TEST_F(Server, AnOwnerRetiresASiteAndThoseItConcernedAreTold) {
  Client c(port_);
  ASSERT_EQ(c.send(http::verb::post, "/v1/sites", token("un"), site("un.camp", R"("all")")).status, 201);
  const std::string over_the_camp =
      R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.65,33.33]},"properties":{"id":"russia.strike",)"
      R"("kind":"strike","radius_m":500,"start":"2030-09-06T12:00:00Z","end":"2030-09-07T00:00:00Z"}})";
  const Reply struck = c.send(http::verb::post, "/v1/activities", token("russia"), over_the_camp);
  ASSERT_EQ(struck.status, 201) << struck.raw.body();
  ASSERT_EQ(struck.body["conflicts"][0]["rule"], "site-hazard");
  EXPECT_EQ(c.send(http::verb::delete_, "/v1/sites/un.camp", token("russia")).status, 403);
  const Reply retired = c.send(http::verb::delete_, "/v1/sites/un.camp", token("un"));
  ASSERT_EQ(retired.status, 200) << retired.raw.body();
  EXPECT_EQ(retired.body["retired"], "un.camp");
  EXPECT_EQ(retired.body["notified"], json::array({"russia"}));
  EXPECT_EQ(c.send(http::verb::get, "/v1/sites/un.camp", token("un")).body["properties"]["state"], "retired");
  EXPECT_TRUE(
      c.send(http::verb::get, "/v1/activities/russia.strike/conflicts", token("russia")).body["conflicts"].empty());
  EXPECT_EQ(c.send(http::verb::delete_, "/v1/sites/un.camp", token("un")).status, 409);
  // A path that exists answers a method it lacks with 405 and what it allows.
  const Reply patch = c.send(http::verb::patch, "/v1/sites/un.camp", token("un"));
  EXPECT_EQ(patch.status, 405);
  EXPECT_EQ(patch.raw[http::field::allow], "GET, PUT, DELETE");
  EXPECT_EQ(patch.body["error"]["code"], "method_not_allowed");
  EXPECT_EQ(c.send(http::verb::delete_, "/v1/zones", token("un")).raw[http::field::allow], "GET, POST");
  // A site hidden from the striking party: its retirement names it to no one who may not see it.
  ASSERT_EQ(c.send(http::verb::post, "/v1/sites", token("un"), site("un.clinic", R"(["coalition"])")).status, 201);
  std::string second = over_the_camp;
  second.replace(second.find("russia.strike"), 13, "russia.second");
  const Reply hazard = c.send(http::verb::post, "/v1/activities", token("russia"), second);
  ASSERT_EQ(hazard.status, 201) << hazard.raw.body();
  ASSERT_EQ(hazard.body["conflicts"][0]["id"], nullptr);
  const Reply quiet = c.send(http::verb::delete_, "/v1/sites/un.clinic", token("un"));
  ASSERT_EQ(quiet.status, 200);
  EXPECT_EQ(quiet.body["notified"], json::array()) << quiet.raw.body();
}

// A zone binds a party from the moment it accepts it (DESIGN §6.2): the
// party's activities already inside it enter it then, and the zone's party
// is notified of each, and sees it, in the same commit as the acceptance.
TEST_F(Server, AcceptingAZoneNotifiesItsPartyOfTheActivitiesAlreadyInIt) {
  Client c(port_);
  ASSERT_EQ(c.send(http::verb::post, "/v1/zones", token("coalition"), zone("coalition.zone-at-tanf")).status, 201);
  const std::string entry =
      R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.6,33.5]},"properties":{"id":"russia.patrol",)"
      R"("kind":"patrol","radius_m":1000,"start":"2030-09-06T12:00:00Z","end":"2030-09-07T00:00:00Z"}})";
  const Reply declared = c.send(http::verb::post, "/v1/activities", token("russia"), entry);
  ASSERT_EQ(declared.status, 201) << declared.raw.body();
  EXPECT_TRUE(declared.body["conflicts"].empty()) << "a proposed zone binds no one";
  EXPECT_EQ(c.send(http::verb::get, "/v1/activities/russia.patrol", token("coalition")).status, 404);
  ASSERT_EQ(c.send(http::verb::post, "/v1/zones/coalition.zone-at-tanf/accept", token("russia")).status, 200);
  // The proposal in Russia's inbox is answered by the acceptance.
  const Reply asked = c.send(http::verb::get, "/v1/notices?state=accepted", token("russia"));
  ASSERT_EQ(asked.body["notices"].size(), 1u) << asked.raw.body();
  EXPECT_EQ(asked.body["notices"][0]["zone"], "coalition.zone-at-tanf");
  const Reply inbox = c.send(http::verb::get, "/v1/notices?state=pending", token("coalition"));
  ASSERT_EQ(inbox.body["notices"].size(), 1u) << inbox.raw.body();
  EXPECT_EQ(inbox.body["notices"][0]["activity"], "russia.patrol");
  EXPECT_EQ(inbox.body["notices"][0]["from"], "russia");
  EXPECT_EQ(c.send(http::verb::get, "/v1/activities/russia.patrol", token("coalition")).status, 200);
  const Reply mine = c.send(http::verb::get, "/v1/activities/russia.patrol", token("russia"));
  EXPECT_EQ(mine.body["properties"]["state"], "notified");
  EXPECT_EQ(
      c.send(http::verb::get, "/v1/activities/russia.patrol/conflicts", token("russia")).body["conflicts"][0]["rule"],
      "zone-entry");
  EXPECT_TRUE(c.send(http::verb::get, "/v1/notices", token("un")).body["notices"].empty());
}

// The issue: a zone's proposal reached no one; the parties it was to bind had
// to find it in their lists. Now each is sent a notice asking it to agree
// (DESIGN §6.2), answered only by accepting or declining the zone; a changed
// zone is asked afresh, a retired one withdraws what is still open, and an
// unanswered proposal falls overdue like any notice.
TEST_F(Server, AZonesProposalReachesThePartiesItIsToBindAsNotices) {
  Client c(port_);
  std::string proposed = zone("coalition.z");
  proposed.replace(proposed.find(R"(["russia"])"), 10, R"(["russia","un"])");
  const Reply declared = c.send(http::verb::post, "/v1/zones", token("coalition"), proposed);
  ASSERT_EQ(declared.status, 201) << declared.raw.body();
  ASSERT_EQ(declared.body["notices"].size(), 2u);
  EXPECT_EQ(declared.body["notices"][0]["about"], "zone");
  EXPECT_EQ(declared.body["notices"][0]["zone"], "coalition.z");
  EXPECT_EQ(declared.body["feature"]["properties"]["state"], "proposed");

  const Reply russias = c.send(http::verb::get, "/v1/notices?state=pending", token("russia"));
  ASSERT_EQ(russias.body["notices"].size(), 1u) << russias.raw.body();
  const json asked = russias.body["notices"][0];
  EXPECT_EQ(asked["from"], "coalition");
  EXPECT_EQ(asked["zone_version"], 1);
  EXPECT_EQ(asked["deadline"], "2018-09-02T00:00:00Z");  // the server's default: a zone's start is no deadline
  // Acknowledgement is not agreement: the notice is answered through the zone.
  const Reply acked =
      c.send(http::verb::post, "/v1/notices/" + asked["id"].get<std::string>() + "/ack", token("russia"));
  EXPECT_EQ(acked.status, 400);
  EXPECT_NE(acked.body["error"]["message"].get<std::string>().find("/v1/zones/coalition.z/accept"), std::string::npos);

  // The UN declines without having read its inbox: the answer delivered it.
  const Reply declined =
      c.send(http::verb::post, "/v1/zones/coalition.z/decline", token("un"), R"({"text":"it covers the camp"})");
  ASSERT_EQ(declined.status, 200) << declined.raw.body();
  const Reply uns = c.send(http::verb::get, "/v1/notices?state=declined", token("un"));
  ASSERT_EQ(uns.body["notices"].size(), 1u) << uns.raw.body();
  EXPECT_EQ(uns.body["notices"][0]["text"], "it covers the camp");
  EXPECT_EQ(uns.body["notices"][0]["delivered_via"], "answer");
  ASSERT_EQ(c.send(http::verb::post, "/v1/zones/coalition.z/accept", token("russia")).status, 200);
  EXPECT_EQ(c.send(http::verb::get, "/v1/notices?state=accepted", token("coalition")).body["notices"].size(), 1u);
  EXPECT_EQ(c.send(http::verb::get, "/v1/notices?state=declined", token("coalition")).body["notices"].size(), 1u);
  EXPECT_EQ(c.send(http::verb::get, "/v1/notices?state=pending", token("russia")).body["notices"].size(), 0u);

  // Changed, it is asked afresh; the older answers stand as they were given.
  Reply z = c.send(http::verb::get, "/v1/zones/coalition.z", token("coalition"));
  z.body["properties"]["radius_m"] = 50000;
  const Reply changed =
      c.send(http::verb::put, "/v1/zones/coalition.z", token("coalition"), z.body.dump(), {{"If-Match", "\"1\""}});
  ASSERT_EQ(changed.status, 200) << changed.raw.body();
  EXPECT_EQ(changed.body["notices"].size(), 2u);
  EXPECT_EQ(c.send(http::verb::get, "/v1/notices?state=pending", token("russia")).body["notices"][0]["zone_version"],
            2);
  EXPECT_EQ(c.send(http::verb::get, "/v1/notices?state=accepted", token("russia")).body["notices"].size(), 1u);

  // Unanswered past its deadline, it is overdue; retired, what is open is withdrawn.
  const Reply late = c.send(http::verb::post, "/v1/admin/clock", token("ops"), R"({"now":"2018-09-02T00:00:00Z"})");
  EXPECT_EQ(late.body["overdue"], 2) << late.raw.body();
  ASSERT_EQ(c.send(http::verb::delete_, "/v1/zones/coalition.z", token("coalition")).status, 200);
  EXPECT_EQ(c.send(http::verb::get, "/v1/notices?state=withdrawn", token("coalition")).body["notices"].size(), 2u);
  EXPECT_EQ(c.send(http::verb::get, "/v1/notices?state=overdue", token("un")).body["notices"].size(), 0u);

  // All of it is on the record, and survives a restart.
  ASSERT_EQ(stop(), 0);
  start();
  Client again(port_);
  EXPECT_EQ(again.send(http::verb::get, "/v1/notices", token("coalition")).body["notices"].size(), 4u);
  EXPECT_EQ(again.send(http::verb::get, "/v1/notices?state=declined", token("un")).body["notices"][0]["about"], "zone");
}

// A list near a position, written in any grid (DESIGN §11: the field's grids):
// what comes within the distance, measured exactly; never what the caller may not see.
TEST_F(Server, ListsNearAPositionInAnyGridShowOnlyWhatTheCallerSees) {
  Client c(port_);
  ASSERT_EQ(declare_zone(c).status, 201);
  ASSERT_EQ(c.send(http::verb::post, "/v1/sites", token("un"), site("un.camp", R"("all")")).status, 201);
  ASSERT_EQ(c.send(http::verb::post, "/v1/sites", token("un"), site("un.clinic", R"(["coalition"])")).status, 201);
  const auto ids = [&](const std::string& collection, const std::string& query, const char* party) {
    std::set<std::string> out;
    const Reply r = c.send(http::verb::get, "/v1/" + collection + query, token(party));
    EXPECT_EQ(r.status, 200) << query << " " << r.raw.body();
    for (const auto& f : r.body["features"]) out.insert(f["id"].get<std::string>());
    return out;
  };
  // The sites are 500 m circles at 33.33 N 38.65 E; the zone's 55 km circle holds them.
  EXPECT_EQ(ids("sites", "?near=33.33,38.65", "coalition"), (std::set<std::string>{"un.camp", "un.clinic"}));
  EXPECT_EQ(ids("sites", "?near=33.33,38.65", "russia"), (std::set<std::string>{"un.camp"}));
  // 2 km north: out of reach of a 500 m circle, unless within 1.6 km of it.
  EXPECT_TRUE(ids("sites", "?near=33.348,38.65", "un").empty());
  EXPECT_EQ(ids("sites", "?near=33.348,38.65&within=1600", "un"), (std::set<std::string>{"un.camp", "un.clinic"}));
  // The garrison's MGRS square, 19 km north of the sites: in the zone, clear of the sites.
  EXPECT_EQ(ids("zones", "?near=37SDT%20644%20074", "russia"), (std::set<std::string>{"coalition.zone-at-tanf"}));
  EXPECT_TRUE(ids("sites", "?near=37SDT%20644%20074&within=15000", "un").empty());
  EXPECT_EQ(c.send(http::verb::get, "/v1/sites?near=37SZZ", token("un")).status, 400);
  EXPECT_EQ(c.send(http::verb::get, "/v1/sites?within=5", token("un")).status, 400);
  EXPECT_EQ(c.send(http::verb::get, "/v1/sites?near=33.3,38.6&within=-1", token("un")).status, 400);
}

// GET /v1/cot: the caller's view as TAK drawings, each valid by TAK's schema
// for it and MITRE's; drawn once per revision, paged like the lists.
TEST_F(Server, CotDrawingsShowWhatTheCallerSeesAndAreValidByTaksSchemas) {
  Client c(port_);
  ASSERT_EQ(declare_zone(c).status, 201);
  ASSERT_EQ(c.send(http::verb::post, "/v1/sites", token("un"), site("un.camp", R"("all")")).status, 201);
  ASSERT_EQ(c.send(http::verb::post, "/v1/sites", token("un"), site("un.clinic", R"(["coalition"])")).status, 201);
  ASSERT_EQ(c.send(http::verb::post, "/v1/activities", token("russia"), russia_entry()).status, 201);
  const auto uids = [&](const char* party, const std::string& query = "") {
    const Reply r = c.send(http::verb::get, "/v1/cot" + query, token(party));
    EXPECT_EQ(r.status, 200) << r.raw.body();
    EXPECT_EQ(r.raw[http::field::content_type], "application/xml");
    std::set<std::string> out;
    const std::string &body = r.raw.body(), mark = "<event version=\"2.0\" uid=\"";
    for (size_t at = body.find(mark); at != std::string::npos; at = body.find(mark, at + 1)) {
      out.insert(body.substr(at + mark.size(), body.find('"', at + mark.size()) - at - mark.size()));
    }
    return out;
  };
  EXPECT_EQ(uids("russia"), (std::set<std::string>{"deconflict.coalition.zone-at-tanf", "deconflict.un.camp",
                                                   "deconflict.russia.entry"}));
  EXPECT_TRUE(uids("coalition").count("deconflict.un.clinic"));
  EXPECT_EQ(uids("russia", "?type=site"), (std::set<std::string>{"deconflict.un.camp"}));
  // Each event, valid by TAK's schema for its drawing and by MITRE's base schema.
  const std::string body = c.send(http::verb::get, "/v1/cot", token("coalition")).raw.body();
  const std::string tak = std::string(DECONFLICT_SOURCE_DIR) + "/tests/data/takcot/";
  size_t n = 0;
  for (size_t at = body.find("<event "); at != std::string::npos; at = body.find("<event ", at + 1), ++n) {
    const std::string event = body.substr(at, body.find("</event>", at) + 8 - at);
    const std::string file = dir_.path().string() + "/e" + std::to_string(n) + ".cot";
    std::ofstream(file) << event;
    const bool circle = event.find("type=\"u-d-c-c\"") != std::string::npos;
    for (const std::string& schema :
         {tak + (circle ? "xsd/Drawing Shapes - Circle.xsd" : "xsd/Drawing Shapes - Free Form.xsd"),
          tak + "mitre/CoT Base-Event Schema  (PUBLIC RELEASE).xsd"}) {
      EXPECT_EQ(std::system(("xmllint --noout --schema '" + schema + "' " + file + " 2>/dev/null").c_str()), 0)
          << event.substr(0, 300);
    }
  }
  EXPECT_EQ(n, 4u);
  // Drawn once: the same drawing again, until the object changes.
  EXPECT_EQ(c.send(http::verb::get, "/v1/cot", token("coalition")).raw.body(), body);
  // Paged: one at a time, with the cursor of the next.
  std::set<std::string> walked;
  std::string after;
  for (int pages = 0; pages < 10; ++pages) {
    const Reply r = c.send(http::verb::get, "/v1/cot?limit=1" + after, token("coalition"));
    const std::string& page = r.raw.body();
    ASSERT_NE(page.find(" uid=\""), std::string::npos) << page;
    walked.insert(
        page.substr(page.find(" uid=\"") + 6, page.find('"', page.find(" uid=\"") + 6) - page.find(" uid=\"") - 6));
    const size_t next = page.find("next=\"");
    if (next == std::string::npos) break;
    after = "&after=" + page.substr(next + 6, page.find('"', next + 6) - next - 6);
  }
  EXPECT_EQ(walked.size(), 4u);
}
