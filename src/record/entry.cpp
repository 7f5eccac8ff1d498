#include "record/entry.hpp"

#include <algorithm>

#include "deconflict/time.hpp"
#include "record/audience.hpp"
#include "record/canonical.hpp"
#include "record/http_signature.hpp"

namespace deconflict::record {
namespace {

using json = nlohmann::json;

// A JSON string as canonical JSON writes it.
std::string quoted(const std::string& s) { return *canonical(json(s)); }

Broken broken(int64_t seq, std::string why) { return {seq, std::move(why)}; }

// The party's signed request, a member only of the entries that have one
// (between seq and signature, subject in canonical order).
std::string statement_member(const RecordEntry& e) {
  return e.statement.empty() ? std::string() : ",\"statement\":" + e.statement;
}

json proof_json(const AudienceProof& p) {
  return {{"commitments", p.commitments}, {"party", p.party}, {"salt", p.salt}};
}

// The audience's served members beside the hashed one: its secrets (for the
// operator and auditors) and a reader's opening, in canonical order.
std::string audience_members(const RecordEntry& e) {
  std::string out;
  if (!e.audience_parties.empty()) out += ",\"audience_parties\":" + quoted(e.audience_parties);
  if (!e.audience_proof.empty()) out += ",\"audience_proof\":" + *canonical(proof_json(e.audience_proof));
  if (!e.audience_seed.empty()) out += ",\"audience_seed\":" + quoted(e.audience_seed);
  return out;
}

Result<AudienceProof> proof_from_json(const json& j) {
  AudienceProof p;
  p.party = j.at("party").get<std::string>();
  p.salt = j.at("salt").get<std::string>();
  p.commitments = j.at("commitments").get<std::vector<std::string>>();
  if (p.party.empty()) return make_error(ErrorCode::invalid_input, "an audience proof names its party");
  return p;
}

}  // namespace

std::string hashed_text(const RecordEntry& e) {
  // The members in canonical order, written out: data is canonical already.
  return "{\"action\":" + quoted(e.action) + ",\"audience\":" + quoted(e.audience) + ",\"data\":" + e.data +
         ",\"party\":" + quoted(e.party) + ",\"prev\":" + quoted(e.prev) + ",\"seq\":" + std::to_string(e.seq) +
         statement_member(e) + ",\"subject\":" + quoted(e.subject) + ",\"time\":" + quoted(format_rfc3339(e.time)) +
         "}";
}

Digest entry_digest(const RecordEntry& e) { return sha256(hashed_text(e)); }

std::string entry_text(const RecordEntry& e) {
  const std::string tail = ",\"prev\":" + quoted(e.prev) + (e.redacted ? ",\"redacted\":true" : "") +
                           ",\"seq\":" + std::to_string(e.seq) + ",\"signature\":" + quoted(e.signature);
  if (e.redacted) return "{\"hash\":" + quoted(e.hash) + tail + "}";
  return "{\"action\":" + quoted(e.action) + ",\"audience\":" + quoted(e.audience) + audience_members(e) +
         ",\"data\":" + e.data + ",\"hash\":" + quoted(e.hash) + ",\"party\":" + quoted(e.party) + tail +
         statement_member(e) + ",\"subject\":" + quoted(e.subject) + ",\"time\":" + quoted(format_rfc3339(e.time)) +
         "}";
}

json to_json(const RecordEntry& e) {
  json j;
  j["seq"] = e.seq;
  if (e.redacted) {
    j["redacted"] = true;
  } else {
    j["time"] = format_rfc3339(e.time);
    j["party"] = e.party;
    j["action"] = e.action;
    j["subject"] = e.subject;
    j["audience"] = e.audience;
    if (!e.audience_parties.empty()) j["audience_parties"] = e.audience_parties;
    if (!e.audience_proof.empty()) j["audience_proof"] = proof_json(e.audience_proof);
    if (!e.audience_seed.empty()) j["audience_seed"] = e.audience_seed;
    j["data"] = json::parse(e.data);
    if (!e.statement.empty()) j["statement"] = json::parse(e.statement);
  }
  j["prev"] = e.prev;
  j["hash"] = e.hash;
  j["signature"] = e.signature;
  return j;
}

Result<RecordEntry> entry_from_json(const json& j) {
  if (!j.is_object()) return make_error(ErrorCode::invalid_input, "an entry is a JSON object");
  RecordEntry e;
  try {
    e.seq = j.at("seq").get<int64_t>();
    e.prev = j.at("prev").get<std::string>();
    e.hash = j.at("hash").get<std::string>();
    e.signature = j.at("signature").get<std::string>();
    e.redacted = j.value("redacted", false);
    if (!e.redacted) {
      auto t = parse_rfc3339(j.at("time").get<std::string>());
      if (!t) return make_error(ErrorCode::invalid_input, t.error().message, "time");
      e.time = *t;
      e.party = j.at("party").get<std::string>();
      e.action = j.at("action").get<std::string>();
      e.subject = j.at("subject").get<std::string>();
      e.audience = j.at("audience").get<std::string>();
      e.audience_parties = j.value("audience_parties", "");
      e.audience_seed = j.value("audience_seed", "");
      if (j.contains("audience_proof")) {
        auto proof = proof_from_json(j.at("audience_proof"));
        if (!proof) return proof.error();
        e.audience_proof = std::move(*proof);
      }
      auto data = canonical(j.at("data"));
      if (!data) return data.error();
      e.data = std::move(*data);
      if (j.contains("statement")) {
        auto statement = canonical(j.at("statement"));
        if (!statement) return statement.error();
        e.statement = std::move(*statement);
      }
    }
  } catch (const json::exception& ex) {
    return make_error(ErrorCode::invalid_input, std::string("not a record entry: ") + ex.what());
  }
  return e;
}

bool in_audience(const RecordEntry& e, const std::string& party) {
  if (e.audience == "*") return true;
  const std::vector<std::string> parties = parties_of(e.audience_parties);
  return std::binary_search(parties.begin(), parties.end(), party);
}

void PartyKeyBook::take(const RecordEntry& e, const json& data) {
  if ((e.action != "party.key.add" && e.action != "party.key.revoke") || !data.is_object()) return;
  const std::string party = data.value("party", ""), key = data.value("public_key", "");
  if (e.action == "party.key.add") {
    keys_[party][key] = PartyKey{party, key, data.value("name", ""), e.time, e.seq};
    owners_[key] = party;
  } else {
    keys_[party].erase(key);
    owners_.erase(key);
  }
}

bool PartyKeyBook::has_keys(const std::string& party) const {
  const auto it = keys_.find(party);
  return it != keys_.end() && !it->second.empty();
}

std::vector<PartyKey> PartyKeyBook::keys_of(const std::string& party) const {
  std::vector<PartyKey> out;
  if (const auto it = keys_.find(party); it != keys_.end()) {
    for (const auto& [hex, key] : it->second) out.push_back(key);
  }
  return out;
}

bool PartyKeyBook::holds(const std::string& party, const std::string& key) const {
  const auto owned = owner(key);
  return owned && *owned == party;
}

std::optional<std::string> PartyKeyBook::owner(const std::string& public_key) const {
  const auto it = owners_.find(public_key);
  if (it == owners_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> act_unproved(const RecordEntry& e, const json& data, const PartyKeyBook& book,
                                        Statement* read) {
  if (e.statement.empty()) {
    if (!book.has_keys(e.party)) return std::nullopt;
    return e.action + " by " + e.party + " is not signed by " + e.party +
           ", which has registered keys: the party did not make this request";
  }
  auto s = statement_from_json(e.statement);
  if (!s) return "its signed request is malformed: " + s.error().message;
  if (!book.holds(e.party, s->key)) {
    return "it is signed by key " + s->key.substr(0, 16) + "..., not a key of " + e.party + " in force";
  }
  if (Status ok = verify_statement(*s); !ok) return ok.error().message;
  const auto act = act_of(s->method, s->target_uri);
  const std::string subject =
      act_subject(e.action, e.subject, data.is_object() ? data.value("public_key", "") : std::string());
  if (!act || act->action != e.action || (!act->subject.empty() && act->subject != subject)) {
    return "its signed request (" + s->method + " " + s->target_uri + ") is not a request to " + e.action + " " +
           subject;
  }
  if (read) *read = std::move(*s);
  return std::nullopt;
}

std::optional<Broken> ChainVerifier::check_act(const RecordEntry& e, const json& data) {
  if (!is_party_act(e.action)) return std::nullopt;
  ++acts_;
  Statement s;
  if (auto why = act_unproved(e, data, party_keys_, &s)) return broken(e.seq, *why);
  if (e.statement.empty()) return std::nullopt;
  ++signed_acts_;
  if (!nonces_.insert(s.key + " " + s.nonce).second) {
    return broken(e.seq, "its signed request repeats nonce " + s.nonce + " of an earlier act (a replay)");
  }
  return std::nullopt;
}

namespace {

// The audience's openings an entry carries must open its hashed commitment:
// a reader's own proof, or the secrets an auditor is given.
std::optional<std::string> audience_unproved(const RecordEntry& e) {
  if (!e.audience_proof.empty()) {
    if (auto why = audience_proof_fails(e.audience, e.audience_proof)) return why;
  }
  if (!e.audience_parties.empty() && audience_digest(e.audience_parties, e.audience_seed) != e.audience) {
    return "its audience's parties and seed do not give its audience";
  }
  return std::nullopt;
}

}  // namespace

std::optional<Broken> ChainVerifier::add(const RecordEntry& e) {
  const int64_t expected = seq_ + 1;
  if (e.seq != expected) {
    return broken(expected,
                  "expected seq " + std::to_string(expected) + ", found " + std::to_string(e.seq) +
                      (e.seq > expected ? " (entries are missing)" : " (entries are out of order or repeated)"));
  }
  if (e.prev != hash_) return broken(e.seq, "prev is not the hash of the entry before it");
  const auto digest = digest_from_hex(e.hash);
  if (!digest) return broken(e.seq, "the hash is not 64 hex digits");
  json data;
  if (!e.redacted) {
    data = json::parse(e.data, nullptr, false);
    auto again = data.is_discarded() ? Result<std::string>(make_error(ErrorCode::invalid_input, "")) : canonical(data);
    if (!again || *again != e.data) return broken(e.seq, "the data is not canonical JSON");
    if (entry_digest(e) != *digest) return broken(e.seq, "the hash does not match the entry's content");
    if (auto why = audience_unproved(e)) return broken(e.seq, *why);
    if (e.time < time_) {
      return broken(e.seq, "its time " + format_rfc3339(e.time) + " is before the entry before it (" +
                               format_rfc3339(time_) + "): the record's times never go back");
    }
  } else {
    ++redacted_;
  }
  if (e.seq == 1) {
    if (e.redacted || e.action != "record.start" || !data.contains("public_key") || !data["public_key"].is_string()) {
      return broken(1, "the record does not start with a record.start entry naming its key");
    }
    if (data.value("format", 0) != kRecordFormat) {
      return broken(1, "the record is in format " + std::to_string(data.value("format", 1)) + ", not " +
                           std::to_string(kRecordFormat) +
                           " (format 2 told each reader of an entry who else may read it)");
    }
    key_ = first_key_ = data["public_key"].get<std::string>();
  }
  if (!verify_signature(key_, *digest, e.signature)) {
    return broken(e.seq, "the signature is not by the record's key " + key_.substr(0, 16) + "...");
  }
  if (!e.redacted) {
    if (auto b = check_act(e, data)) return b;
    if (auto b = check_own_key(e, data)) return b;
    party_keys_.take(e, data);
  }
  if (!e.redacted && e.action == "key.rotate") {
    if (!data.contains("public_key") || !data["public_key"].is_string())
      return broken(e.seq, "key.rotate names no key");
    key_ = data["public_key"].get<std::string>();
  }
  seq_ = e.seq;
  hash_ = e.hash;
  if (!e.redacted) time_ = e.time;
  return std::nullopt;
}

void ChainVerifier::expect_own_keys(std::string party, std::set<std::string> keys) {
  own_party_ = std::move(party);
  own_keys_ = std::move(keys);
}

// A key registered in the party's name that the party does not hold: whoever
// holds it (the operator, who could register it with the party's token) signs
// acts the record would prove to be the party's.
std::optional<Broken> ChainVerifier::check_own_key(const RecordEntry& e, const json& data) const {
  if (own_party_.empty() || e.action != "party.key.add" || !data.is_object()) return std::nullopt;
  if (data.value("party", "") != own_party_) return std::nullopt;
  const std::string key = data.value("public_key", "");
  if (own_keys_.count(key)) return std::nullopt;
  return broken(e.seq, "party.key.add registers key " + key + " (\"" + data.value("name", "") + "\") for " +
                           own_party_ + ", which is not one of the keys " + own_party_ +
                           " holds (--own-keys): the acts it signs are not " + own_party_ + "'s");
}

std::optional<Broken> ChainVerifier::finish(const std::string& trusted_key) const {
  if (seq_ == 0) return broken(1, "the record is empty");
  // The trusted key must be the one the record starts with: a record rewritten
  // under another key and then rotated to the trusted one is not vouched for
  // by it (its first entries are not signed by it).
  if (!trusted_key.empty() && trusted_key != first_key_) {
    return broken(1, "the record starts with key " + first_key_ + ", not with the trusted key " + trusted_key +
                         (trusted_key == key_ ? " (which it rotates to later)" : ""));
  }
  return std::nullopt;
}

}  // namespace deconflict::record
