// Signed acts against the real server (issue 16, DESIGN §7): a party's keys,
// RFC 9421 signatures of its acts, what the server refuses, what the record
// keeps, and the operator's forgery that the victim's own verify names.
#include <chrono>
#include <fstream>

#include "record/chain.hpp"
#include "record/crypto.hpp"
#include "record/entry.hpp"
#include "record/http_signature.hpp"
#include "server_fixture.hpp"

namespace deconflict::testing {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The fields that sign `method target body` as the test client sends it (Host 127.0.0.1).
Headers signed_by(const record::SigningKey& key, const char* method, const std::string& target, const std::string& body,
                  int64_t created = unix_now(), const std::string& nonce = record::random_hex(16)) {
  const auto h = record::sign_request(method, "http://127.0.0.1" + target, body, key, created, nonce);
  return {{"Content-Digest", h.content_digest}, {"Signature-Input", h.signature_input}, {"Signature", h.signature}};
}

class Signatures : public Server {
 protected:
  // Registers `key` as the coalition's first key (its token alone suffices).
  void register_key(Client& c, const record::SigningKey& key) {
    const Reply added = c.send(http::verb::post, "/v1/keys", token("coalition"),
                               R"({"public_key":")" + key.public_hex() + R"(","name":"duty officer"})");
    ASSERT_EQ(added.status, 201) << added.raw.body();
  }
  std::string verify_as(const std::string& party) {
    return " record verify --url http://127.0.0.1:" + std::to_string(port_) + " --token " + token(party.c_str());
  }
  record::SigningKey mine_ = record::SigningKey::generate();  // the coalition's key
};

TEST_F(Signatures, OnceAPartyHasKeysItsActsMustBeSignedRequestsOfThatVeryAct) {
  Client c(port_);
  register_key(c, mine_);
  const Reply listed = c.send(http::verb::get, "/v1/keys", token("coalition"));
  ASSERT_EQ(listed.body["keys"].size(), 1u);
  EXPECT_EQ(listed.body["keys"][0]["public_key"], mine_.public_hex());
  EXPECT_EQ(c.send(http::verb::get, "/v1/keys", token("russia")).body["keys"].size(), 0u);  // its own keys only

  const std::string z = zone("coalition.zone-at-tanf");
  // Unsigned: refused, and nothing stored.
  Reply r = c.send(http::verb::post, "/v1/zones", token("coalition"), z);
  EXPECT_EQ(r.status, 401) << r.raw.body();
  EXPECT_NE(r.raw.body().find("signature required"), std::string::npos) << r.raw.body();
  // Signed by a key that is not the coalition's.
  const record::SigningKey stranger = record::SigningKey::generate();
  r = c.send(http::verb::post, "/v1/zones", token("coalition"), z, signed_by(stranger, "POST", "/v1/zones", z));
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.raw.body().find("not a registered key of coalition"), std::string::npos) << r.raw.body();
  // A valid signature of another body (the digest names what was signed).
  r = c.send(http::verb::post, "/v1/zones", token("coalition"), z,
             signed_by(mine_, "POST", "/v1/zones", zone("coalition.other")));
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.raw.body().find("Content-Digest"), std::string::npos) << r.raw.body();
  // A signature of another act (a site, not a zone) does not sign this one.
  r = c.send(http::verb::post, "/v1/zones", token("coalition"), z, signed_by(mine_, "POST", "/v1/sites", z));
  EXPECT_EQ(r.status, 401) << r.raw.body();
  // Stale: created an hour ago.
  r = c.send(http::verb::post, "/v1/zones", token("coalition"), z,
             signed_by(mine_, "POST", "/v1/zones", z, unix_now() - 3600));
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.raw.body().find("from the server's clock"), std::string::npos) << r.raw.body();
  EXPECT_EQ(c.send(http::verb::get, "/v1/zones/coalition.zone-at-tanf", token("coalition")).status, 404);

  // Signed: stored, and the same request again is a replay.
  const Headers good = signed_by(mine_, "POST", "/v1/zones", z);
  r = c.send(http::verb::post, "/v1/zones", token("coalition"), z, good);
  ASSERT_EQ(r.status, 201) << r.raw.body();
  r = c.send(http::verb::post, "/v1/zones", token("coalition"), z, good);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.raw.body().find("replay"), std::string::npos) << r.raw.body();
  // Russia has no keys: its acts need none.
  EXPECT_EQ(c.send(http::verb::post, "/v1/zones/coalition.zone-at-tanf/accept", token("russia")).status, 200);

  // The record keeps the signed request in the act's entry, and every
  // party's verify checks it.
  const Reply record = c.send(http::verb::get, "/v1/record", token("coalition"));
  bool found = false;
  for (const auto& e : record.body["entries"]) {
    if (e.value("action", "") != "zone.create") continue;
    found = true;
    EXPECT_EQ(e["statement"]["method"], "POST");
    EXPECT_EQ(e["statement"]["body"], z);
    EXPECT_NE(e["statement"]["signature_params"].get<std::string>().find(mine_.public_hex()), std::string::npos);
  }
  EXPECT_TRUE(found);
  const Outcome verified = run_status(std::string(DECONFLICT_BIN) + verify_as("russia"));
  EXPECT_EQ(verified.status, 0) << verified.out;
  EXPECT_NE(verified.out.find("1 signed by their party"), std::string::npos) << verified.out;
}

// Opening a store takes in the nonces of the record's recent signed requests
// (through an index of the signed entries, past the unsigned ones after them):
// a signed request sent again after a restart is still a replay.
TEST_F(Signatures, ARequestReplayedAfterARestartIsStillRefused) {
  Client c(port_);
  register_key(c, mine_);
  const std::string m = R"({"to":"russia","text":"live fire from 7 September"})";
  const Headers sent = signed_by(mine_, "POST", "/v1/messages", m);
  ASSERT_EQ(c.send(http::verb::post, "/v1/messages", token("coalition"), m, sent).status, 201);
  for (int i = 0; i < 3; ++i) {  // unsigned acts of a party without keys, after the signed one
    const std::string reply = R"({"to":"coalition","text":"noted )" + std::to_string(i) + R"("})";
    ASSERT_EQ(c.send(http::verb::post, "/v1/messages", token("russia"), reply).status, 201);
  }
  ASSERT_EQ(stop(), 0);
  start(serve_args_);
  Client again(port_);
  const Reply replayed = again.send(http::verb::post, "/v1/messages", token("coalition"), m, sent);
  EXPECT_EQ(replayed.status, 401) << replayed.raw.body();
  EXPECT_NE(replayed.raw.body().find("replay"), std::string::npos) << replayed.raw.body();
  const Reply fresh =
      again.send(http::verb::post, "/v1/messages", token("coalition"), m, signed_by(mine_, "POST", "/v1/messages", m));
  EXPECT_EQ(fresh.status, 201) << fresh.raw.body();
  const Reply inbox = again.send(http::verb::get, "/v1/messages", token("russia"));
  size_t copies = 0;
  for (const auto& message : inbox.body["messages"])
    copies += message.value("text", "") == "live fire from 7 September";
  EXPECT_EQ(copies, 2u) << inbox.raw.body();
}

TEST_F(Signatures, AKeyIsAddedAndRevokedOnlyBySignedActsOnceThereIsOne) {
  Client c(port_);
  register_key(c, mine_);
  const record::SigningKey second = record::SigningKey::generate();
  const std::string body = R"({"public_key":")" + second.public_hex() + R"(","name":"laptop"})";
  EXPECT_EQ(c.send(http::verb::post, "/v1/keys", token("coalition"), body).status, 401);  // the token alone no longer
  Reply r = c.send(http::verb::post, "/v1/keys", token("coalition"), body, signed_by(mine_, "POST", "/v1/keys", body));
  ASSERT_EQ(r.status, 201) << r.raw.body();
  // The second key revokes the first; the first then signs nothing.
  const std::string target = "/v1/keys/" + mine_.public_hex();
  r = c.send(http::verb::delete_, target, token("coalition"), "", signed_by(second, "DELETE", target, ""));
  ASSERT_EQ(r.status, 200) << r.raw.body();
  const std::string msg = R"({"to":"russia","text":"hello"})";
  r = c.send(http::verb::post, "/v1/messages", token("coalition"), msg, signed_by(mine_, "POST", "/v1/messages", msg));
  EXPECT_EQ(r.status, 401) << r.raw.body();
  r = c.send(http::verb::post, "/v1/messages", token("coalition"), msg, signed_by(second, "POST", "/v1/messages", msg));
  EXPECT_EQ(r.status, 201) << r.raw.body();
  // Another party cannot revoke the coalition's key (the same answer as for none).
  const std::string other = "/v1/keys/" + second.public_hex();
  EXPECT_EQ(c.send(http::verb::delete_, other, token("russia")).status, 404);
  // Not a key: a clear error.
  const std::string bad = R"({"public_key":"00ff","name":"x"})";
  r = c.send(http::verb::post, "/v1/keys", token("un"), bad);
  EXPECT_EQ(r.status, 400) << r.raw.body();
  const Outcome verified = run_status(std::string(DECONFLICT_BIN) + verify_as("coalition"));
  EXPECT_EQ(verified.status, 0) << verified.out;
}

// Issue 16's first forgery: the operator, holding the store and the server's
// key file, appends an acknowledgement "by" the coalition that the coalition
// never made. Before signed acts the coalition's own verify passed it; now it
// names the entry.
TEST_F(Signatures, AnAcknowledgementForgedByTheOperatorIsNamedByTheVictimsVerify) {
  Client c(port_);
  register_key(c, mine_);
  ASSERT_EQ(c.send(http::verb::post, "/v1/zones", token("coalition"), zone("coalition.zone-at-tanf"),
                   signed_by(mine_, "POST", "/v1/zones", zone("coalition.zone-at-tanf")))
                .status,
            201);
  ASSERT_EQ(c.send(http::verb::post, "/v1/zones/coalition.zone-at-tanf/accept", token("russia")).status, 200);
  const Reply sent = c.send(http::verb::post, "/v1/activities", token("russia"), russia_entry());
  ASSERT_EQ(sent.status, 201) << sent.raw.body();
  const std::string notice = sent.body["notices"][0]["id"];
  const std::string key_hex = run(std::string(DECONFLICT_BIN) + " record verify" + store_args() +
                                  " | sed -n 's/.*signed by key \\([0-9a-f]*\\).*/\\1/p'");
  ASSERT_EQ(stop(), 0);

  // The operator's forgery: the store and the key file, nothing else.
  {
    auto store = store::open_store(db_);
    ASSERT_TRUE(store.ok()) << store.error().describe();
    auto server_key = record::SigningKey::load(key_, false);
    ASSERT_TRUE(server_key.ok());
    const int64_t head = *(*store)->record_head();
    const RecordEntry last = (*(*store)->load_record(head - 1, 1)).at(0);
    record::Chain chain(std::move(*server_key));
    store::WriteBatch batch;
    batch.record.push_back(chain.next(&last, last.time, "coalition", "notice.acknowledge",
                                      {{"notice", {{"id", notice}, {"state", "acknowledged"}}}}, notice,
                                      "russia coalition"));
    ASSERT_TRUE((*store)->write(batch).ok());
  }
  start();
  const Outcome verified = run_status(std::string(DECONFLICT_BIN) + verify_as("coalition") + " --key " + key_hex);
  EXPECT_EQ(verified.status, 1) << verified.out;
  EXPECT_NE(verified.out.find("notice.acknowledge by coalition is not signed by coalition"), std::string::npos)
      << verified.out;
  // The notice's proof, as Russia would present it, names the forgery too.
  Client again(port_);
  const Reply proof = again.send(http::verb::get, "/v1/notices/" + notice + "/proof", token("russia"));
  ASSERT_EQ(proof.status, 200) << proof.raw.body();
  const std::string file = (dir_.path() / "forged-proof.json").string();
  std::ofstream(file) << proof.raw.body();
  const Outcome checked =
      run_status(std::string(DECONFLICT_BIN) + " record verify-proof " + file + " --key " + key_hex);
  EXPECT_EQ(checked.status, 1) << checked.out;
  EXPECT_NE(checked.out.find("not signed by coalition"), std::string::npos) << checked.out;
}

// The issue: a party's first key needs only its token, and the operator holds
// the store and the record's key, so the operator could register a key in a
// party's name and sign "its" acts; the party's own verify passed them, as
// the key was in force. Now `record verify --own-keys` names every key
// registered in the party's name that the party does not hold.
TEST_F(Signatures, AKeyRegisteredInAPartysNameByAnotherIsNamedByItsOwnVerify) {
  Client c(port_);
  register_key(c, mine_);
  const std::string mine = mine_.public_hex();
  const std::string held = (dir_.path() / "mine.key").string();
  ASSERT_TRUE(mine_.save(held).ok());
  // Every key registered for the coalition is one it holds: the check passes,
  // given as a key file or as the public key.
  for (const std::string& own : {held, mine}) {
    const Outcome clean = run_status(std::string(DECONFLICT_BIN) + verify_as("coalition") + " --own-keys " + own);
    EXPECT_EQ(clean.status, 0) << clean.out;
    EXPECT_NE(clean.out.find("every key registered for your party is one you hold"), std::string::npos) << clean.out;
  }
  ASSERT_EQ(stop(), 0);

  // The UN has made a key but not registered it yet. The operator registers
  // one of its own in the UN's name (a first key needs no signature), with
  // the store and the record's key file.
  const record::SigningKey uns = record::SigningKey::generate(), planted = record::SigningKey::generate();
  int64_t planted_at = 0;
  {
    auto store = store::open_store(db_);
    ASSERT_TRUE(store.ok()) << store.error().describe();
    auto server_key = record::SigningKey::load(key_, false);
    ASSERT_TRUE(server_key.ok());
    planted_at = *(*store)->record_head() + 1;
    const RecordEntry last = (*(*store)->load_record(planted_at - 2, 1)).at(0);
    record::Chain chain(std::move(*server_key));
    store::WriteBatch batch;
    batch.record.push_back(chain.next(&last, last.time, "un", "party.key.add",
                                      {{"party", "un"}, {"public_key", planted.public_hex()}, {"name", "field office"}},
                                      "keys", "*"));
    ASSERT_TRUE((*store)->write(batch).ok());
  }
  start();
  // Without --own-keys the record verifies: the planted key is in force.
  EXPECT_EQ(run_status(std::string(DECONFLICT_BIN) + verify_as("un")).status, 0);
  const Outcome named = run_status(std::string(DECONFLICT_BIN) + verify_as("un") + " --own-keys " + uns.public_hex());
  EXPECT_EQ(named.status, 1) << named.out;
  EXPECT_NE(named.out.find("record broken at seq " + std::to_string(planted_at) + ": party.key.add registers key " +
                           planted.public_hex()),
            std::string::npos)
      << named.out;
  // Each party's check is about its own keys.
  EXPECT_EQ(run_status(std::string(DECONFLICT_BIN) + verify_as("coalition") + " --own-keys " + mine).status, 0);
  // Offline, from an export, the party is named with --party.
  const std::string exported = (dir_.path() / "export.ndjson").string();
  ASSERT_EQ(run_status(std::string(DECONFLICT_BIN) + " record export" + store_args() + " > " + exported).status, 0);
  const std::string key_hex = run(std::string(DECONFLICT_BIN) + " record verify" + store_args() +
                                  " | sed -n 's/.*signed by key \\([0-9a-f]*\\).*/\\1/p'");
  ASSERT_EQ(key_hex.size(), 64u);
  const Outcome offline = run_status(std::string(DECONFLICT_BIN) + " record verify --file " + exported + " --key " +
                                     key_hex + " --party un --own-keys " + uns.public_hex());
  EXPECT_EQ(offline.status, 1) << offline.out;
  EXPECT_NE(offline.out.find(planted.public_hex()), std::string::npos) << offline.out;
}

// A signed answer makes a notice proof that verifies offline with no word of
// the server's taken on trust for the answer.
TEST_F(Signatures, ASignedObjectionProvesItselfOffline) {
  Client c(port_);
  register_key(c, mine_);
  const std::string z = zone("coalition.zone-at-tanf");
  ASSERT_EQ(
      c.send(http::verb::post, "/v1/zones", token("coalition"), z, signed_by(mine_, "POST", "/v1/zones", z)).status,
      201);
  ASSERT_EQ(c.send(http::verb::post, "/v1/zones/coalition.zone-at-tanf/accept", token("russia")).status, 200);
  const Reply sent = c.send(http::verb::post, "/v1/activities", token("russia"), russia_entry());
  ASSERT_EQ(sent.status, 201) << sent.raw.body();
  const std::string notice = sent.body["notices"][0]["id"];
  const std::string target = "/v1/notices/" + notice + "/object", body = R"({"text":"remain clear"})";
  const Reply objected =
      c.send(http::verb::post, target, token("coalition"), body, signed_by(mine_, "POST", target, body));
  ASSERT_EQ(objected.status, 200) << objected.raw.body();
  const std::string key = c.send(http::verb::get, "/v1/record/key", token("russia")).body["public_key"];
  const std::string file = (dir_.path() / "proof.json").string();
  const auto verify_proof = [&](const std::string& text) {
    std::ofstream(file) << text;
    return run_status(std::string(DECONFLICT_BIN) + " record verify-proof " + file + " --key " + key);
  };
  // No party has cosigned a checkpoint yet: the proof rests on the log's word.
  Reply proof = c.send(http::verb::get, "/v1/notices/" + notice + "/proof", token("russia"));
  ASSERT_EQ(proof.status, 200);
  Outcome checked = verify_proof(proof.raw.body());
  EXPECT_EQ(checked.status, 1) << checked.out;
  EXPECT_NE(checked.out.find("is cosigned by russia"), std::string::npos) << checked.out;

  // Both parties watch the record and cosign its checkpoint (Russia with a
  // key of its own); the proof then carries that checkpoint, cosigned by both.
  const record::SigningKey theirs = record::SigningKey::generate();
  ASSERT_EQ(c.send(http::verb::post, "/v1/keys", token("russia"),
                   R"({"public_key":")" + theirs.public_hex() + R"(","name":"monitor"})")
                .status,
            201);
  for (const auto& [party, k] :
       {std::pair<std::string, const record::SigningKey*>{"russia", &theirs}, {"coalition", &mine_}}) {
    const std::string key_file = (dir_.path() / (party + ".key")).string();
    ASSERT_TRUE(k->save(key_file).ok());
    // Each watches the same size: the second cosignature is of the checkpoint the first saw.
    const Outcome w =
        run_status(std::string(DECONFLICT_BIN) + " record watch --url http://127.0.0.1:" + std::to_string(port_) +
                   " --token " + token(party.c_str()) + " --key " + key + " --state " +
                   (dir_.path() / (party + ".state")).string() + " --cosign-key " + key_file);
    ASSERT_EQ(w.status, 0) << w.out;
  }
  proof = c.send(http::verb::get, "/v1/notices/" + notice + "/proof", token("russia"));
  ASSERT_EQ(proof.status, 200);
  EXPECT_EQ(proof.body["keys"].size(), 2u);  // each party's key entry
  checked = verify_proof(proof.raw.body());
  EXPECT_EQ(checked.status, 0) << checked.out;
  // Leaving the key entry out of the proof does not make the answer pass as
  // one of a party without keys.
  nlohmann::json stripped = proof.body;
  stripped["keys"] = nlohmann::json::array();
  EXPECT_EQ(verify_proof(stripped.dump()).status, 1);
  // Nor does a checkpoint with a cosignature cut out.
  nlohmann::json uncosigned = proof.body;
  for (auto& note : uncosigned["checkpoints"]) {
    std::string text = note;
    if (const size_t at = text.find("\xE2\x80\x94 russia "); at != std::string::npos) {
      text.erase(at, text.find('\n', at) + 1 - at);
    }
    note = text;
  }
  EXPECT_EQ(verify_proof(uncosigned.dump()).status, 1);
}

}  // namespace
}  // namespace deconflict::testing
