// deconflict replay FILE: replays a scenario through the real API on a
// simulated clock. It registers the scenario's parties in a fresh store,
// starts `deconflict serve` on it, then, step by step, moves the clock and
// declares, answers and sends as each party, printing the timeline; after the
// last step it moves on day by day to the scenario's end. With --serve the
// server keeps running for the map. The scenario format is docs/replay.md.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "cli/cli.hpp"
#include "cli/http_client.hpp"
#include "deconflict/party_view.hpp"
#include "deconflict/time.hpp"
#include "record/crypto.hpp"

namespace deconflict::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct ReplayArgs {
  std::string file;
  std::string db = "deconflict-replay.db";
  std::string listen = "127.0.0.1:8080";
  bool serve = false;
};

std::string when(const std::string& rfc3339) {  // "2018-09-01T08:00:00Z" -> "2018-09-01 08:00"
  return rfc3339.size() >= 16 ? rfc3339.substr(0, 10) + " " + rfc3339.substr(11, 5) : rfc3339;
}

void line(const std::string& at, const std::string& who, const std::string& what) {
  std::cout << when(at) << "  " << std::left << std::setw(14) << who << what << std::endl;
}
void more(const std::string& what) { std::cout << std::string(32, ' ') << what << std::endl; }

// The server, as a child process on the store, logging to a file.
class ServerProcess {
 public:
  static Result<ServerProcess> start(const ReplayArgs& a, const std::string& clock_start) {
    ServerProcess s;
    s.log_ = a.db + ".log";
    s.pid_ = ::fork();
    if (s.pid_ < 0) return make_error(ErrorCode::io_error, "cannot start the server");
    if (s.pid_ == 0) {
      FILE* log = std::fopen(s.log_.c_str(), "w");
      if (log) ::dup2(::fileno(log), 2);
      ::execl("/proc/self/exe", "deconflict", "serve", "--db", a.db.c_str(), "--listen", a.listen.c_str(),
              "--simulated-clock", clock_start.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 100; ++i) {  // up to 10 s for "listening on http://..."
      std::ifstream in(s.log_);
      for (std::string l; std::getline(in, l);) {
        // A last line without its newline may be half written: its URL cut
        // short ("http://127.0.0."), read again once whole.
        if (in.eof()) break;
        if (const size_t p = l.find("listening on "); p != std::string::npos) {
          s.url_ = l.substr(p + 13);
          return s;
        }
      }
      if (::waitpid(s.pid_, nullptr, WNOHANG) == s.pid_) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    // A server that did not say it listens in time is not left running.
    if (::waitpid(s.pid_, nullptr, WNOHANG) == 0) {
      ::kill(s.pid_, SIGTERM);
      ::waitpid(s.pid_, nullptr, 0);
    }
    // The server's own words: its last line that says what went wrong.
    std::string reason;
    std::ifstream in(s.log_);
    for (std::string l; std::getline(in, l);) {
      if (l.rfind("deconflict: ", 0) == 0) reason = l.substr(12);
    }
    return make_error(ErrorCode::io_error,
                      "the server did not start" + (reason.empty() ? "" : ": " + reason) + " (see " + s.log_ + ")");
  }
  const std::string& url() const { return url_; }
  const std::string& log() const { return log_; }
  pid_t pid() const { return pid_; }
  int stop() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  }

 private:
  pid_t pid_ = -1;
  std::string log_, url_;
};

class Replay {
 public:
  Replay(const json& scenario, std::map<std::string, json> features, std::map<std::string, std::string> tokens,
         const std::map<std::string, record::SigningKey>& keys, HttpClient& http)
      : scenario_(scenario), features_(std::move(features)), tokens_(std::move(tokens)), keys_(keys), http_(http) {}

  Status run() {
    for (const json& step : scenario_.at("steps")) {
      if (Status st = move_clock(step.at("at").get<std::string>()); !st) return st;
      if (Status st = perform(step); !st) return st;
    }
    return days_to_end();
  }

 private:
  Status move_clock(const std::string& at) {
    if (at == now_) return {};
    auto moved = http_.send("POST", "/v1/admin/clock", {{"now", at}});
    if (!moved) return moved.error();
    now_ = at;
    return report_overdue();
  }

  // Notices whose deadline passed unanswered: the server escalated them.
  Status report_overdue() {
    for (const auto& [party, token] : tokens_) {
      if (party == "operator") continue;
      auto overdue = http_.send("GET", "/v1/notices?state=overdue", nullptr, token);
      if (!overdue) return overdue.error();
      for (const json& n : (*overdue)["notices"]) {
        if (n["to"] != party || !escalated_.insert(n["id"].get<std::string>()).second) continue;
        line(now_, "deconflict",
             "OVERDUE: " + n["to"].get<std::string>() + " has not answered " + n["from"].get<std::string>() +
                 "'s notice of " + notice_subject(n).id + " (due " + when(n["deadline"]) + "); both sides are told");
      }
    }
    return {};
  }

  Status perform(const json& step) {
    const std::string as = step.at("as");
    const auto token = tokens_.find(as);
    if (token == tokens_.end()) return make_error(ErrorCode::invalid_input, "no such party in the scenario", as);
    if (step.contains("say")) line(now_, as, "(" + step["say"].get<std::string>() + ")");
    if (step.contains("declare")) return declare(step["declare"], as, token->second);
    if (step.contains("answer")) return answer(step, as, token->second);
    if (step.contains("accept")) {
      const std::string zone = step["accept"];
      auto accepted = http_.send("POST", "/v1/zones/" + zone + "/accept", json::object(), token->second, key(as));
      if (!accepted) return accepted.error();
      line(now_, as, "accepts zone " + zone + " (answering its proposal), which binds it from now on");
      return {};
    }
    if (step.contains("message")) {
      auto sent = http_.send("POST", "/v1/messages", step["message"], token->second, key(as));
      if (!sent) return sent.error();
      line(now_, as,
           "message to " + step["message"]["to"].get<std::string>() + ": \"" +
               step["message"]["text"].get<std::string>() + "\"");
      return {};
    }
    return make_error(ErrorCode::invalid_input, "a step declares, answers, accepts a zone or sends a message", as);
  }

  Status declare(const std::string& id, const std::string& as, const std::string& token) {
    const auto f = features_.find(id);
    if (f == features_.end()) return make_error(ErrorCode::invalid_input, "no such feature in the scenario", id);
    const json& p = f->second["properties"];
    const std::string type = p.at("type");
    json body = f->second;
    body["properties"].erase("notified");  // the server's clock says when notice was given
    body["properties"].erase("accepted");  // the parties accept on the line, in the steps
    const std::string collection = type == "activity" ? "activities" : type + "s";
    auto declared = http_.send("POST", "/v1/" + collection, body, token, key(as));
    if (!declared) return declared.error();
    std::string what = "declares " + type + " " + id + " (" + p.value("kind", type);
    if (p.contains("start") && type == "activity") {
      what += ", " + when(p["start"]) + " to " + when(p.value("end", std::string("open")));
    }
    line(now_, as, what + ")");
    for (const json& c : (*declared)["conflicts"]) {
      more("conflict: " + c["rule"].get<std::string>() + " with " +
           (c["id"].is_null() ? std::string("a site not shared") : c["id"].get<std::string>()) + " (" +
           c["party"].get<std::string>() + ")");
    }
    for (const json& n : (*declared)["notices"]) {
      // A site's notices are about the activities it meets; a zone's ask to agree to it.
      const std::string named = notice_subject(n).id, about = named.empty() ? id : named;
      notices_[{about, n["party"]}] = n["id"];
      more("notice " + n["id"].get<std::string>() + " to " + n["party"].get<std::string>() +
           (about == id ? "" : " about " + about) + ", answer by " + when(n["deadline"]));
    }
    return {};
  }

  Status answer(const json& step, const std::string& as, const std::string& token) {
    const std::string activity = step.at("activity"), how = step.at("answer");
    const auto n = notices_.find({activity, as});
    if (n == notices_.end())
      return make_error(ErrorCode::invalid_input, as + " was not notified of " + activity, "answer");
    const json body = how == "object" ? json{{"text", step.value("text", "")}} : json::object();
    auto answered = http_.send("POST", "/v1/notices/" + n->second + "/" + (how == "object" ? "object" : "ack"), body,
                               token, key(as));
    if (!answered) return answered.error();
    line(now_, as,
         (how == "object" ? "objects to " : "acknowledges ") + activity +
             (how == "object" ? ": \"" + step.value("text", "") + "\"" : " (acknowledgement is not approval)"));
    return {};
  }

  // After the last step, day by day: what is active, and any escalation.
  Status days_to_end() {
    auto t = parse_rfc3339(now_);
    auto end = parse_rfc3339(scenario_.at("end").get<std::string>());
    if (!t || !end) return make_error(ErrorCode::invalid_input, "bad time in the scenario", "end");
    TimePoint day = std::chrono::floor<std::chrono::days>(*t) + std::chrono::days(1);
    for (; day <= *end; day += std::chrono::days(1)) {
      if (Status st = move_clock(format_rfc3339(day)); !st) return st;
      std::set<std::string> ids;  // each party's own activities active that day
      for (const auto& [party, token] : tokens_) {
        auto active = http_.send(
            "GET",
            "/v1/activities?party=" + party + "&start=" + now_ + "&end=" + format_rfc3339(day + std::chrono::hours(24)),
            nullptr, token);
        if (!active) return active.error();
        for (const json& f : (*active)["features"]) ids.insert(f["properties"]["id"].get<std::string>());
      }
      std::string names;
      for (const std::string& id : ids) names += (names.empty() ? "" : ", ") + id;
      line(now_, "(day)", "active: " + (names.empty() ? std::string("nothing") : names));
    }
    return {};
  }

  // The key that signs a party's acts (each party of the scenario has one).
  const record::SigningKey* key(const std::string& party) const {
    const auto k = keys_.find(party);
    return k == keys_.end() ? nullptr : &k->second;
  }

  const json& scenario_;
  std::map<std::string, json> features_;
  std::map<std::string, std::string> tokens_;
  const std::map<std::string, record::SigningKey>& keys_;
  HttpClient& http_;
  std::string now_;
  std::map<std::pair<std::string, std::string>, std::string> notices_;  // (activity, party) -> notice id
  std::set<std::string> escalated_;
};

// Each party of the scenario makes its own key and registers it (its first:
// the token suffices), so that the record proves its acts; the key files are
// kept in DB.keys/ for the map (import one to act as the party there).
Result<std::map<std::string, record::SigningKey>> register_keys(Service& service,
                                                                const std::map<std::string, std::string>& tokens,
                                                                const fs::path& dir) {
  std::error_code ec;
  fs::create_directory(dir, ec);
  if (ec) return make_error(ErrorCode::io_error, "cannot make '" + dir.string() + "': " + ec.message(), "--db");
  fs::permissions(dir, fs::perms::owner_all, ec);
  std::map<std::string, record::SigningKey> keys;
  for (const auto& [party, token] : tokens) {
    if (party == "operator") continue;
    auto caller = service.authenticate(token);
    if (!caller) return caller.error();
    record::SigningKey key = record::SigningKey::generate();
    if (Status st = key.save((dir / (party + ".key")).string()); !st) return st.error();
    auto added = service.as(*caller).add_key(key.public_hex(), "replay");
    if (!added) return added.error();
    keys.emplace(party, std::move(key));
  }
  return keys;
}

// The scenario's features by id, from the file it names beside it.
Result<std::map<std::string, json>> features_of(const json& scenario, const fs::path& dir) {
  auto fc = read_json_file((dir / scenario.at("features").get<std::string>()).string());
  if (!fc) return fc.error();
  std::map<std::string, json> out;
  for (const json& f : (*fc)["features"]) out[f["properties"]["id"]] = f;
  return out;
}

int run_replay(const ReplayArgs& a) {
  auto scenario = read_json_file(a.file);
  if (!scenario) return fail(scenario.error());
  std::map<std::string, json> features;
  std::map<std::string, std::string> tokens;
  std::map<std::string, record::SigningKey> keys;
  const fs::path key_dir = a.db + ".keys";
  try {
    auto found = features_of(*scenario, fs::path(a.file).parent_path());
    if (!found) return fail(found.error());
    features = std::move(*found);
    if (fs::exists(a.db))
      return fail(make_error(ErrorCode::usage, "the replay needs a fresh store; '" + a.db + "' exists", "--db"));
    StoreArgs store{a.db, "", ""};
    auto service = open_service(store);
    if (!service) return fail(service.error());
    for (const json& p : scenario->at("parties")) {
      auto token = (*service)->add_party(p.at("id"), p.value("name", ""), false);
      if (!token) return fail(token.error());
      tokens[p.at("id")] = *token;
    }
    auto admin = (*service)->add_party("operator", "Replay operator", true);
    if (!admin) return fail(admin.error());
    tokens["operator"] = *admin;
    auto made = register_keys(**service, tokens, key_dir);
    if (!made) return fail(made.error());
    keys = std::move(*made);
  } catch (const json::exception& e) {
    return fail(make_error(ErrorCode::invalid_input, std::string("not a replay scenario: ") + e.what()));
  }

  std::cout << "== " << scenario->value("name", a.file) << ": replayed through the API of deconflict serve on " << a.db
            << std::endl;
  auto server = ServerProcess::start(a, scenario->at("start"));
  if (!server) return fail(server.error());
  auto http = HttpClient::connect(server->url(), tokens["operator"]);
  if (!http) {
    server->stop();  // not left running when the replay cannot go on
    return fail(http.error());
  }
  Replay replay(*scenario, std::move(features), tokens, keys, **http);
  if (Status st = replay.run(); !st) {
    server->stop();
    return fail(st.error());
  }
  if (!a.serve) return server->stop() == 0 ? kOk : kStoreError;

  std::cout << "\n== The map: " << server->url() << "/  (sign in with a party's token; server log: " << server->log()
            << ")\n";
  for (const auto& [party, token] : tokens) std::cout << "   " << std::left << std::setw(14) << party << token << "\n";
  std::cout << "   Each party's acts are signed: import its key file on the map to act as it (" << key_dir.string()
            << "/PARTY.key).\n";
  std::cout << "   Ctrl-C stops the server." << std::endl;
  // Until Ctrl-C or SIGTERM, which stop the server too.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &stop, nullptr);
  int signal = 0;
  ::sigwait(&stop, &signal);
  return server->stop() == 0 ? kOk : kStoreError;
}

}  // namespace

Runner add_replay(CLI::App& app) {
  auto a = std::make_shared<ReplayArgs>();
  app.add_option("file", a->file, "The replay scenario (JSON; see scenarios/at-tanf-2018.replay.json)")->required();
  app.add_option("--db", a->db, "A fresh store to replay into")->capture_default_str();
  app.add_option("--listen", a->listen, "HOST:PORT for the server (port 0 picks a free one)")->capture_default_str();
  app.add_flag("--serve", a->serve, "Keep serving the map after the replay, until Ctrl-C");
  return [a] { return run_replay(*a); };
}

}  // namespace deconflict::cli
