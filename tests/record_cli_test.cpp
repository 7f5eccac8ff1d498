// Tampering with a real store's record, and the `deconflict record` commands
// that must detect it and name the first bad entry.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "scratch_dir.hpp"

namespace {

namespace fs = std::filesystem;
const std::string kBin = DECONFLICT_BIN;
const std::string kScenario = std::string(DECONFLICT_SOURCE_DIR) + "/scenarios/at-tanf-2018.geojson";

std::string slurp(const std::string& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Outcome {
  int status = -1;
  std::string out;
};

class RecordCli : public ::testing::Test {
 protected:
  void SetUp() override {
    // Stored unchecked: these tests are about the record, not the notices an import sends.
    ASSERT_EQ(run("import --no-notices --db " + db() + " " + kScenario).status, 0);
    for (const char* p : {"coalition", "russia", "un"})
      ASSERT_EQ(run("party add " + std::string(p) + " --db " + db()).status, 0);
    ASSERT_EQ(run("party revoke un --db " + db()).status, 0);
    // 1 record.start, 9 objects, 3 parties added, 1 revoked
    ASSERT_EQ(run("record head --db " + db() + " > " + path("head.json")).status, 0);
    key_ = run("record head --db " + db() + " | grep '\"key\"' | cut -d'\"' -f4").out;
    key_.pop_back();
  }

  Outcome run(const std::string& args) {
    Outcome r;
    FILE* p = ::popen((kBin + " " + args + " 2>&1").c_str(), "r");
    std::array<char, 4096> buf{};
    size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    const int status = ::pclose(p);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string db() const { return path("test.db"); }

  void sql(const std::string& statements) {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(db().c_str(), &h), SQLITE_OK);
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(h, statements.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
    sqlite3_close(h);
  }

  // `record verify --db` fails, naming this entry and this reason.
  void expect_broken(const std::string& extra, int seq, const std::string& why) {
    const Outcome r = run("record verify --db " + db() + " " + extra);
    EXPECT_EQ(r.status, 1) << r.out;
    EXPECT_NE(r.out.find("record broken at seq " + std::to_string(seq) + ":"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(why), std::string::npos) << r.out;
  }

  deconflict::testing::ScratchDir dir_{"record-cli"};
  std::string key_;
};

TEST_F(RecordCli, AnUntouchedRecordVerifiesAgainstItsKeyAndSavedHead) {
  const Outcome r = run("record verify --db " + db() + " --key " + key_ + " --head " + path("head.json"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("record verified: 14 entries (0 redacted)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("consistent with the saved tree head"), std::string::npos) << r.out;
  // The signing key is readable by its owner only.
  EXPECT_EQ(fs::status(db() + ".key").permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

// The issue: a command run with an earlier clock (`--now`) wrote entries dated
// before the record's last one. Now an entry is never dated before the entry
// before it, and the verifier (which checks that) passes.
TEST_F(RecordCli, AClockSetBackDoesNotSendTheRecordBackInTime) {
  ASSERT_EQ(run("party add late --db " + db() + " --now 2000-01-01T00:00:00Z").status, 0);
  const Outcome r = run("record verify --db " + db());
  EXPECT_EQ(r.status, 0) << r.out;
  const Outcome last = run("record export --db " + db() + " | tail -1");
  EXPECT_EQ(last.out.find("2000-01-01"), std::string::npos) << last.out;
}

TEST_F(RecordCli, OneChangedByteIsNamed) {
  sql("UPDATE record SET data = replace(data, 'At Tanf garrison', 'At Tanf garrisom') WHERE seq = 3");
  expect_broken("", 3, "the hash does not match the entry's content");
}

// Regression: an entry's stored hash that is not hex was taken into the
// Merkle tree unchecked (whatever bytes an empty digest held), and the
// command went on to extend and sign the damaged record. Now opening the
// store fails, naming the entry, and writes nothing.
TEST_F(RecordCli, AStoredHashThatIsNotHexStopsTheOpening) {
  sql("UPDATE record SET hash = 'not a hash' WHERE seq = 3");
  const Outcome added = run("party add late --db " + db());
  EXPECT_NE(added.status, 0) << added.out;
  EXPECT_NE(added.out.find("entry 3 has a hash that is not 64 hex digits"), std::string::npos) << added.out;
  const Outcome head = run("record export --db " + db() + " | wc -l");
  EXPECT_EQ(head.out, "14\n") << head.out;
  expect_broken("", 3, "hash");
}

// The opening reserves room for the record's hashes from the last entry's
// number: a number damaged to 4e18 made it throw from the reservation
// ("internal error: vector::reserve"); it is refused as any gap is.
TEST_F(RecordCli, ALastEntryNumberedFarBeyondTheOthersIsRefusedWithoutAnInternalError) {
  sql("UPDATE record SET seq = 4000000000000000000 WHERE seq = (SELECT max(seq) FROM record)");
  const Outcome added = run("party add late --db " + db());
  EXPECT_NE(added.status, 0) << added.out;
  EXPECT_EQ(added.out.find("internal error"), std::string::npos) << added.out;
  EXPECT_NE(added.out.find("record"), std::string::npos) << added.out;
}

TEST_F(RecordCli, ADeletedEntryIsNamed) {
  sql("DELETE FROM record WHERE seq = 4");
  expect_broken("", 4, "entries are missing");
}

TEST_F(RecordCli, TwoReorderedEntriesAreNamed) {
  sql("UPDATE record SET seq = -1 WHERE seq = 5; UPDATE record SET seq = 5 WHERE seq = 6; "
      "UPDATE record SET seq = 6 WHERE seq = -1");
  expect_broken("", 5, "prev is not the hash of the entry before it");
}

TEST_F(RecordCli, AReplacedSignatureIsNamed) {
  sql("UPDATE record SET signature = (SELECT signature FROM record WHERE seq = 2) WHERE seq = 7");
  expect_broken("", 7, "the signature is not by the record's key");
}

TEST_F(RecordCli, ASwappedKeyIsDetected) {
  // The first entry rewritten to name another key: its hash no longer matches.
  sql("UPDATE record SET data = replace(data, substr(data, instr(data, 'public_key') + 13, 8), 'deadbeef') WHERE seq = "
      "1");
  expect_broken("", 1, "the hash does not match");
  // A whole record signed by another key is consistent in itself; a verifier
  // pinning the key it holds refuses it.
  ASSERT_EQ(run("party add coalition --db " + path("other.db")).status, 0);
  const Outcome pinned = run("record verify --db " + path("other.db") + " --key " + key_);
  EXPECT_EQ(pinned.status, 1) << pinned.out;
  EXPECT_NE(pinned.out.find("not with the trusted key"), std::string::npos) << pinned.out;
}

TEST_F(RecordCli, AKeyFileThatDoesNotSignTheRecordIsNamed) {
  ASSERT_EQ(run("party add other --db " + path("other.db")).status, 0);  // another store, another key
  ASSERT_EQ(run("record rotate-key --db " + path("other.db")).status, 0);
  fs::copy_file(path("other.db.key"), db() + ".key", fs::copy_options::overwrite_existing);
  expect_broken("", 14, "but the key file holds");
  const Outcome serve = run("serve --db " + db() + " --listen 127.0.0.1:0");
  EXPECT_EQ(serve.status, 4) << serve.out;  // the server refuses to sign with it
  EXPECT_NE(serve.out.find("does not hold the record's signing key"), std::string::npos) << serve.out;
}

TEST_F(RecordCli, ATruncatedTailIsNamedAgainstASavedHead) {
  sql("DELETE FROM record WHERE seq > 10");
  EXPECT_EQ(run("record verify --db " + db()).status, 0);  // a shorter chain is still a chain...
  expect_broken("--head " + path("head.json"), 11, "entries were removed from its tail");  // ...but not the one seen
}

TEST_F(RecordCli, AnExportVerifiesOfflineWithTheKeyAndFailsWhenEdited) {
  ASSERT_EQ(run("record export --db " + db() + " > " + path("record.ndjson")).status, 0);
  const Outcome ok = run("record verify --file " + path("record.ndjson") + " --key " + key_);
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_EQ(run("record verify --file " + path("record.ndjson")).status, 2);  // a file needs a key to trust
  std::string edited = slurp(path("record.ndjson"));
  edited.replace(edited.find("\"russia\""), 8, "\"rossia\"");
  std::ofstream(path("edited.ndjson")) << edited;
  const Outcome bad = run("record verify --file " + path("edited.ndjson") + " --key " + key_);
  EXPECT_EQ(bad.status, 1) << bad.out;
  EXPECT_NE(bad.out.find("the hash does not match"), std::string::npos) << bad.out;
}

TEST_F(RecordCli, ConsistencyAndInclusionProofsCheckOfflineAndForgeriesFail) {
  ASSERT_EQ(run("party add icrc --db " + db()).status, 0);
  ASSERT_EQ(run("record consistency 14 --db " + db() + " > " + path("consistency.json")).status, 0);
  Outcome r = run("record verify-proof " + path("consistency.json") + " --key " + key_);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("the record of 14 entries is a prefix of the record of 15"), std::string::npos) << r.out;
  ASSERT_EQ(run("record inclusion 9 --db " + db() + " > " + path("inclusion.json")).status, 0);
  r = run("record verify-proof " + path("inclusion.json") + " --key " + key_);
  EXPECT_EQ(r.status, 0) << r.out;
  // A forged inclusion: the entry claims another party acted.
  std::string forged = slurp(path("inclusion.json"));
  const size_t at = forged.find("\"party\": \"");
  ASSERT_NE(at, std::string::npos);
  forged.replace(at, 10, "\"party\": \"x");
  std::ofstream(path("forged.json")) << forged;
  r = run("record verify-proof " + path("forged.json") + " --key " + key_);
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("proof fails"), std::string::npos) << r.out;
}

}  // namespace
