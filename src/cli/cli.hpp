// The `deconflict` command: subcommands translate arguments into calls on the
// library and results into text. No rule lives here.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deconflict/position.hpp"
#include "deconflict/service.hpp"
#include "deconflict/status.hpp"

namespace deconflict::cli {

/// Exit statuses, stable for scripts.
enum Exit : int {
  kOk = 0,
  kConflictFound = 1,  // with --fail-on-conflict
  kUsage = 2,
  kInvalidInput = 3,
  kStoreError = 4,
  kNotFound = 5,  // what was named (a notice, an object, a party, a key) does not exist, or is not the caller's to see
};

/// Prints the error on standard error and returns the exit status for its code.
int fail(const Error& e);

/// A whole file parsed as JSON; io_error or invalid_input naming the file.
Result<nlohmann::json> read_json_file(const std::string& path);

/// What a notice's JSON (the API's or the record's) is about: "activity" or
/// "zone" (a proposal), and that object's id ("" when it names none).
struct NoticeSubject {
  std::string about, id;
};
NoticeSubject notice_subject(const nlohmann::json& notice);

/// The options every command on the store takes.
struct StoreArgs {
  std::string db = "deconflict.db";
  std::string key_file;
  std::string now;
};
void add_store_options(CLI::App& app, StoreArgs& args);
Result<std::unique_ptr<Service>> open_service(const StoreArgs& args);
/// The same for commands that only read or change what is there: a store
/// that does not exist is an error, not a new empty one.
Result<std::unique_ptr<Service>> open_existing_service(const StoreArgs& args);

/// A subcommand registers its options and returns the function that runs it.
/// A position option (--near, --at) read in any grid; a grid reference names
/// a square, which is said on stderr with what the command does with it (`use`).
Result<ReadPosition> read_position_option(const std::string& text, const std::string& option, std::string_view use);

using Runner = std::function<int()>;
Runner add_check(CLI::App& app);
Runner add_import(CLI::App& app);
Runner add_export(CLI::App& app);
Runner add_list(CLI::App& app);
Runner add_conflicts(CLI::App& app);
Runner add_party(CLI::App& app);
Runner add_serve(CLI::App& app);
Runner add_record(CLI::App& app);
Runner add_replay(CLI::App& app);
Runner add_key_commands(CLI::App& app);
Runner add_position(CLI::App& app);
/// `record watch`, under `record`; `sub` is set to its subcommand.
Runner add_watch(CLI::App& record, CLI::App*& sub);
/// `party key add|list|revoke`, under `party`.
Runner add_party_key_commands(CLI::App& app);

/// Prints rows under headers, in columns padded to the widest cell.
std::string format_table(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows);

}  // namespace deconflict::cli
