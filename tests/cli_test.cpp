// The `deconflict` binary, run as users run it: on small files, checking what
// it prints and its exit status.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "command.hpp"
#include "scratch_dir.hpp"

namespace {

using deconflict::testing::Outcome;
using deconflict::testing::slurp;

const std::string kBin = DECONFLICT_BIN;
const std::string kData = std::string(DECONFLICT_SOURCE_DIR) + "/tests/data/";
const std::string kScenario = std::string(DECONFLICT_SOURCE_DIR) + "/scenarios/at-tanf-2018.geojson";

class Cli : public ::testing::Test {
 protected:
  Outcome run(const std::string& args, const std::string& stdin_text = "") {
    const std::string in = (dir_ / "stdin").string(), err = (dir_ / "stderr").string();
    std::ofstream(in) << stdin_text;
    return deconflict::testing::run_command(kBin + " " + args, in, err);
  }

  std::string db() const { return (dir_ / "test.db").string(); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  deconflict::testing::ScratchDir dir_{"cli"};
};

std::vector<nlohmann::json> lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST_F(Cli, CheckPrintsOneLinePerQueryInInputOrder) {
  const Outcome r = run("check --against " + kData + "world.ndjson " + kData + "queries.ndjson");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto out = lines(r.out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0]["id"], "q-strike");
  EXPECT_EQ(out[1]["id"], "q-far");
  EXPECT_EQ(out[2]["id"], "q-dateline");
  EXPECT_EQ(out[3]["id"], "q-partner");
  // The strike: in the zone without permission, on short notice, and a hazard to the garrison.
  ASSERT_EQ(out[0]["conflicts"].size(), 3u);
  const auto& garrison = out[0]["conflicts"][0];
  EXPECT_EQ(garrison["id"], "garrison");
  EXPECT_EQ(garrison["party"], "coalition");
  EXPECT_EQ(garrison["rule"], "site-hazard");
  EXPECT_EQ(garrison["start"], "2018-09-06T12:00:00Z");
  EXPECT_EQ(garrison["end"], "2018-09-07T00:00:00Z");
  EXPECT_EQ(garrison["limit_m"], 2000.0);
  // Circles are points with a radius: the separation is centre to centre, here
  // GeographicLib's 506.40 m, printed to 0.1 m.
  EXPECT_NEAR(garrison["distance_m"].get<double>(), 506.4, 0.051);
  EXPECT_EQ(out[0]["conflicts"][1]["rule"], "zone-entry");
  EXPECT_EQ(out[0]["conflicts"][2]["rule"], "short-notice");
  EXPECT_TRUE(out[1]["conflicts"].empty());
  // The line crosses the antimeridian through the box.
  ASSERT_EQ(out[2]["conflicts"].size(), 1u);
  EXPECT_EQ(out[2]["conflicts"][0]["id"], "dateline-box");
  EXPECT_EQ(out[2]["conflicts"][0]["distance_m"], 0.0);
  // The partner force is permitted in the zone.
  EXPECT_TRUE(out[3]["conflicts"].empty());
}

// The issue: `check --help` listed exit statuses 0 to 3, not the 4 it gives
// for a file it cannot read.
TEST_F(Cli, HelpListsEveryExitStatus) {
  EXPECT_NE(run("check --help").out.find("4 a file that cannot be read"), std::string::npos);
  EXPECT_NE(run("--help").out.find("4 a file, store or network error"), std::string::npos);
}

// The issue: `list` showed a polygon's buffer_m under "radius_m", and
// `conflicts` printed a zone entry as "distance_m 10889.9 limit_m 58000.0".
// Now each says what it holds, in the units a person reads.
TEST_F(Cli, TablesSayWhatTheyHold) {
  ASSERT_EQ(run("import " + kScenario + " --db " + db()).status, 0);
  const Outcome list = run("list --db " + db());
  EXPECT_NE(list.out.find("radius 55.0 km"), std::string::npos) << list.out;  // the zone around At Tanf
  EXPECT_NE(list.out.find("margin 1.0 km"), std::string::npos) << list.out;   // the air assault's polygon
  EXPECT_EQ(list.out.find("radius_m"), std::string::npos);
  const Outcome conflicts = run("conflicts --db " + db());
  EXPECT_NE(conflicts.out.find("apart"), std::string::npos);
  EXPECT_NE(conflicts.out.find("overlap"), std::string::npos);
  EXPECT_EQ(conflicts.out.find("limit_m"), std::string::npos) << conflicts.out;
}

TEST_F(Cli, CheckExitStatuses) {
  const std::string files = kData + "world.ndjson " + kData + "queries.ndjson";
  EXPECT_EQ(run("check --against " + files + " --fail-on-conflict").status, 1);
  EXPECT_EQ(run("check --against " + kData + "world.ndjson " + kData + "world.ndjson --fail-on-conflict").status, 3);
  EXPECT_EQ(run("check " + kData + "queries.ndjson").status, 2);  // no --against
  EXPECT_EQ(run("check --against /nonexistent " + kData + "queries.ndjson").status, 4);
  const Outcome bad = run("check --against " + kData + "world.ndjson -", "{\"type\": \"Feature\"");
  EXPECT_EQ(bad.status, 3);
  EXPECT_NE(bad.err.find("malformed JSON"), std::string::npos) << bad.err;
}

// The issue: a missing file said only "cannot open file". Now it says why,
// as the system does.
TEST_F(Cli, AFileThatCannotBeOpenedSaysWhy) {
  const Outcome missing = run("check --against /nonexistent/world.geojson " + kData + "queries.ndjson");
  EXPECT_EQ(missing.status, 4);
  EXPECT_NE(missing.err.find("No such file or directory"), std::string::npos) << missing.err;
}

// The issue: `list` with a mistyped --db made an empty store (and a key file
// beside it) and printed "0 object(s)": a typo looked like an empty world.
// Commands that only read refuse a store that is not there, and make nothing.
TEST_F(Cli, ReadingCommandsRefuseAStoreThatIsNotThere) {
  const std::string typo = (dir_ / "typo.db").string();
  for (const std::string command : {"list", "export", "conflicts", "party list"}) {
    const Outcome r = run(command + " --db " + typo);
    EXPECT_EQ(r.status, 4) << command;
    EXPECT_NE(r.err.find("no store at '" + typo + "'"), std::string::npos) << command << ": " << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(typo));
  EXPECT_FALSE(std::filesystem::exists(typo + ".key"));
}

// The issue: `replay --serve` on a busy port said only "the server did not
// start; see busy.db.log". Now it says the server's own reason.
TEST_F(Cli, AReplayWhoseServerCannotStartSaysWhy) {
  const int busy = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(busy, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(::listen(busy, 1), 0);
  ASSERT_EQ(::getsockname(busy, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string scenario = std::string(DECONFLICT_SOURCE_DIR) + "/scenarios/at-tanf-2018.replay.json";
  const Outcome r =
      run("replay " + scenario + " --db " + db() + " --listen 127.0.0.1:" + std::to_string(ntohs(address.sin_port)));
  ::close(busy);
  EXPECT_EQ(r.status, 4);
  EXPECT_NE(r.err.find("Address already in use"), std::string::npos) << r.err;
}

// The At Tanf replay plays the line as the issue asks: Russia's acceptance of
// the zone opens it, and the UN's clinic, declared inside the live-fire area
// while the exercise is under way, notifies the coalition at once, which answers.
TEST_F(Cli, TheAtTanfReplayPlaysTheLineFromTheZonesAcceptanceToTheClinic) {
  const std::string scenario = std::string(DECONFLICT_SOURCE_DIR) + "/scenarios/at-tanf-2018.replay.json";
  const Outcome r = run("replay " + scenario + " --db " + db());
  ASSERT_EQ(r.status, 0) << r.err;
  const size_t accepted = r.out.find("russia        accepts zone coalition.zone-at-tanf");
  const size_t entry = r.out.find("russia        declares activity russia.entry");
  EXPECT_NE(accepted, std::string::npos) << r.out;
  EXPECT_LT(accepted, entry);
  const size_t clinic = r.out.find("un            declares site un.clinic (hospital)");
  ASSERT_NE(clinic, std::string::npos) << r.out;
  const std::string after = r.out.substr(clinic);
  EXPECT_NE(after.find("conflict: site-hazard with coalition.live-fire (coalition)"), std::string::npos) << after;
  EXPECT_NE(after.find("to coalition about coalition.live-fire"), std::string::npos) << after;
  EXPECT_NE(after.find("coalition     acknowledges coalition.live-fire"), std::string::npos) << after;

  // Each party signed its own acts with a key of its own, kept beside the
  // store: the record proves them the parties', not the operator's, and a
  // notice's proof needs no --accept-unsigned for its answer.
  for (const char* party : {"coalition", "russia", "un"}) {
    EXPECT_TRUE(std::filesystem::exists(db() + ".keys/" + party + ".key")) << party;
  }
  const Outcome verified = run("record verify --db " + db());
  ASSERT_EQ(verified.status, 0) << verified.out << verified.err;
  std::smatch acts;
  ASSERT_TRUE(std::regex_search(verified.out, acts, std::regex("parties' acts read: (\\d+), (\\d+) signed")))
      << verified.out;
  EXPECT_GT(std::stoi(acts[1]), 10);
  // All but the four parties' first keys, which their tokens register.
  EXPECT_EQ(std::stoi(acts[1]) - std::stoi(acts[2]), 4) << "every other act of the replay is signed by its party";
}

TEST_F(Cli, CheckReadsStandardInputAndSkipsInvalidWhenAsked) {
  const std::string queries =
      slurp(kData + "queries.ndjson") +
      R"({"type":"Feature","geometry":{"type":"Point","coordinates":[1,91]},"properties":{"id":"bad","type":"activity","party":"x","kind":"flight","radius_m":1,"start":"2018-09-06T12:00:00Z","end":"2018-09-07T00:00:00Z"}})"
      "\n";
  const Outcome strict = run("check --against " + kData + "world.ndjson -", queries);
  EXPECT_EQ(strict.status, 3);
  EXPECT_NE(strict.err.find("bad: geometry.coordinates: latitude 91 is outside [-90, 90]"), std::string::npos)
      << strict.err;
  EXPECT_TRUE(strict.out.empty());
  const Outcome lenient = run("check --skip-invalid --against " + kData + "world.ndjson -", queries);
  EXPECT_EQ(lenient.status, 0);
  EXPECT_EQ(lines(lenient.out).size(), 4u);
  EXPECT_NE(lenient.err.find("skipped 1 invalid feature"), std::string::npos) << lenient.err;
}

TEST_F(Cli, CheckStatsAreOneJsonLineOnStandardError) {
  const Outcome r = run("check --stats --against " + kData + "world.ndjson " + kData + "queries.ndjson");
  ASSERT_EQ(r.status, 0);
  const auto stats = nlohmann::json::parse(r.err);
  EXPECT_EQ(stats["objects"], 3);
  EXPECT_EQ(stats["queries"], 4);
  for (const char* key : {"load_seconds", "check_seconds", "checks_per_second", "p50_us", "p99_us"}) {
    EXPECT_TRUE(stats[key].is_number()) << key;
  }
}

TEST_F(Cli, EverySubcommandHasHelp) {
  for (const char* sub :
       {"", "check", "import", "export", "list", "conflicts", "party", "party add", "party list", "party revoke"}) {
    const Outcome r = run(std::string(sub) + " --help");
    EXPECT_EQ(r.status, 0) << sub;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << sub;
  }
  EXPECT_EQ(run("frobnicate").status, 2);
}

// Positions as the field writes them (issue 20): any grid in, every grid
// out, a square said to be one, and a bad reference exits 3 saying why.
TEST_F(Cli, PositionReadsAnyGridAndWritesEach) {
  const Outcome all = run("position '37SDT 64499 07430'");
  EXPECT_EQ(all.status, 0) << all.err;
  EXPECT_EQ(all.out,
            "decimal  33.505826, 38.617779\n"
            "dms      33°30'21.0\"N 038°37'04.0\"E\n"
            "mgrs     37SDT6449907430\n"
            "utm      37S 464500 3707431\n");
  EXPECT_NE(all.err.find("names a square of 1 m; the position shown is its centre"), std::string::npos) << all.err;
  EXPECT_EQ(run("position '33.50583, 38.61778' --grid mgrs --digits 3").out, "37SDT644074\n");
  EXPECT_EQ(run("position \"33°30'21\\\"N 38°37'04\\\"E\" --grid utm").out, "37S 464499 3707431\n");
  const Outcome band = run("position '37T 464499 3707430'");
  EXPECT_EQ(band.status, 3);
  EXPECT_NE(band.err.find("outside band T"), std::string::npos) << band.err;
  EXPECT_EQ(run("position '33.5, 38.6' --grid lambert").status, 2);
  // A list near a grid reference: what lies at the garrison's square, and
  // what comes within 5 km of a point south of it.
  ASSERT_EQ(run("import " + kScenario + " --db " + db()).status, 0);
  const Outcome at = run("list --db " + db() + " --near '37SDT 644 074' --type site");
  EXPECT_EQ(at.status, 0) << at.err;
  EXPECT_NE(at.out.find("coalition.garrison"), std::string::npos) << at.out;
  EXPECT_NE(at.out.find("1 object(s)"), std::string::npos) << at.out;
  EXPECT_NE(at.err.find("names a square of 100 m"), std::string::npos) << at.err;
  const Outcome south = run("list --db " + db() + " --near '33.35, 38.55' --within 5000");
  EXPECT_NE(south.out.find("3 object(s)"), std::string::npos) << south.out;
  EXPECT_EQ(run("list --db " + db() + " --within 5").status, 2);
  EXPECT_EQ(run("list --db " + db() + " --near '37T 1 1'").status, 2);
  // Listed with where each is, in the grid asked for.
  const Outcome gridded = run("list --db " + db() + " --near '37SDT 644 074' --type site --grid mgrs");
  EXPECT_NE(gridded.out.find(" at "), std::string::npos) << gridded.out;
  EXPECT_NE(gridded.out.find("37SDT6449907430"), std::string::npos) << gridded.out;
  EXPECT_EQ(run("list --db " + db() + " --grid lambert").status, 2);
  EXPECT_EQ(run("position --help").status, 0);
}

TEST_F(Cli, PartiesGetATokenOnceAndCanBeRevoked) {
  const Outcome added = run("party add coalition --name 'US-led coalition' --admin --db " + db());
  ASSERT_EQ(added.status, 0) << added.err;
  EXPECT_EQ(added.out.rfind("dcf_", 0), 0u);
  EXPECT_EQ(added.out.size(), 4 + 43 + 1u);  // the token and a newline, nothing else on stdout
  EXPECT_EQ(run("party add coalition --db " + db()).status, 3);
  EXPECT_EQ(run("party add 'Bad Id' --db " + db()).status, 2);
  ASSERT_EQ(run("party add russia --db " + db()).status, 0);
  ASSERT_EQ(run("party revoke russia --db " + db()).status, 0);
  EXPECT_EQ(run("party revoke nobody --db " + db()).status, 5);  // not found
  const auto parties = lines(run("party list --json --db " + db()).out);
  ASSERT_EQ(parties.size(), 2u);
  EXPECT_EQ(parties[0]["id"], "coalition");
  EXPECT_EQ(parties[0]["name"], "US-led coalition");
  EXPECT_EQ(parties[0]["admin"], true);
  EXPECT_TRUE(parties[0]["revoked"].is_null());
  EXPECT_TRUE(parties[1]["revoked"].is_string());
}

TEST_F(Cli, ImportListExportAndConflictsOnTheStore) {
  const Outcome imported = run("import " + kScenario + " --db " + db());
  ASSERT_EQ(imported.status, 0) << imported.err;
  EXPECT_NE(imported.out.find("9 created"), std::string::npos) << imported.out;
  EXPECT_NE(imported.out.find("8 notice(s) sent"), std::string::npos) << imported.out;  // through the line
  EXPECT_EQ(run("import " + kScenario + " --db " + db()).status, 3);                    // already stored
  EXPECT_EQ(run("import " + kScenario + " --replace --db " + db()).status, 0);

  const Outcome list = run("list --db " + db() + " --type site");
  ASSERT_EQ(list.status, 0);
  EXPECT_NE(list.out.find("un.rukban"), std::string::npos);
  EXPECT_EQ(list.out.find("coalition.zone-at-tanf"), std::string::npos);
  EXPECT_NE(list.out.find("4 object(s)"), std::string::npos);
  EXPECT_EQ(run("list --db " + db() + " --bbox 1,2,3").status, 2);

  const Outcome exported = run("export --db " + db());
  ASSERT_EQ(exported.status, 0);
  const auto fc = nlohmann::json::parse(exported.out);
  EXPECT_EQ(fc["type"], "FeatureCollection");
  EXPECT_EQ(fc["features"].size(), 9u);
  EXPECT_EQ(fc["features"][0]["properties"]["version"], 2);

  // What was exported imports into a fresh store unchanged.
  const std::string copy = (dir_ / "copy.db").string();
  ASSERT_EQ(run("import - --db " + copy, exported.out).status, 0);
  EXPECT_EQ(run("conflicts --json --db " + copy).out, run("conflicts --json --db " + db()).out);

  const Outcome one = run("conflicts russia.strikes --json --db " + db());
  ASSERT_EQ(one.status, 0);
  EXPECT_EQ(lines(one.out).size(), 7u);
  const Outcome table = run("conflicts --db " + db());
  EXPECT_NE(table.out.find("18 conflict(s)"), std::string::npos) << table.out;
  const Outcome missing = run("conflicts no-such-id --db " + db());
  EXPECT_EQ(missing.status, 5);  // not found, naming what was asked for
  EXPECT_NE(missing.err.find("no such object 'no-such-id'"), std::string::npos) << missing.err;
}

}  // namespace

TEST_F(Cli, CheckAtAPositionWrittenInAnyGridChecksOneActivityThere) {
  // A strike on the At Tanf garrison's 100 m MGRS square, as a liaison officer would write it.
  const Outcome r = run("check --against " + kScenario +
                        " --at '37SDT 644 074' --radius 500 --party russia --kind strike"
                        " --start 2018-09-07T06:00:00Z --end 2018-09-07T08:00:00Z");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("names a square of 100 m"), std::string::npos) << r.err;
  const auto out = lines(r.out);
  ASSERT_EQ(out.size(), 1u);
  std::set<std::string> hits;
  for (const auto& c : out[0]["conflicts"])
    hits.insert(c["id"].get<std::string>() + " " + c["rule"].get<std::string>());
  EXPECT_TRUE(hits.count("coalition.garrison site-hazard")) << r.out;
  EXPECT_TRUE(hits.count("coalition.zone-at-tanf zone-entry")) << r.out;
  // The same place in degrees-minutes-seconds gives the same answer.
  const Outcome dms = run("check --against " + kScenario +
                          " --at \"33°30'21\\\"N 38°37'04\\\"E\" --radius 500 --party russia --kind strike"
                          " --start 2018-09-07T06:00:00Z --end 2018-09-07T08:00:00Z");
  ASSERT_EQ(dms.status, 0) << dms.err;
  EXPECT_EQ(lines(dms.out)[0]["conflicts"].size(), out[0]["conflicts"].size());
}

TEST_F(Cli, CheckAtNeedsAPartyAPositionItReadsAndNoQueriesBeside) {
  const std::string base = "check --against " + kScenario;
  const Outcome no_party = run(base + " --at '33.5, 38.6' --radius 500");
  EXPECT_EQ(no_party.status, 2);
  EXPECT_NE(no_party.err.find("--party"), std::string::npos);
  const Outcome bad = run(base + " --at '37SZZ 1' --radius 500 --party russia");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--at"), std::string::npos) << bad.err;
  const Outcome both = run(base + " " + kData + "queries.ndjson --at '33.5, 38.6' --radius 500 --party russia");
  EXPECT_EQ(both.status, 2);
  const Outcome neither = run(base);
  EXPECT_EQ(neither.status, 2);
}
