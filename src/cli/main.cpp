// deconflict: keeps parties who share a contested space from colliding,
// firing on each other or hitting protected places.
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/cli.hpp"
#include "format/json_text.hpp"

namespace deconflict::cli {

int fail(const Error& e) {
  std::cerr << "deconflict: " << e.describe() << "\n";
  switch (e.code) {
    case ErrorCode::invalid_input:
    case ErrorCode::already_exists:
      return kInvalidInput;
    case ErrorCode::forbidden:
    case ErrorCode::usage:
      return kUsage;
    case ErrorCode::not_found:
      return kNotFound;
    default:
      return kStoreError;
  }
}

Result<nlohmann::json> read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::io_error, "cannot read '" + path + "'");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto j = format::parse_json(text);
  if (!j) return make_error(ErrorCode::invalid_input, "'" + path + "': " + j.error().message);
  return j;
}

NoticeSubject notice_subject(const nlohmann::json& notice) {
  const std::string about = notice.value("about", "activity");
  return {about, notice.value(about, "")};
}

}  // namespace deconflict::cli

int main(int argc, char** argv) {
  using namespace deconflict::cli;
  CLI::App app{"deconflict: checks zones, sites and planned activities on the WGS84 ellipsoid for conflicts"};
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 done, 1 a conflict found (check --fail-on-conflict) or a record that fails verification, "
      "2 usage error, 3 invalid input, 4 a file, store or network error, 5 what was named does not exist.");
  app.set_version_flag("--version", "deconflict 0.1.0");
  std::vector<std::pair<CLI::App*, Runner>> commands;
  const auto add = [&](const char* name, const char* help, Runner (*adder)(CLI::App&)) {
    CLI::App* sub = app.add_subcommand(name, help);
    commands.emplace_back(sub, adder(*sub));
  };
  add("check", "Check activities against a world of volumes, both read from files", add_check);
  add("import", "Store the features of a file in the embedded store", add_import);
  add("export", "Write stored objects as a GeoJSON FeatureCollection", add_export);
  add("list", "List stored objects", add_list);
  add("conflicts", "Show the conflicts of stored activities", add_conflicts);
  add("party", "Manage parties, their credentials and (party key) their signing keys", add_party);
  add("key", "Make a party's Ed25519 signing key", add_key_commands);
  add("position", "Read a position in decimal degrees, DMS, MGRS or UTM and write it in each", add_position);
  add("serve", "Serve the HTTP/JSON API", add_serve);
  add("replay", "Replay a scenario through the real API on a simulated clock, then serve its map", add_replay);
  add("record", "Verify, export and prove the signed record of every change and message", add_record);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kUsage;
  }
  try {
    for (auto& [sub, run] : commands) {
      if (sub->parsed()) return run();
    }
  } catch (const std::exception& e) {
    std::cerr << "deconflict: internal error: " << e.what() << "\n";
    return kStoreError;
  }
  return kUsage;
}
