// deconflict record verify | export | head | prove | inclusion | consistency |
// verify-proof | rotate-key: the record (docs/record.md), from the store
// (--db) or from a running server (--url with --token), and the offline
// checks of what they give.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/cli.hpp"
#include "cli/http_client.hpp"
#include "deconflict/time.hpp"
#include "format/json_text.hpp"
#include "record/entry.hpp"
#include "record/merkle.hpp"
#include "record/proofs.hpp"
#include "store/store.hpp"

namespace deconflict::cli {
namespace {

using json = nlohmann::json;
constexpr size_t kPage = 1000;

struct RecordArgs {
  StoreArgs store;
  std::string url, token, file, key, head, notice;
  int64_t seq = 0, size = 0, from = 0, to = 0;
  bool accept_unsigned = false;
  std::vector<std::string> own_keys;  // verify: public keys (hex) or key files the party holds
  std::string party;                  // verify: whose keys those are (default: the token's party)
};

// Where the record comes from: the store (read as an admin: nothing redacted)
// or a server (as the token's party: what it may not read comes redacted).
class Source {
 public:
  /// `raw`: read the store's rows as they are, without opening a service (which
  /// needs the signing key and refuses a record its key does not match).
  static Result<Source> open(const RecordArgs& a, bool raw = false) {
    Source s;
    if (!a.url.empty()) {
      if (a.token.empty()) return make_error(ErrorCode::usage, "--url needs --token", "--token");
      auto client = HttpClient::connect(a.url, a.token);
      if (!client) return client.error();
      s.client_ = std::move(*client);
      return s;
    }
    if (!store::is_postgres_url(a.store.db) && !std::filesystem::exists(a.store.db))
      return make_error(ErrorCode::io_error, "no store at '" + a.store.db + "'", "--db");
    if (raw) {
      auto store = store::open_store(a.store.db);
      if (!store) return store.error();
      s.store_ = std::move(*store);
      Options options;
      options.db_path = a.store.db;
      options.key_path = a.store.key_file;
      s.key_file_ = options.key_file();  // where a service on this store keeps its key
      return s;
    }
    auto service = open_service(a.store);
    if (!service) return service.error();
    s.service_ = std::move(*service);
    return s;
  }

  Result<TreeHead> head(int64_t size) {
    if (service_) return service_->tree_head(size);
    return parsed(client_->get("/v1/record/head" + (size ? "?size=" + std::to_string(size) : "")),
                  record::head_from_json);
  }
  Result<NoticeProof> notice(const std::string& id) {
    if (service_) return service_->as(kOperator).prove_notice(id);
    return parsed(client_->get("/v1/notices/" + id + "/proof"), record::notice_proof_from_json);
  }
  Result<InclusionProof> inclusion(int64_t seq, int64_t size) {
    if (service_) return service_->as(kOperator).inclusion(seq, size);
    return parsed(client_->get("/v1/record/inclusion?seq=" + std::to_string(seq) + "&size=" + std::to_string(size)),
                  record::inclusion_from_json);
  }
  Result<ConsistencyProof> consistency(int64_t from, int64_t to) {
    if (service_) return service_->as(kOperator).consistency(from, to);
    return parsed(client_->get("/v1/record/consistency?from=" + std::to_string(from) + "&to=" + std::to_string(to)),
                  record::consistency_from_json);
  }
  Result<std::vector<RecordEntry>> entries(int64_t after) {
    if (store_) return store_->load_record(after, kPage);
    if (service_) return service_->as(kOperator).record(after, kPage);
    auto page = client_->get("/v1/record?after=" + std::to_string(after) + "&limit=" + std::to_string(kPage));
    if (!page) return page.error();
    std::vector<RecordEntry> out;
    for (const json& j : (*page)["entries"]) {
      auto e = record::entry_from_json(j);
      if (!e) return e.error();
      out.push_back(std::move(*e));
    }
    return out;
  }
  Result<std::string> key() {
    if (store_) {  // the key file beside the store, when there is one
      auto key = record::SigningKey::load(key_file_, false);
      return key ? key->public_hex() : std::string();
    }
    if (service_) return service_->record_key();
    auto k = client_->get("/v1/record/key");
    if (!k) return k.error();
    return k->value("public_key", "");
  }

 private:
  template <typename F>
  static auto parsed(Result<json> j, F from_json) -> decltype(from_json(json())) {
    if (!j) return j.error();
    return from_json(*j);
  }

  static inline const Party kOperator{"operator", "the store's operator", true, {}, {}};
  std::unique_ptr<Service> service_;
  std::unique_ptr<HttpClient> client_;
  std::unique_ptr<store::Store> store_;
  std::string key_file_;
};

// Entries from an exported NDJSON file.
Result<std::vector<RecordEntry>> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::io_error, "cannot read '" + path + "'", "--file");
  std::vector<RecordEntry> out;
  size_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty()) continue;
    auto j = format::parse_json(line);
    auto e = !j ? Result<RecordEntry>(j.error()) : record::entry_from_json(*j);
    if (!e) return make_error(ErrorCode::invalid_input, "line " + std::to_string(line_no) + ": " + e.error().message);
    out.push_back(std::move(*e));
  }
  return out;
}

int broken(int64_t seq, const std::string& why) {
  std::cout << "record broken at seq " << seq << ": " << why << "\n";
  return kConflictFound;
}

// The public keys --own-keys names: each a public key in hex, or a key file.
Result<std::set<std::string>> own_keys(const std::vector<std::string>& named) {
  std::set<std::string> out;
  for (const std::string& k : named) {
    if (k.size() == 64 && record::bytes_from_hex(k)) {
      out.insert(k);
      continue;
    }
    auto key = record::SigningKey::load(k, false);
    if (!key)
      return make_error(ErrorCode::usage,
                        "'" + k + "' is neither a public key (64 hex) nor a key file: " + key.error().message,
                        "--own-keys");
    out.insert(key->public_hex());
  }
  return out;
}

// Whose keys --own-keys lists: --party, or the party the token belongs to.
Result<std::string> own_party(const RecordArgs& a) {
  if (!a.party.empty()) return a.party;
  if (a.url.empty()) return make_error(ErrorCode::usage, "--own-keys needs --party (or --url and --token)", "--party");
  auto http = HttpClient::connect(a.url, a.token);
  if (!http) return http.error();
  auto me = (*http)->get("/v1/whoami");
  if (!me) return me.error();
  return me->value("id", "");
}

// Every entry, in pages, through the verifier; the Merkle tree alongside for --head.
int run_verify(const RecordArgs& a) {
  if (!a.file.empty() && a.key.empty()) return fail(make_error(ErrorCode::usage, "--file needs --key", "--key"));
  record::ChainVerifier verifier;
  if (!a.own_keys.empty()) {
    auto keys = own_keys(a.own_keys);
    if (!keys) return fail(keys.error());
    auto party = own_party(a);
    if (!party) return fail(party.error());
    verifier.expect_own_keys(*party, std::move(*keys));
  }
  record::MerkleTree tree;
  const auto feed = [&](const std::vector<RecordEntry>& entries) -> std::optional<record::Broken> {
    for (const RecordEntry& e : entries) {
      if (auto b = verifier.add(e)) return b;
      tree.append(*record::digest_from_hex(e.hash));
    }
    return std::nullopt;
  };
  std::string published;
  if (!a.file.empty()) {
    auto entries = read_file(a.file);
    if (!entries) return fail(entries.error());
    if (auto b = feed(*entries)) return broken(b->seq, b->why);
  } else {
    auto source = Source::open(a, /*raw=*/true);
    if (!source) return fail(source.error());
    for (;;) {
      auto page = source->entries(verifier.size());
      if (!page) return fail(page.error());
      if (page->empty()) break;  // a page may be short (by bytes) with more to come: only an empty one ends
      if (auto b = feed(*page)) return broken(b->seq, b->why);
    }
    auto key = source->key();
    if (!key) return fail(key.error());
    published = *key;
  }
  if (auto b = verifier.finish(a.key)) return broken(b->seq, b->why);
  if (!published.empty() && published != verifier.key()) {
    return broken(verifier.size(), "the record is signed last by key " + verifier.key() + " but " +
                                       (a.url.empty() ? "the key file holds " : "the server publishes ") + published);
  }
  if (!a.head.empty()) {
    auto j = read_json_file(a.head);
    if (!j) return fail(j.error());
    auto head = record::head_from_json(*j);
    if (!head) return fail(head.error());
    if (auto why = record::check(*head, a.key)) return broken(head->size, "the saved tree head: " + *why);
    if (head->size > verifier.size()) {
      return broken(verifier.size() + 1, "the record holds " + std::to_string(verifier.size()) +
                                             " entries but the saved tree head names " + std::to_string(head->size) +
                                             ": entries were removed from its tail");
    }
    if (record::to_hex(tree.root(static_cast<size_t>(head->size))) != head->root) {
      return broken(head->size, "the first " + std::to_string(head->size) +
                                    " entries are not those of the saved tree head: the record was rewritten");
    }
  }
  std::cout << "record verified: " << verifier.size() << " entries (" << verifier.redacted() << " redacted), last hash "
            << verifier.head_hash() << ", signed by key " << verifier.key()
            << (a.key.empty() ? " (not pinned: pass --key to trust only a key you hold)" : " (the trusted key)")
            << (a.head.empty() ? "" : "; consistent with the saved tree head") << "\n"
            << "  parties' acts read: " << verifier.acts() << ", " << verifier.signed_acts()
            << " signed by their party (the rest by parties with no key then: the server's word alone)\n";
  if (!a.own_keys.empty()) std::cout << "  every key registered for your party is one you hold\n";
  return kOk;
}

int run_export(const RecordArgs& a) {
  auto source = Source::open(a, /*raw=*/true);
  if (!source) return fail(source.error());
  for (int64_t after = 0;;) {
    auto page = source->entries(after);
    if (!page) return fail(page.error());
    if (page->empty()) return kOk;
    for (const RecordEntry& e : *page) std::cout << record::entry_text(e) << "\n";
    after = page->back().seq;
  }
}

template <typename T>
int print(Result<T> r) {
  if (!r) return fail(r.error());
  std::cout << record::to_json(*r).dump(2) << "\n";
  return kOk;
}

int run_proof(const RecordArgs& a, const std::string& what) {
  auto source = Source::open(a);
  if (!source) return fail(source.error());
  if (what == "head") return print(source->head(a.size));
  if (what == "prove") return print(source->notice(a.notice));
  if (what == "inclusion") return print(source->inclusion(a.seq, a.size));
  return print(source->consistency(a.from, a.to));
}

// One line for a notice's entry, for people.
std::string describe(const RecordEntry& e) {
  const json n = json::parse(e.data).value("notice", json::object());
  const NoticeSubject about = notice_subject(n);
  std::string line = format_rfc3339(e.time) + "  " + e.action + " by " + e.party + " (" + n.value("from", "") + " -> " +
                     n.value("to", "") + ", " + about.about + " " + about.id + ")";
  if (n.contains("text")) line += ": \"" + n["text"].get<std::string>() + "\"";
  return line;
}

int run_checkpoint(const RecordArgs& a) {
  auto http = HttpClient::connect(a.url, a.token);
  if (!http) return fail(http.error());
  auto note = (*http)->exchange("GET", "/v1/record/checkpoint?size=" + std::to_string(a.size), "");
  if (!note) return fail(note.error());
  std::cout << *note;
  return kOk;
}

int run_verify_proof(const RecordArgs& a) {
  auto j = read_json_file(a.file);
  if (!j) return fail(j.error());
  const std::string type = j->value("type", "");
  std::optional<std::string> why;
  std::string summary;
  if (type == "notice") {
    auto p = record::notice_proof_from_json(*j);
    if (!p) return fail(p.error());
    why = record::check(*p, a.key, a.accept_unsigned);
    if (!why) {
      summary = "notice " + p->notice + ": " + std::to_string(p->entries.size()) + " entries in the record of " +
                std::to_string(p->entries[0].head.size) + " entries signed at " +
                format_rfc3339(p->entries[0].head.time);
      for (const InclusionProof& e : p->entries) summary += "\n  " + describe(e.entry);
    }
  } else if (type == "inclusion") {
    auto p = record::inclusion_from_json(*j);
    if (!p) return fail(p.error());
    why = record::check(*p, a.key);
    summary =
        "entry " + std::to_string(p->entry.seq) + " is in the record of " + std::to_string(p->head.size) + " entries";
  } else if (type == "consistency") {
    auto p = record::consistency_from_json(*j);
    if (!p) return fail(p.error());
    why = record::check(*p, a.key);
    summary = "the record of " + std::to_string(p->from.size) + " entries is a prefix of the record of " +
              std::to_string(p->to.size);
  } else {
    return fail(
        make_error(ErrorCode::invalid_input, "expected a proof of type notice, inclusion or consistency", "type"));
  }
  if (why) {
    std::cout << "proof fails: " << *why << "\n";
    return kConflictFound;
  }
  std::cout << "proof verified: " << summary << "\n";
  return kOk;
}

int run_rotate(const RecordArgs& a) {
  auto service = open_existing_service(a.store);
  if (!service) return fail(service.error());
  auto key = (*service)->rotate_key("operator");
  if (!key) return fail(key.error());
  std::cout << *key << "\n";
  std::cerr << "deconflict: the record is signed from now on by the key above; the rotation is entry "
            << (*service)->record_size() << "\n";
  return kOk;
}

void add_source(CLI::App& sub, RecordArgs& a) {
  add_store_options(sub, a.store);
  sub.add_option("--url", a.url, "A running server, http://HOST:PORT, instead of the store");
  sub.add_option("--token", a.token, "The bearer token to read the server's record with");
}

}  // namespace

Runner add_record(CLI::App& app) {
  auto a = std::make_shared<RecordArgs>();
  app.require_subcommand(1);
  auto* verify = app.add_subcommand("verify", "Check the whole chain and every signature");
  add_source(*verify, *a);
  verify->add_option("--file", a->file, "An exported NDJSON record (needs --key)");
  verify->add_option("--key", a->key, "The public key (hex) you trust; the record must be signed by it");
  verify->add_option("--head", a->head, "A tree head saved earlier: the record must still contain it");
  verify->add_option("--own-keys", a->own_keys,
                     "The keys your party holds (public keys in hex, or key files): any other key registered in "
                     "its name is named");
  verify->add_option("--party", a->party, "Whose keys --own-keys lists (default: the party of --token)");
  auto* exp = app.add_subcommand("export", "Write the entries as NDJSON");
  add_source(*exp, *a);
  auto* head = app.add_subcommand("head", "Print the signed tree head");
  add_source(*head, *a);
  head->add_option("--size", a->size, "Of the first N entries (default all)");
  auto* prove = app.add_subcommand("prove", "Print a self-contained proof of a notice sent and answered");
  add_source(*prove, *a);
  prove->add_option("notice", a->notice, "The notice's id")->required();
  auto* inclusion = app.add_subcommand("inclusion", "Print the proof that one entry is in the record");
  add_source(*inclusion, *a);
  inclusion->add_option("seq", a->seq, "The entry's sequence number")->required();
  inclusion->add_option("--size", a->size, "In the record of its first N entries (default all)");
  auto* consistency =
      app.add_subcommand("consistency", "Print the proof that an earlier record is a prefix of today's");
  add_source(*consistency, *a);
  consistency->add_option("from", a->from, "The size of the earlier record")->required();
  consistency->add_option("--to", a->to, "The size of the later record (default all)");
  auto* check = app.add_subcommand("verify-proof", "Check a proof offline (notice, inclusion or consistency)");
  check->add_option("file", a->file, "The proof, as printed by prove, inclusion or consistency")->required();
  check->add_option("--key", a->key, "The public key (hex) you trust to have signed the tree head");
  check->add_flag("--accept-unsigned", a->accept_unsigned,
                  "Accept a notice's answer its party did not sign (a party with no keys): the server's word alone");
  CLI::App* watch = nullptr;
  Runner watch_runner = add_watch(app, watch);
  auto* checkpoint =
      app.add_subcommand("checkpoint", "Print the C2SP checkpoint (a signed note) with its cosignatures");
  checkpoint->add_option("--url", a->url, "The server, http://HOST:PORT")->required();
  checkpoint->add_option("--token", a->token, "Your party's bearer token")->required();
  checkpoint->add_option("--size", a->size, "Of the first N entries (default all)");
  auto* rotate = app.add_subcommand("rotate-key", "Replace the signing key (the server must be stopped)");
  add_store_options(*rotate, a->store);
  app.footer(
      "Exit status: 0 verified, 1 the record or proof fails (the first bad entry is named), 2 usage, 4 I/O, 5 what "
      "was named (a notice, an entry) does not exist.");
  return
      [a, verify, exp, head, prove, inclusion, consistency, check, rotate, watch, watch_runner, checkpoint]() -> int {
        if (verify->parsed()) return run_verify(*a);
        if (exp->parsed()) return run_export(*a);
        if (head->parsed()) return run_proof(*a, "head");
        if (prove->parsed()) return run_proof(*a, "prove");
        if (inclusion->parsed()) return run_proof(*a, "inclusion");
        if (consistency->parsed()) return run_proof(*a, "consistency");
        if (check->parsed()) return run_verify_proof(*a);
        if (rotate->parsed()) return run_rotate(*a);
        if (watch->parsed()) return watch_runner();
        if (checkpoint->parsed()) return run_checkpoint(*a);
        return kUsage;
      };
}

}  // namespace deconflict::cli
