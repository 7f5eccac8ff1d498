// TAK clients on `serve --tak-port`: the real binary, and a client that
// speaks TAK's streaming protocol as ATAK does (tests/tak_client.hpp). Each
// party's stream shows its own view and nothing more, live; a party that is
// not let in learns nothing; streams are bounded and close with the party.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "scratch_dir.hpp"
#include "server_fixture.hpp"
#include "server_harness.hpp"
#include "tak_client.hpp"

namespace {

namespace http = boost::beast::http;
using namespace std::chrono_literals;
using deconflict::testing::Client;
using deconflict::testing::run;
using deconflict::testing::TakClient;

const std::string kBin = DECONFLICT_BIN;

class Tak : public deconflict::testing::Server {
 protected:
  Tak() { serve_args_ = {"--tak-port", "0", "--request-timeout-s", "2", "--max-streams-per-party", "2"}; }

  /// A party's stream, let in and shown its view (until `uid` is on its map).
  std::unique_ptr<TakClient> stream_of(const char* party, const std::string& uid) {
    auto s = std::make_unique<TakClient>(tak_port_);
    s->login(party, token(party));
    EXPECT_TRUE(s->read_until([&] { return s->map().count(uid) > 0; })) << party << " was not shown " << uid;
    return s;
  }

  /// True when `event` is valid by MITRE's CoT base event schema.
  bool valid_cot(const std::string& event) {
    const std::string file = dir_.path().string() + "/event.cot";
    std::ofstream(file) << event;
    const std::string schema =
        std::string(DECONFLICT_SOURCE_DIR) + "/tests/data/takcot/mitre/CoT Base-Event Schema  (PUBLIC RELEASE).xsd";
    return std::system(("xmllint --noout --schema '" + schema + "' " + file + " 2>/dev/null").c_str()) == 0;
  }
};

// The line of September 2018 on three TAK clients: each is shown what its
// party may see when it connects, then what changes in it as it is
// declared, disclosed and withdrawn; a site shared with the coalition alone,
// and Russia's movement, which meets nothing of the UN's, never reach those
// they are hidden from.
TEST_F(Tak, EachPartysStreamShowsItsViewLiveAndNothingElse) {
  Client c(port_);
  ASSERT_EQ(declare_zone(c).status, 201);
  ASSERT_EQ(c.send(http::verb::post, "/v1/sites", token("un"), site("un.camp", R"("all")")).status, 201);
  ASSERT_EQ(c.send(http::verb::post, "/v1/sites", token("un"), site("un.clinic", R"(["coalition"])")).status, 201);
  auto russia = stream_of("russia", "deconflict.un.camp");
  auto coalition = stream_of("coalition", "deconflict.un.clinic");
  auto un = stream_of("un", "deconflict.un.clinic");
  EXPECT_EQ(russia->map().size(), 2u);  // the zone it accepted and the camp shared with all
  EXPECT_EQ(coalition->map().size(), 3u);

  // Russia declares its movement: its own stream shows it, and so does the
  // coalition's, which is notified of it (it enters the coalition's zone).
  ASSERT_EQ(c.send(http::verb::post, "/v1/activities", token("russia"), russia_entry()).status, 201);
  for (TakClient* s : {russia.get(), coalition.get()}) {
    EXPECT_TRUE(s->read_until([&] { return s->map().count("deconflict.russia.entry") > 0; }));
  }
  // Withdrawn: deleted from both maps, by an event valid by MITRE's schema.
  ASSERT_EQ(c.send(http::verb::delete_, "/v1/activities/russia.entry", token("russia")).status, 200);
  for (TakClient* s : {russia.get(), coalition.get()}) {
    EXPECT_TRUE(s->read_until([&] { return s->map().count("deconflict.russia.entry") == 0; }));
    EXPECT_EQ(TakClient::attribute(s->events().back(), "type"), "t-x-d-d");
    EXPECT_TRUE(valid_cot(s->events().back())) << s->events().back();
  }
  un->read_for(300ms);
  russia->read_for(300ms);
  for (const std::string& e : un->events()) EXPECT_EQ(e.find("russia.entry"), std::string::npos) << e;
  for (const std::string& e : russia->events()) EXPECT_EQ(e.find("un.clinic"), std::string::npos) << e;
  EXPECT_FALSE(russia->closed());
}

// A client that is not let in is closed having been sent nothing, whatever
// it tried: a wrong token, another party's name with its own token, an
// <auth> that names the token through an external entity, no <auth> within
// the time a request has, or one larger than an <auth> ever is.
TEST_F(Tak, AClientNotLetInIsSentNothing) {
  Client c(port_);
  ASSERT_EQ(declare_zone(c).status, 201);
  const std::string token_file = dir_.path().string() + "/russia.token";
  std::ofstream(token_file) << token("russia");
  const std::vector<std::string> tries = {
      R"(<auth><cot username="russia" password="not-a-token"/></auth>)",
      "<auth><cot username=\"coalition\" password=\"" + token("russia") + "\"/></auth>",
      "<?xml version=\"1.0\"?><!DOCTYPE auth [<!ENTITY t SYSTEM \"file://" + token_file +
          "\">]><auth><cot username=\"russia\" password=\"&t;\"/></auth>",
      "",
      std::string(9000, ' ') + "<auth>",
  };
  for (const std::string& attempt : tries) {
    TakClient s(tak_port_);
    if (!attempt.empty()) s.send(attempt);
    EXPECT_TRUE(s.read_until([&] { return s.closed(); }, 4s)) << attempt.substr(0, 80);
    EXPECT_EQ(s.bytes(), 0u) << attempt.substr(0, 80);
  }
  // And the line goes on.
  auto russia = stream_of("russia", "deconflict.coalition.zone-at-tanf");
}

// A revoked party's TAK streams close at once, though it sends nothing.
TEST_F(Tak, ARevokedPartysStreamClosesAtOnce) {
  Client c(port_);
  ASSERT_EQ(declare_zone(c).status, 201);
  auto russia = stream_of("russia", "deconflict.coalition.zone-at-tanf");
  run(kBin + " party revoke russia" + store_args() + " 2>/dev/null");
  EXPECT_TRUE(russia->read_until([&] { return russia->closed(); }, 3s));
}

// Pings are answered; a party's streams of both kinds share its quota.
TEST_F(Tak, PingsAreAnsweredAndStreamsCountTowardsTheQuota) {
  Client c(port_);
  ASSERT_EQ(declare_zone(c).status, 201);
  auto first = stream_of("russia", "deconflict.coalition.zone-at-tanf");
  first->send(R"(<event version="2.0" uid="ANDROID-test-ping" type="t-x-c-t" time="2018-09-01T00:00:00Z" )"
              R"(start="2018-09-01T00:00:00Z" stale="2018-09-01T00:00:20Z" how="m-g"><point lat="0" lon="0" hae="0" )"
              R"(ce="9999999" le="9999999"/><detail/></event>)");
  ASSERT_TRUE(first->read_until([&] { return TakClient::attribute(first->events().back(), "type") == "t-x-c-t-r"; }));
  EXPECT_TRUE(valid_cot(first->events().back())) << first->events().back();
  auto second = stream_of("russia", "deconflict.coalition.zone-at-tanf");
  // Two open (--max-streams-per-party 2): a third TAK stream is closed, and an event stream refused.
  TakClient third(tak_port_);
  third.login("russia", token("russia"));
  EXPECT_TRUE(third.read_until([&] { return third.closed(); }, 3s));
  EXPECT_EQ(third.bytes(), 0u);
  EXPECT_NE(deconflict::testing::EventStream(port_, token("russia")).header().find("403"), std::string::npos);
  // Another party's streams are not counted against Russia's.
  auto coalition = stream_of("coalition", "deconflict.coalition.zone-at-tanf");
}

// A view of many objects is sent a page at a time as the client reads it,
// every object once.
TEST_F(Tak, ALargeViewIsSentWholeAPageAtATime) {
  Client c(port_);
  std::mt19937 rng(7);
  for (int i = 0; i < 230; ++i) {
    const std::string id = "coalition.patrol-" + std::to_string(i);
    ASSERT_EQ(c.send(http::verb::post, "/v1/activities", token("coalition"),
                     deconflict::testing::random_patrol(id, rng, 0.5, 200))
                  .status,
              201);
  }
  TakClient s(tak_port_);
  s.login("coalition", token("coalition"));
  EXPECT_TRUE(s.read_until([&] { return s.map().size() == 230; }, 10s)) << s.map().size();
  s.read_for(200ms);
  EXPECT_EQ(s.events().size(), 230u);
}

// Over TLS when the server speaks HTTPS: a client that trusts its
// certificate is let in; one that speaks plain TCP gets nothing.
TEST(TakTls, TakStreamsUseTheServersCertificate) {
  deconflict::testing::ScratchDir dir("tak-tls");
  const std::string cert = deconflict::testing::make_certificate(dir.path().string(), "server");
  const std::string db = (dir / "tak.db").string();
  const std::string token = run(kBin + " party add russia --db " + db + " 2>/dev/null");
  auto server =
      deconflict::testing::launch(kBin, {"serve", "--db", db, "--listen", "127.0.0.1:0", "--tls-cert", cert,
                                         "--tls-key", (dir / "server.key").string(), "--tak-port", "0",
                                         "--simulated-clock", "2018-09-01T00:00:00Z", "--request-timeout-s", "2"});
  deconflict::testing::Reaper reaper(server);
  ASSERT_NE(server.tak_port, 0);
  const std::string patrol = (dir / "patrol.geojson").string();
  std::ofstream(patrol) << R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.6,33.5]},)"
                           R"("properties":{"id":"russia.patrol","type":"activity","party":"russia","kind":"patrol",)"
                           R"("radius_m":1000,"start":"2018-09-02T00:00:00Z","end":"2018-09-03T00:00:00Z"}})";
  ASSERT_EQ(run(kBin + " import --db " + db + " " + patrol + " >/dev/null 2>&1; echo $?"), "0");
  TakClient secure(server.tak_port, cert);
  secure.login("russia", token);
  EXPECT_TRUE(secure.read_until([&] { return !secure.map().empty(); })) << secure.bytes();
  TakClient plain(server.tak_port);
  plain.login("russia", token);
  EXPECT_TRUE(plain.read_until([&] { return plain.closed(); }, 4s));
  EXPECT_TRUE(plain.events().empty());
}

}  // namespace

namespace {

// A TAK stream's pages are charged to its party's rate as requests: a party
// that spent it (reconnecting over and over, say) is sent the rest of its
// view as its rate refills, and holds the line no longer than its requests would.
TEST(TakRate, APartyOverItsRateIsSentTheRestOfItsViewLater) {
  deconflict::testing::ScratchDir dir("tak-rate");
  const std::string db = (dir / "tak.db").string();
  const std::string token = run(kBin + " party add russia --db " + db + " 2>/dev/null");
  std::string patrols = R"({"type":"FeatureCollection","features":[)";
  for (int i = 0; i < 250; ++i) {
    patrols += std::string(i ? "," : "") + R"({"type":"Feature","geometry":{"type":"Point","coordinates":[)" +
               std::to_string(38 + i * 0.01) + R"(,33.5]},"properties":{"id":"russia.patrol-)" + std::to_string(i) +
               R"(","type":"activity","party":"russia","kind":"patrol","radius_m":500,)"
               R"("start":"2018-09-02T00:00:00Z","end":"2018-09-03T00:00:00Z"}})";
  }
  const std::string file = (dir / "patrols.geojson").string();
  std::ofstream(file) << patrols << "]}";
  ASSERT_EQ(run(kBin + " import --db " + db + " " + file + " >/dev/null 2>&1; echo $?"), "0");
  auto server = deconflict::testing::launch(kBin, {"serve", "--db", db, "--listen", "127.0.0.1:0", "--tak-port", "0",
                                                   "--rate-limit", "0.5", "--rate-burst", "2"});
  deconflict::testing::Reaper reaper(server);
  ASSERT_NE(server.tak_port, 0);
  TakClient s(server.tak_port);
  s.login("russia", token);
  EXPECT_TRUE(s.read_until([&] { return s.map().size() == 200; }, 5s));  // two pages of the burst
  s.read_for(500ms);
  EXPECT_EQ(s.map().size(), 200u);  // the third waits for the rate (2 s a request)
  EXPECT_TRUE(s.read_until([&] { return s.map().size() == 250; }, 5s)) << s.map().size();
}

}  // namespace
