// deconflict key new, and deconflict party key add | list | revoke: a party's
// Ed25519 signing keys (docs/record.md). Keys are registered by the party
// itself, over HTTP with its own token: the operator's store commands cannot.
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/cli.hpp"
#include "cli/http_client.hpp"
#include "record/crypto.hpp"

namespace deconflict::cli {
namespace {

struct KeyArgs {
  std::string out;
  std::string url, token, key_file, sign_key, name, public_key;
};

int run_new(const KeyArgs& a) {
  if (std::filesystem::exists(a.out)) {
    return fail(make_error(ErrorCode::usage, "'" + a.out + "' exists: a key file is never overwritten", "--out"));
  }
  const record::SigningKey key = record::SigningKey::generate();
  if (Status st = key.save(a.out); !st) return fail(st.error());
  std::cout << key.public_hex() << "\n";
  std::cerr << "deconflict: a new Ed25519 key is in " << a.out
            << " (mode 0600); its public key is printed above. Register it: deconflict party key add " << a.out
            << " --url URL --token TOKEN\n";
  return kOk;
}

// The key that signs the request, if one is named.
Result<std::optional<record::SigningKey>> signer_of(const KeyArgs& a) {
  if (a.sign_key.empty()) return std::optional<record::SigningKey>();
  auto key = record::SigningKey::load(a.sign_key, false);
  if (!key) return key.error();
  return std::optional<record::SigningKey>(std::move(*key));
}

int run_party_key(const KeyArgs& a, const std::string& verb) {
  auto http = HttpClient::connect(a.url, a.token);
  if (!http) return fail(http.error());
  auto signer = signer_of(a);
  if (!signer) return fail(signer.error());
  const record::SigningKey* sign = *signer ? &**signer : nullptr;
  Result<nlohmann::json> answer = make_error(ErrorCode::usage, "");
  if (verb == "list") {
    answer = (*http)->get("/v1/keys");
  } else if (verb == "add") {
    auto key = record::SigningKey::load(a.key_file, false);
    if (!key) return fail(key.error());
    // The first key needs no signature; a later one must be signed by a key in force.
    answer = (*http)->send("POST", "/v1/keys", {{"public_key", key->public_hex()}, {"name", a.name}}, "", sign);
  } else {
    answer = (*http)->send("DELETE", "/v1/keys/" + a.public_key, nullptr, "", sign);
  }
  if (!answer) return fail(answer.error());
  if (verb != "list") {
    std::cout << answer->dump() << "\n";
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& k : answer->value("keys", nlohmann::json::array())) {
    rows.push_back({k.value("public_key", ""), k.value("name", ""), k.value("added", ""),
                    std::to_string(k.value("added_seq", 0))});
  }
  std::cout << format_table({"public key", "name", "added", "seq"}, rows);
  return kOk;
}

void add_connection(CLI::App& app, KeyArgs& a) {
  app.add_option("--url", a.url, "The server, http://HOST:PORT")->required();
  app.add_option("--token", a.token, "Your party's bearer token")->required();
}

}  // namespace

Runner add_key_commands(CLI::App& app) {
  app.require_subcommand(1);
  auto a = std::make_shared<KeyArgs>();
  CLI::App* made = app.add_subcommand("new", "Make an Ed25519 signing key in a new file and print its public key");
  made->add_option("--out", a->out, "The key file to write (mode 0600)")->required();
  return [a, made] { return made->parsed() ? run_new(*a) : kUsage; };
}

Runner add_party_key_commands(CLI::App& app) {
  app.require_subcommand(1);
  auto a = std::make_shared<KeyArgs>();
  CLI::App* add = app.add_subcommand("add", "Register a key of yours (the first with your token alone)");
  add->add_option("key_file", a->key_file, "The key file (deconflict key new)")->required();
  add->add_option("--name", a->name, "Whose or which device's key, for people");
  add->add_option("--sign-key", a->sign_key, "A key already registered, to sign with (needed once you have one)");
  add_connection(*add, *a);
  CLI::App* list = app.add_subcommand("list", "List your keys in force");
  add_connection(*list, *a);
  CLI::App* revoke = app.add_subcommand("revoke", "Revoke one of your keys (signed with one in force)");
  revoke->add_option("public_key", a->public_key, "The key's public key, 64 hex digits")->required();
  revoke->add_option("--sign-key", a->sign_key, "A key of yours in force, to sign with")->required();
  add_connection(*revoke, *a);
  return [a, add, list] { return run_party_key(*a, add->parsed() ? "add" : list->parsed() ? "list" : "revoke"); };
}

}  // namespace deconflict::cli
