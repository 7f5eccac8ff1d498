// deconflict party add | list | revoke: parties and their bearer tokens.
#include <iostream>
#include <memory>

#include "cli/cli.hpp"
#include "deconflict/time.hpp"

namespace deconflict::cli {
namespace {

struct PartyArgs {
  StoreArgs store;
  std::string id;
  std::string name;
  bool admin = false;
  bool json = false;
};

int run_add(const PartyArgs& a) {
  auto service = open_service(a.store);
  if (!service) return fail(service.error());
  auto token = (*service)->add_party(a.id, a.name, a.admin);
  if (!token) return fail(token.error());
  std::cout << *token << "\n";
  std::cerr << "deconflict: party '" << a.id << "' added" << (a.admin ? " (admin)" : "")
            << "; its token is printed once above and stored only as a hash\n";
  return kOk;
}

int run_list(const PartyArgs& a) {
  auto service = open_existing_service(a.store);
  if (!service) return fail(service.error());
  const auto parties = (*service)->parties();
  if (a.json) {
    for (const Party& p : parties) {
      nlohmann::ordered_json j = {
          {"id", p.id}, {"name", p.name}, {"admin", p.admin}, {"created", format_rfc3339(p.created)}};
      j["revoked"] = p.revoked ? nlohmann::ordered_json(format_rfc3339(*p.revoked)) : nlohmann::ordered_json();
      std::cout << j.dump() << "\n";
    }
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const Party& p : parties) {
    rows.push_back({p.id, p.name, p.admin ? "yes" : "no", format_rfc3339(p.created),
                    p.revoked ? format_rfc3339(*p.revoked) : "-"});
  }
  std::cout << format_table({"id", "name", "admin", "created", "revoked"}, rows);
  return kOk;
}

int run_revoke(const PartyArgs& a) {
  auto service = open_existing_service(a.store);
  if (!service) return fail(service.error());
  if (Status st = (*service)->revoke_party(a.id); !st) return fail(st.error());
  std::cerr << "deconflict: party '" << a.id << "' revoked\n";
  return kOk;
}

}  // namespace

Runner add_party(CLI::App& app) {
  app.require_subcommand(1);
  auto a = std::make_shared<PartyArgs>();
  CLI::App* add = app.add_subcommand("add", "Add a party and print its bearer token (once)");
  add_store_options(*add, a->store);
  add->add_option("id", a->id, "The party's id, a lowercase slug (coalition, russia, un)")->required();
  add->add_option("--name", a->name, "A name for people; default the id");
  add->add_flag("--admin", a->admin, "May administer the service");
  CLI::App* list = app.add_subcommand("list", "List the parties");
  add_store_options(*list, a->store);
  list->add_flag("--json", a->json, "One JSON object per line instead of a table");
  CLI::App* revoke = app.add_subcommand("revoke", "Revoke a party's token");
  add_store_options(*revoke, a->store);
  revoke->add_option("id", a->id, "The party's id")->required();
  CLI::App* key = app.add_subcommand("key", "Your signing keys, on a running server: add, list, revoke");
  Runner key_runner = add_party_key_commands(*key);
  return [a, add, list, key, key_runner] {
    if (add->parsed()) return run_add(*a);
    if (list->parsed()) return run_list(*a);
    if (key->parsed()) return key_runner();
    return run_revoke(*a);
  };
}

}  // namespace deconflict::cli
