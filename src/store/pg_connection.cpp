#include "store/pg_connection.hpp"

#include <spdlog/spdlog.h>

#include <utility>

namespace deconflict::store {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<const char*> c_strings(const PgParams& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return values;
}

// Failures that pass by themselves, which a client may retry: another node
// held the write lock past lock_timeout (55P03), a transaction lost a race
// (40001, 40P01), the server is a standby for now (25006: read-only, during a
// failover), shutting down or starting (57P..), or the connection failed (08...).
bool transient(std::string_view state) {
  return state == "55P03" || state == "40001" || state == "40P01" || state == "25006" || state.starts_with("57P") ||
         state.starts_with("08");
}

bool succeeded(const PgResult& r) {
  const ExecStatusType status = PQresultStatus(r.get());
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

}  // namespace

Result<std::unique_ptr<PgConnection>> PgConnection::connect(const std::string& url, std::string setup) {
  // A network that drops packets silently (a cut link, a dead router) gives
  // TCP nothing to react to: a query sent, or awaited, would wait for its
  // retransmissions for many minutes while the node's line thread waits with
  // it. These defaults give up within seconds: the connection attempt after
  // 3 s, an idle connection after 3 s of silence and 3 unanswered probes 1 s
  // apart, data unacknowledged after 6 s. The URL comes last and overrides
  // any of them (docs/operations.md).
  const char* keywords[] = {"connect_timeout",  "keepalives",       "keepalives_idle", "keepalives_interval",
                            "keepalives_count", "tcp_user_timeout", "dbname",          nullptr};
  const char* values[] = {"3", "1", "3", "1", "3", "6000", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string why = conn ? trimmed(PQerrorMessage(conn)) : "out of memory";
    PQfinish(conn);
    return make_error(ErrorCode::store_error, "cannot connect to PostgreSQL: " + why, "db");
  }
  // Notices (for example "relation already exists, skipping") are not errors.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  std::unique_ptr<PgConnection> connection(new PgConnection(conn, std::move(setup)));
  if (Status st = connection->exec(connection->setup_); !st) return st.error();
  return connection;
}

Error PgConnection::failure(const std::string& what, const PGresult* r) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  last_state_ = state ? state : "";
  std::string why = r ? trimmed(PQresultErrorMessage(r)) : "";
  if (why.empty()) why = trimmed(PQerrorMessage(conn_));
  if (PQstatus(conn_) != CONNECTION_OK) {
    // libpq's words name the database's host and port: for the operator's
    // log, not for the parties the error is answered to.
    spdlog::warn("{}: {}", what, why);
    return make_error(ErrorCode::store_unavailable, "the connection to the database is lost; try again");
  }
  if (transient(last_state_)) {
    spdlog::warn("{}: {}", what, why);
    return make_error(ErrorCode::store_unavailable, "the database cannot take this now; try again");
  }
  return make_error(ErrorCode::store_error, what + ": " + why);
}

Status PgConnection::exec(const std::string& sql) {
  if (Status st = ready_for(sql); !st) return st;
  PgResult r(PQexec(conn_, sql.c_str()));
  note_transaction();
  if (!succeeded(r)) return failure("PostgreSQL", r.get());
  return {};
}

Result<std::string> PgConnection::prepared(const std::string& sql) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) return it->second;
  const std::string name = "s" + std::to_string(prepared_.size());
  PgResult made(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
  if (!succeeded(made)) return failure("PostgreSQL cannot prepare a statement", made.get());
  return prepared_.emplace(sql, name).first->second;
}

Result<PgResult> PgConnection::run(const std::string& sql, const PgParams& params) {
  if (Status st = ready_for(sql); !st) return st.error();
  auto name = prepared(sql);
  if (!name) return name.error();
  const std::vector<const char*> values = c_strings(params);
  PgResult r(PQexecPrepared(conn_, name->c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0));
  note_transaction();
  if (!succeeded(r)) return failure("PostgreSQL", r.get());
  return r;
}

Result<std::vector<PgResult>> PgConnection::run_all(const std::vector<PgStatement>& statements) {
  if (statements.empty()) return std::vector<PgResult>{};
  if (Status st = ready_for(statements.front().sql); !st) return st.error();
  std::vector<std::string> names;
  names.reserve(statements.size());
  for (const PgStatement& s : statements) {  // before the pipeline: preparing waits for its answer
    auto name = prepared(s.sql);
    if (!name) return name.error();
    names.push_back(std::move(*name));
  }
  if (PQenterPipelineMode(conn_) != 1) return failure("PostgreSQL cannot start a pipeline", nullptr);
  bool sent = true;
  for (size_t i = 0; i < statements.size() && sent; ++i) {
    const std::vector<const char*> values = c_strings(statements[i].params);
    sent = PQsendQueryPrepared(conn_, names[i].c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                               nullptr, 0) == 1;
  }
  if (!sent || PQpipelineSync(conn_) != 1) {
    Error e = failure("PostgreSQL cannot send a pipeline", nullptr);
    PQexitPipelineMode(conn_);
    return e;
  }
  auto results = pipeline_results(statements.size());
  PQexitPipelineMode(conn_);
  note_transaction();
  return results;
}

Result<std::vector<PgResult>> PgConnection::pipeline_results(size_t statements) {
  std::vector<PgResult> out;
  out.reserve(statements);
  std::optional<Error> first_failure;
  for (size_t i = 0; i < statements; ++i) {
    PgResult r(PQgetResult(conn_));
    if (r.get() == nullptr) return failure("PostgreSQL ended a pipeline early", nullptr);
    while (PGresult* rest = PQgetResult(conn_)) PQclear(rest);  // the null that ends each statement's results
    if (!first_failure && !succeeded(r)) first_failure = failure("PostgreSQL", r.get());
    out.push_back(std::move(r));
  }
  PgResult sync(PQgetResult(conn_));
  if (PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) return failure("PostgreSQL lost a pipeline's end", sync.get());
  if (first_failure) return *first_failure;
  return out;
}

Result<bool> PgConnection::reconnect_if_lost() {
  if (PQstatus(conn_) != CONNECTION_OK || unset_) {
    if (Status st = reset(); !st) return st.error();
  }
  return std::exchange(reconnected_, false);
}

void PgConnection::end_lost_transaction() {
  note_transaction();
  if (!lost_transaction_) return;
  spdlog::warn("PostgreSQL: a transaction lost with its connection was not ended by its owner; ending it");
  lost_transaction_ = false;
}

Status PgConnection::reset() {
  note_transaction();
  if (lost_transaction_) {
    return make_error(ErrorCode::store_unavailable, "the connection to PostgreSQL was lost inside a transaction");
  }
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) return failure("the connection to PostgreSQL is lost", nullptr);
  prepared_.clear();
  reconnected_ = true;  // until the owner asks (reconnect_if_lost)
  // A connection made while the server was still a standby (a failover's
  // first moments) refuses LISTEN, and the setup's other settings roll back
  // with it: such a connection is used for nothing until set up.
  unset_ = false;
  Status st = exec(setup_);
  unset_ = !st;
  return st;
}

void PgConnection::note_transaction() {
  if (PQstatus(conn_) == CONNECTION_OK) {
    in_transaction_ = PQtransactionStatus(conn_) != PQTRANS_IDLE;
  } else if (in_transaction_) {
    lost_transaction_ = true;  // its statements' effects are gone with the connection
    in_transaction_ = false;
  }
}

Status PgConnection::ready_for(const std::string& sql) {
  if (PQstatus(conn_) == CONNECTION_OK && !unset_) return {};
  note_transaction();
  if (lost_transaction_) {
    // The owner ends the lost transaction: a rollback is what happened to it.
    const bool rollback = sql.rfind("ROLLBACK;", 0) == 0;
    if (rollback || sql.rfind("COMMIT;", 0) == 0) lost_transaction_ = false;
    if (rollback) return {};
    return make_error(ErrorCode::store_unavailable, "the connection to PostgreSQL was lost inside a transaction");
  }
  return reset();
}

bool PgConnection::notified() {
  PQconsumeInput(conn_);
  bool from_elsewhere = false;
  while (PGnotify* n = PQnotifies(conn_)) {
    if (n->be_pid != PQbackendPID(conn_)) from_elsewhere = true;
    PQfreemem(n);
  }
  return from_elsewhere;
}

}  // namespace deconflict::store
