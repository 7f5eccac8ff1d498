#include "record/proofs.hpp"

#include "deconflict/time.hpp"
#include "record/chain.hpp"
#include "record/checkpoint.hpp"
#include "record/entry.hpp"
#include "record/http_signature.hpp"
#include "record/merkle.hpp"

namespace deconflict::record {
namespace {

using json = nlohmann::json;

json hex_list(const std::vector<std::string>& v) { return json(v); }

Result<std::vector<Digest>> digests(const std::vector<std::string>& hex) {
  std::vector<Digest> out;
  for (const std::string& h : hex) {
    auto d = digest_from_hex(h);
    if (!d) return make_error(ErrorCode::invalid_input, "'" + h + "' is not a SHA-256 in hex", "path");
    out.push_back(*d);
  }
  return out;
}

template <typename F>
auto guarded(F&& read) -> decltype(read()) {
  try {
    return read();
  } catch (const json::exception& e) {
    return make_error(ErrorCode::invalid_input, std::string("not a proof: ") + e.what());
  }
}

}  // namespace

json to_json(const TreeHead& h) {
  return {
      {"size", h.size}, {"root", h.root}, {"time", format_rfc3339(h.time)}, {"key", h.key}, {"signature", h.signature}};
}

json to_json(const InclusionProof& p) {
  return {{"type", "inclusion"},
          {"entry", to_json(p.entry)},
          {"signer", p.signer},
          {"path", hex_list(p.path)},
          {"head", to_json(p.head)}};
}

json to_json(const ConsistencyProof& p) {
  return {{"type", "consistency"}, {"from", to_json(p.from)}, {"to", to_json(p.to)}, {"path", hex_list(p.path)}};
}

json to_json(const NoticeProof& p) {
  json entries = json::array();
  for (const InclusionProof& e : p.entries) entries.push_back(to_json(e));
  json keys = json::array();
  for (const InclusionProof& e : p.keys) keys.push_back(to_json(e));
  return {{"type", "notice"}, {"notice", p.notice},           {"entries", entries},
          {"keys", keys},     {"checkpoints", p.checkpoints}, {"consistency", p.consistency}};
}

Result<TreeHead> head_from_json(const json& j) {
  return guarded([&]() -> Result<TreeHead> {
    auto t = parse_rfc3339(j.at("time").get<std::string>());
    if (!t) return make_error(ErrorCode::invalid_input, t.error().message, "time");
    return TreeHead{j.at("size").get<int64_t>(), j.at("root").get<std::string>(), *t, j.at("key").get<std::string>(),
                    j.at("signature").get<std::string>()};
  });
}

Result<InclusionProof> inclusion_from_json(const json& j) {
  return guarded([&]() -> Result<InclusionProof> {
    auto entry = entry_from_json(j.at("entry"));
    if (!entry) return entry.error();
    auto head = head_from_json(j.at("head"));
    if (!head) return head.error();
    return InclusionProof{*entry, j.at("signer").get<std::string>(), j.at("path").get<std::vector<std::string>>(),
                          *head};
  });
}

Result<ConsistencyProof> consistency_from_json(const json& j) {
  return guarded([&]() -> Result<ConsistencyProof> {
    auto from = head_from_json(j.at("from"));
    if (!from) return from.error();
    auto to = head_from_json(j.at("to"));
    if (!to) return to.error();
    return ConsistencyProof{*from, *to, j.at("path").get<std::vector<std::string>>()};
  });
}

Result<NoticeProof> notice_proof_from_json(const json& j) {
  return guarded([&]() -> Result<NoticeProof> {
    NoticeProof p{j.at("notice").get<std::string>(),
                  {},
                  {},
                  j.value("checkpoints", std::vector<std::string>()),
                  j.value("consistency", std::vector<std::string>())};
    for (const json& e : j.at("entries")) {
      auto inclusion = inclusion_from_json(e);
      if (!inclusion) return inclusion.error();
      p.entries.push_back(std::move(*inclusion));
    }
    for (const json& e : j.value("keys", json::array())) {
      auto inclusion = inclusion_from_json(e);
      if (!inclusion) return inclusion.error();
      p.keys.push_back(std::move(*inclusion));
    }
    return p;
  });
}

std::optional<std::string> check(const TreeHead& h, const std::string& trusted_key) {
  if (!trusted_key.empty() && h.key != trusted_key)
    return "the tree head is signed by " + h.key + ", not the trusted key";
  if (!head_signed(h)) return "the tree head's signature does not verify";
  if (h.size < 1) return "the tree head is empty";
  return std::nullopt;
}

std::optional<std::string> check(const InclusionProof& p, const std::string& trusted_key) {
  if (auto why = check(p.head, trusted_key)) return why;
  const std::string at = "entry " + std::to_string(p.entry.seq) + ": ";
  const auto hash = digest_from_hex(p.entry.hash);
  if (!hash) return at + "the hash is not 64 hex digits";
  if (!p.entry.redacted && entry_digest(p.entry) != *hash) return at + "the hash does not match the entry's content";
  if (!verify_signature(p.signer, *hash, p.entry.signature)) return at + "the signature does not verify";
  auto path = digests(p.path);
  auto root = digest_from_hex(p.head.root);
  if (!path || !root || p.entry.seq < 1 ||
      !verify_inclusion(leaf_hash(*hash), static_cast<size_t>(p.entry.seq - 1), static_cast<size_t>(p.head.size), *path,
                        *root)) {
    return at + "not included in the signed tree head of size " + std::to_string(p.head.size);
  }
  return std::nullopt;
}

std::optional<std::string> check(const ConsistencyProof& p, const std::string& trusted_key) {
  if (auto why = check(p.from, trusted_key)) return "from: " + *why;
  if (auto why = check(p.to, trusted_key)) return "to: " + *why;
  auto path = digests(p.path);
  auto a = digest_from_hex(p.from.root), b = digest_from_hex(p.to.root);
  if (!path || !a || !b ||
      !verify_consistency(static_cast<size_t>(p.from.size), static_cast<size_t>(p.to.size), *a, *b, *path)) {
    return "the record of " + std::to_string(p.from.size) + " entries is not a prefix of the record of " +
           std::to_string(p.to.size);
  }
  return std::nullopt;
}

// The answers of a notice proof are its notified party's acts: each must be
// signed by a key of that party in force (the proof's key entries, taken in
// the record's order up to the answer), unless `accept_unsigned`.
std::optional<std::string> check_answers(const NoticeProof& p, bool accept_unsigned) {
  PartyKeyBook book;
  size_t k = 0;
  for (const InclusionProof& e : p.entries) {
    for (; k < p.keys.size() && p.keys[k].entry.seq < e.entry.seq; ++k) {
      book.take(p.keys[k].entry, json::parse(p.keys[k].entry.data));
    }
    if (!is_party_act(e.entry.action)) continue;
    const std::string at = "entry " + std::to_string(e.entry.seq) + ": ";
    if (auto why = act_unproved(e.entry, json::parse(e.entry.data), book)) return at + *why;
    if (e.entry.statement.empty() && !accept_unsigned) {
      return at + e.entry.action + " by " + e.entry.party + " is not signed by " + e.entry.party +
             ": it rests on the server's word alone (--accept-unsigned accepts that)";
    }
  }
  return std::nullopt;
}

// The proof's checkpoints are the log's statements of the head the entries
// are under (and of a later size, consistent with it); each of the notice's
// two parties cosigned one of them with a key the proof's key entries give it
// (unless `accept_unsigned`).
std::optional<std::string> check_witnessed(const NoticeProof& p, bool accept_unsigned) {
  const TreeHead& head = p.entries[0].head;
  if (p.checkpoints.empty() || p.checkpoints.size() > 2) return std::string("the proof holds no checkpoint");
  std::vector<Checkpoint> cps;
  for (const std::string& note : p.checkpoints) {
    auto c = parse_checkpoint(note);
    if (!c) return c.error().message;
    if (!verify_note(*c, c->origin, head.key)) return std::string("a checkpoint is not signed by the head's key");
    cps.push_back(std::move(*c));
  }
  if (cps[0].size != head.size || to_hex(cps[0].root) != head.root) {
    return std::string("the checkpoint is not of the entries' tree head");
  }
  if (cps.size() == 2) {
    auto path = digests(p.consistency);
    if (cps[1].origin != cps[0].origin || !path ||
        !verify_consistency(static_cast<size_t>(cps[0].size), static_cast<size_t>(cps[1].size), cps[0].root,
                            cps[1].root, *path)) {
      return std::string("the second checkpoint is not consistent with the first");
    }
  }
  const json notice = json::parse(p.entries[0].entry.data)["notice"];
  PartyKeyBook book;  // the parties' keys, as the proof's key entries leave them
  for (const InclusionProof& k : p.keys) book.take(k.entry, json::parse(k.entry.data));
  for (const std::string& party : {notice.value("from", std::string()), notice.value("to", std::string())}) {
    bool cosigned = false;
    for (const Checkpoint& c : cps) {
      for (const PartyKey& key : book.keys_of(party)) {
        cosigned = cosigned || verify_cosignature(c, party, key.public_key).has_value();
      }
    }
    if (!cosigned && !accept_unsigned) {
      return "no checkpoint of the proof is cosigned by " + party +
             ": the log's word alone (--accept-unsigned accepts that)";
    }
  }
  return std::nullopt;
}

std::optional<std::string> check(const NoticeProof& p, const std::string& trusted_key, bool accept_unsigned) {
  if (p.entries.empty()) return "the proof holds no entries";
  for (size_t i = 0; i < p.keys.size(); ++i) {
    const InclusionProof& e = p.keys[i];
    if (auto why = check(e, trusted_key)) return "key " + *why;
    if (e.head.root != p.entries[0].head.root || e.head.size != p.entries[0].head.size) {
      return "the key entries are not under the entries' tree head";
    }
    if (e.entry.redacted || (e.entry.action != "party.key.add" && e.entry.action != "party.key.revoke")) {
      return "key entry " + std::to_string(e.entry.seq) + " is not a party's key entry";
    }
    if (i > 0 && e.entry.seq <= p.keys[i - 1].entry.seq) return "the key entries are not in the record's order";
  }
  for (size_t i = 0; i < p.entries.size(); ++i) {
    const InclusionProof& e = p.entries[i];
    if (auto why = check(e, trusted_key)) return why;
    if (e.head.root != p.entries[0].head.root || e.head.size != p.entries[0].head.size) {
      return "the entries are not under one tree head";
    }
    if (e.entry.redacted) return "entry " + std::to_string(e.entry.seq) + " is redacted";
    const json data = json::parse(e.entry.data);
    if (!data.contains("notice") || !data["notice"].is_object() || data["notice"].value("id", "") != p.notice) {
      return "entry " + std::to_string(e.entry.seq) + " is not about notice " + p.notice;
    }
    if (i == 0 && e.entry.action != "notice.send") return "the first entry does not send the notice";
    if (i > 0 && e.entry.seq <= p.entries[i - 1].entry.seq) return "the entries are not in the record's order";
  }
  if (auto why = check_answers(p, accept_unsigned)) return why;
  return check_witnessed(p, accept_unsigned);
}

}  // namespace deconflict::record
