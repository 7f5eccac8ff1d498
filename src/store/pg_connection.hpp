// A libpq connection for the PostgreSQL store: statements prepared once and
// run with text parameters, results that free themselves, and errors as values.
//
// Used by one thread at a time, like the store that owns it.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "deconflict/status.hpp"

namespace deconflict::store {

/// One result of a statement; rows and columns count from 0.
class PgResult {
 public:
  explicit PgResult(PGresult* r) : result_(r, &PQclear) {}
  PGresult* get() const { return result_.get(); }
  int rows() const { return PQntuples(result_.get()); }
  bool null(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  /// The cell's text, with capacity for `room` more bytes after it.
  std::string text(int row, int col, size_t room = 0) const {
    const auto n = static_cast<size_t>(PQgetlength(result_.get(), row, col));
    std::string out;
    out.reserve(n + room);
    out.assign(PQgetvalue(result_.get(), row, col), n);
    return out;
  }
  int64_t integer(int row, int col) const { return std::strtoll(PQgetvalue(result_.get(), row, col), nullptr, 10); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

/// A statement's parameters as text; nullopt is SQL NULL.
using PgParams = std::vector<std::optional<std::string>>;

struct PgStatement {
  std::string sql;
  PgParams params;
};

class PgConnection {
 public:
  /// Connects to `url` and runs `setup` (again after every reconnection); a
  /// store_error says why not.
  static Result<std::unique_ptr<PgConnection>> connect(const std::string& url, std::string setup);
  ~PgConnection() { PQfinish(conn_); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  /// Runs one or more statements without parameters.
  Status exec(const std::string& sql);
  /// Runs one statement, prepared on first use, with text parameters.
  Result<PgResult> run(const std::string& sql, const PgParams& params = {});
  /// Runs the statements in one round trip (libpq's pipeline mode), in
  /// order, each prepared on first use; the first failure stops the rest and
  /// is returned. The results are in the statements' order.
  Result<std::vector<PgResult>> run_all(const std::vector<PgStatement>& statements);
  /// The SQLSTATE of the last failure ("23505" is a unique violation).
  const std::string& last_state() const { return last_state_; }

  /// Reconnects when the connection was lost; true when it did, here or
  /// since the last call (statements are prepared again, notifications and
  /// other writers' changes may have been missed).
  ///
  /// Every statement reconnects first when the connection was lost outside
  /// a transaction. One lost inside a transaction took the transaction with
  /// it: every statement fails until the owner ends it (ROLLBACK succeeds,
  /// COMMIT fails), so nothing of it runs outside it.
  Result<bool> reconnect_if_lost();
  /// The owner says it has no transaction open: one lost with the connection
  /// is over (the server rolled it back), and statements may reconnect.
  /// Without this, a lost transaction whose end never came (issue 18: a
  /// failover at an unlucky moment) failed every statement forever.
  void end_lost_transaction();
  /// Consumes what the server sent; true when a notification from another
  /// connection arrived since the last call.
  bool notified();

 private:
  PgConnection(PGconn* conn, std::string setup) : conn_(conn), setup_(std::move(setup)) {}
  /// Reconnects, unless the connection was lost inside a transaction not yet ended.
  Status reset();
  /// Before a statement: reconnects if that is safe, or says why `sql` cannot run.
  Status ready_for(const std::string& sql);
  /// After a statement: remembers whether a transaction is open.
  void note_transaction();
  Error failure(const std::string& what, const PGresult* r);
  /// The name of the prepared statement for `sql`, preparing it if needed.
  Result<std::string> prepared(const std::string& sql);
  /// Reads what a pipeline sent back: one result per statement, then the sync.
  Result<std::vector<PgResult>> pipeline_results(size_t statements);

  PGconn* conn_;
  std::string setup_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  std::string last_state_;
  bool in_transaction_ = false;    // as last seen while connected
  bool lost_transaction_ = false;  // the connection died inside one, not yet ended
  bool reconnected_ = false;       // since reconnect_if_lost last said so
  bool unset_ = false;             // reconnected, but its setup failed: reconnect again
};

}  // namespace deconflict::store
