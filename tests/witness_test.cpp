// Checkpoints and witnesses against the real server (issue 16, DESIGN §7): a
// party's `record watch` verifies and cosigns C2SP checkpoints, Go's
// sumdb/note and sumdb/tlog verify them independently, and two copies of one
// store that diverge (the split view of issue 16) are named by the watch.
#include <filesystem>
#include <fstream>

#include "record/crypto.hpp"
#include "server_fixture.hpp"

namespace deconflict::testing {
namespace {

class Witness : public Server {
 protected:
  std::string url(uint16_t port) const { return "http://127.0.0.1:" + std::to_string(port); }
  Outcome watch(uint16_t port, const std::string& party, const std::string& extra = "") {
    return run_status(std::string(DECONFLICT_BIN) + " record watch --url " + url(port) + " --token " +
                      token(party.c_str()) + " --key " + record_key_ + " --state " +
                      (dir_.path() / (party + ".state")).string() + extra);
  }
  // The Go peer (tests/independent/checkpoint_peer.go) on its arguments.
  Outcome go_peer(const std::string& args) {
    return run_status("cd " + std::string(DECONFLICT_SOURCE_DIR) +
                      "/tests/independent && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS=-mod=mod GOCACHE=" +
                      (dir_.path() / "gocache").string() + " go run checkpoint_peer.go " + args);
  }
  std::string record_key_;
};

TEST_F(Witness, APartyCosignsCheckpointsThatGoVerifiesIndependently) {
  Client c(port_);
  const record::SigningKey mine = record::SigningKey::generate();
  const std::string key_file = (dir_.path() / "coalition.key").string();
  ASSERT_TRUE(mine.save(key_file).ok());
  ASSERT_EQ(c.send(http::verb::post, "/v1/keys", token("coalition"),
                   R"({"public_key":")" + mine.public_hex() + R"(","name":"monitor"})")
                .status,
            201);
  const Reply key = c.send(http::verb::get, "/v1/record/key", token("coalition"));
  record_key_ = key.body["public_key"];
  const std::string vkey = key.body["note_verifier"];
  EXPECT_EQ(vkey.rfind(key.body["origin"].get<std::string>() + "+", 0), 0u) << vkey;

  Outcome w = watch(port_, "coalition", " --cosign-key " + key_file);
  ASSERT_EQ(w.status, 0) << w.out;
  EXPECT_NE(w.out.find("(the first seen); cosigned"), std::string::npos) << w.out;
  // The cosignature is itself on the record (which so grows by one): it is
  // served with the checkpoint of the size it cosigned.
  const int64_t size = std::stoll(w.out.substr(w.out.find("checkpoint ") + 11));
  Reply note = c.send(http::verb::get, "/v1/record/checkpoint?size=" + std::to_string(size), token("russia"));
  ASSERT_EQ(note.status, 200);
  EXPECT_NE(note.raw.body().find("\n\xE2\x80\x94 coalition "), std::string::npos) << note.raw.body();

  // Go's sumdb/note opens the checkpoint with the published verifier key,
  // sumdb/tlog checks an entry's inclusion under its root, and Go's ed25519
  // checks the coalition's cosignature.
  const std::string text = note.raw.body();
  const Reply inclusion =
      c.send(http::verb::get, "/v1/record/inclusion?seq=2&size=" + std::to_string(size), token("coalition"));
  ASSERT_EQ(inclusion.status, 200) << inclusion.raw.body();
  std::string path;
  for (const auto& h : inclusion.body["path"]) path += (path.empty() ? "" : ",") + h.get<std::string>();
  const std::string file = (dir_.path() / "checkpoint.txt").string();
  std::ofstream(file) << text;
  const Outcome go = go_peer("'" + vkey + "' " + file + " " + inclusion.body["entry"]["hash"].get<std::string>() +
                             " 2 '" + path + "' coalition " + mine.public_hex());
  EXPECT_EQ(go.status, 0) << go.out;
  EXPECT_NE(go.out.find("ok: "), std::string::npos) << go.out;
  EXPECT_NE(go.out.find("cosigned by coalition"), std::string::npos) << go.out;
  // A note edited by one byte fails there too.
  std::string edited = text;
  edited[edited.find('\n') + 1] = edited[edited.find('\n') + 1] == '9' ? '8' : '9';
  std::ofstream(file) << edited;
  EXPECT_EQ(go_peer("'" + vkey + "' " + file + " 00 1 ''").status, 1);

  // The record grows; the next watch checks it is an extension, and cosigns.
  ASSERT_EQ(c.send(http::verb::post, "/v1/messages", token("russia"), R"({"to":"coalition","text":"hello"})").status,
            201);
  w = watch(port_, "coalition", " --cosign-key " + key_file);
  ASSERT_EQ(w.status, 0) << w.out;
  EXPECT_NE(w.out.find("consistent with " + std::to_string(size)), std::string::npos) << w.out;
  // A cosignature of a checkpoint this record never signed is refused.
  std::string forged = c.send(http::verb::get, "/v1/record/checkpoint", token("coalition")).raw.body();
  forged.replace(forged.find('\n') + 1, 1, "1");
  EXPECT_EQ(c.send(http::verb::post, "/v1/record/cosignature", token("coalition"), forged).status, 400);
  // Nor does a party cosign with a key that is not its own.
  const Reply stranger = c.send(http::verb::post, "/v1/record/cosignature", token("russia"), text);
  EXPECT_EQ(stranger.status, 401) << stranger.raw.body();
}

// Issue 16's second forgery: the operator serves two parties from two copies
// of one store, each with its own history under the same key. The party
// whose monitor saw one history names the other as a split view.
TEST_F(Witness, TwoCopiesOfOneStoreAreASplitViewTheWatchNames) {
  if (on_postgres()) GTEST_SKIP() << "copies a SQLite store file";
  Client c(port_);
  record_key_ = c.send(http::verb::get, "/v1/record/key", token("coalition")).body["public_key"];
  ASSERT_EQ(watch(port_, "coalition").status, 0);
  ASSERT_EQ(stop(), 0);
  const std::string copy = (dir_.path() / "copy.db").string();
  std::filesystem::copy_file(db_, copy);

  start();
  const auto other = launch(std::string(DECONFLICT_BIN), {"serve", "--db", copy, "--key-file", key_, "--listen",
                                                          "127.0.0.1:0", "--simulated-clock", "2018-09-01T00:00:00Z"});
  ASSERT_NE(other.port, 0);
  Client a(port_), b(other.port);
  ASSERT_EQ(a.send(http::verb::post, "/v1/messages", token("russia"), R"({"to":"coalition","text":"A"})").status, 201);
  ASSERT_EQ(b.send(http::verb::post, "/v1/messages", token("russia"), R"({"to":"coalition","text":"B"})").status, 201);
  const Outcome seen_a = watch(port_, "coalition");
  EXPECT_EQ(seen_a.status, 0) << seen_a.out;
  const Outcome seen_b = watch(other.port, "coalition");
  ::kill(other.pid, SIGKILL);
  ::waitpid(other.pid, nullptr, 0);
  EXPECT_EQ(seen_b.status, 1) << seen_b.out;
  EXPECT_NE(seen_b.out.find("split view: two checkpoints of one size with different roots"), std::string::npos)
      << seen_b.out;
}

}  // namespace
}  // namespace deconflict::testing
