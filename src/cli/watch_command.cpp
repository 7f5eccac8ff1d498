// deconflict record watch: a party's monitor of the record (docs/record.md,
// "Checkpoints and witnesses"). It keeps the last checkpoint it verified in a
// state file, checks that each new one is signed by the record's key and
// consistent with it (RFC 9162 consistency proof), cosigns it (C2SP
// tlog-cosignature) and gives the server its cosignature. Two checkpoints of
// one size with different roots, or a record that shrank or was rewritten,
// is a split view: it says so, naming both roots, and exits 1.
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/cli.hpp"
#include "cli/http_client.hpp"
#include "record/checkpoint.hpp"
#include "record/merkle.hpp"
#include "record/proofs.hpp"

namespace deconflict::cli {
namespace {

struct WatchArgs {
  std::string url, token, key, state, cosign_key;
  int every_s = 0;
};

struct Seen {
  std::string origin;
  int64_t size = 0;
  record::Digest root{};
};

std::optional<Seen> read_state(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  const auto root = record::digest_from_hex(j.value("root", ""));
  if (!root) return std::nullopt;
  return Seen{j.value("origin", ""), j.value("size", int64_t{0}), *root};
}

Status write_state(const std::string& path, const record::Checkpoint& c, const std::string& note) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << nlohmann::json{{"origin", c.origin}, {"size", c.size}, {"root", record::to_hex(c.root)}, {"note", note}}
               .dump(2)
        << "\n";
    if (!out) return make_error(ErrorCode::io_error, "cannot write " + temp, "--state");
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return make_error(ErrorCode::io_error, "cannot replace " + path + ": " + ec.message(), "--state");
  return {};
}

// Why the new checkpoint is not a continuation of what was seen, or nothing.
Result<std::optional<std::string>> split_from(HttpClient& http, const Seen& seen, const record::Checkpoint& c) {
  const std::string roots = " (root " + record::to_hex(seen.root) + " at size " + std::to_string(seen.size) +
                            ", root " + record::to_hex(c.root) + " at size " + std::to_string(c.size) + ")";
  if (seen.origin != c.origin) return std::optional<std::string>("the checkpoint is of another log: " + c.origin);
  if (c.size < seen.size) return std::optional<std::string>("split view: the record shrank" + roots);
  if (c.size == seen.size) {
    if (c.root == seen.root) return std::optional<std::string>();
    return std::optional<std::string>("split view: two checkpoints of one size with different roots" + roots);
  }
  auto proof = http.get("/v1/record/consistency?from=" + std::to_string(seen.size) + "&to=" + std::to_string(c.size));
  if (!proof) return proof.error();
  auto p = record::consistency_from_json(*proof);
  if (!p) return p.error();
  std::vector<record::Digest> path;
  for (const std::string& h : p->path) {
    auto d = record::digest_from_hex(h);
    if (!d) return std::optional<std::string>("the consistency proof is malformed");
    path.push_back(*d);
  }
  if (!record::verify_consistency(static_cast<size_t>(seen.size), static_cast<size_t>(c.size), seen.root, c.root,
                                  path)) {
    return std::optional<std::string>("split view: the record is not an extension of the one seen" + roots);
  }
  return std::optional<std::string>();
}

int watch_once(const WatchArgs& a, HttpClient& http, const std::optional<record::SigningKey>& cosigner) {
  auto note = http.exchange("GET", "/v1/record/checkpoint", "");
  if (!note) return fail(note.error());
  auto c = record::parse_checkpoint(*note);
  if (!c) return fail(c.error());
  if (!record::verify_note(*c, c->origin, a.key)) {
    std::cout << "checkpoint refused: it is not signed by the record's key " << a.key << "\n";
    return kConflictFound;
  }
  const auto seen = read_state(a.state);
  if (seen) {
    auto split = split_from(http, *seen, *c);
    if (!split) return fail(split.error());
    if (*split) {
      std::cout << **split << "\n";
      return kConflictFound;
    }
  }
  std::string said = "checkpoint " + std::to_string(c->size) + " verified" +
                     (seen ? ", consistent with " + std::to_string(seen->size) : " (the first seen)");
  if (cosigner) {
    auto me = http.get("/v1/whoami");
    if (!me) return fail(me.error());
    const int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    const std::string line = record::cosignature(me->value("id", ""), *cosigner, c->body, now);
    auto given = http.exchange("POST", "/v1/record/cosignature", c->body + "\n" + line);
    if (!given && given.error().code != ErrorCode::already_exists) return fail(given.error());
    said += given ? "; cosigned" : "; cosigned before";
  }
  if (Status st = write_state(a.state, *c, *note); !st) return fail(st.error());
  std::cout << said << "\n";
  return kOk;
}

int run_watch(const WatchArgs& a) {
  auto http = HttpClient::connect(a.url, a.token);
  if (!http) return fail(http.error());
  std::optional<record::SigningKey> cosigner;
  if (!a.cosign_key.empty()) {
    auto key = record::SigningKey::load(a.cosign_key, false);
    if (!key) return fail(key.error());
    cosigner = std::move(*key);
  }
  for (;;) {
    const int rc = watch_once(a, **http, cosigner);
    if (rc != kOk || a.every_s <= 0) return rc;
    std::this_thread::sleep_for(std::chrono::seconds(a.every_s));
  }
}

}  // namespace

Runner add_watch(CLI::App& record, CLI::App*& sub) {
  auto a = std::make_shared<WatchArgs>();
  auto* watch = record.add_subcommand(
      "watch",
      "Monitor the record: verify each new checkpoint against the last one seen, cosign it, and exit 1 on a "
      "split view");
  watch->add_option("--url", a->url, "The server, http://HOST:PORT")->required();
  watch->add_option("--token", a->token, "Your party's bearer token")->required();
  watch->add_option("--key", a->key, "The record's public key (hex) that signs its checkpoints")->required();
  watch->add_option("--state", a->state, "The file that keeps the last checkpoint verified")->required();
  watch->add_option("--cosign-key", a->cosign_key, "One of your registered keys, to cosign with");
  watch->add_option("--every", a->every_s, "Watch again every this many seconds (default: once)");
  sub = watch;
  return [a] { return run_watch(*a); };
}

}  // namespace deconflict::cli
