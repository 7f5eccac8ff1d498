#include "record/chain.hpp"

#include "deconflict/time.hpp"
#include "record/audience.hpp"
#include "record/canonical.hpp"
#include "record/entry.hpp"

namespace deconflict::record {

RecordEntry Chain::next(const RecordEntry* after, TimePoint time, std::string party, std::string action,
                        const nlohmann::ordered_json& data, std::string subject, std::string audience,
                        std::string statement) const {
  RecordEntry e;
  e.seq = after ? after->seq + 1 : size() + 1;
  e.prev = after ? after->hash : head_hash_;
  e.time = time;
  e.party = std::move(party);
  e.action = std::move(action);
  e.data = canonical(data).value();  // the service writes only finite numbers
  e.subject = std::move(subject);
  const CommittedAudience committed = commit_audience(audience);
  e.audience = committed.digest;
  e.audience_parties = committed.parties;
  e.audience_seed = committed.seed;
  e.statement = std::move(statement);
  const Digest d = entry_digest(e);
  e.hash = to_hex(d);
  e.signature = key_.sign(d);
  return e;
}

void Chain::accept(const std::vector<RecordEntry>& entries) {
  for (const RecordEntry& e : entries) {
    note_key(e);
    (void)append_hash(e.hash);  // made by next(): always a digest's hex
  }
}

void Chain::note_key(const RecordEntry& e) {
  if (e.action != "record.start" && e.action != "key.rotate") return;
  const auto data = nlohmann::json::parse(e.data);
  keys_from_[e.action == "record.start" ? e.seq : e.seq + 1] = data.at("public_key").get<std::string>();
}

bool Chain::append_hash(std::string_view hash_hex) {
  const auto digest = digest_from_hex(hash_hex);
  if (!digest) return false;
  tree_.append(*digest);
  head_hash_ = hash_hex;
  return true;
}

void Chain::append_hashes(std::vector<Digest> hashes, std::string_view last_hex, unsigned threads) {
  if (hashes.empty()) return;
  tree_.append_all(std::move(hashes), threads);
  head_hash_ = last_hex;
}

const std::string& Chain::current_key() const {
  return keys_from_.empty() ? key_.public_hex() : keys_from_.rbegin()->second;
}

const std::string& Chain::signer_of(int64_t seq) const {
  auto it = keys_from_.upper_bound(seq);
  if (it == keys_from_.begin()) return key_.public_hex();
  return std::prev(it)->second;
}

std::string head_message(const TreeHead& h) {
  return canonical(nlohmann::json{{"key", h.key}, {"root", h.root}, {"size", h.size}, {"time", format_rfc3339(h.time)}})
      .value();
}

bool head_signed(const TreeHead& h) { return verify_signature(h.key, head_message(h), h.signature); }

TreeHead Chain::head(int64_t size, TimePoint time) const {
  TreeHead h{size, to_hex(tree_.root(static_cast<size_t>(size))), time, key_.public_hex(), ""};
  h.signature = key_.sign(head_message(h));
  return h;
}

}  // namespace deconflict::record
