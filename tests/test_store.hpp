// Which store an integration test runs on: an SQLite file in its scratch
// directory, or, with DECONFLICT_TEST_STORE=postgres, a fresh database on the
// test PostgreSQL server (pg_cluster.hpp). Also counts rows for the checks
// that look into the store directly.
#pragma once

#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "pg_cluster.hpp"

namespace deconflict::testing {

struct TestStore {
  std::string db;   // --db
  std::string key;  // --key-file
  std::string error;

  /// The store chosen by DECONFLICT_TEST_STORE, its files in `dir`.
  static TestStore choose(const std::string& dir) {
    TestStore s{dir + "/test.db", dir + "/test.db.key", ""};
    const char* which = std::getenv("DECONFLICT_TEST_STORE");
    if (which && std::string(which) == "postgres") {
      s.error = PgCluster::instance().error();
      if (s.error.empty()) s.db = PgCluster::instance().fresh_database();
    }
    return s;
  }
  bool postgres() const { return db.rfind("postgresql://", 0) == 0; }
  /// " --db DB --key-file KEY", for a command line.
  std::string args() const { return " --db " + db + " --key-file " + key; }
  std::vector<std::string> argv() const { return {"--db", db, "--key-file", key}; }

  /// Runs a statement, as another process would; its error, or "".
  std::string run(const std::string& sql) const {
    if (postgres()) {
      return on_postgres(sql, [](PGconn* conn, PGresult* r) -> std::string {
        const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        return ok ? "" : PQerrorMessage(conn);
      });
    }
    return on_sqlite([&](sqlite3* h) -> std::string {
      char* message = nullptr;
      std::string failed;
      if (sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) failed = message ? message : "failed";
      sqlite3_free(message);
      return failed;
    });
  }
  /// The one integer a query returns; -1 when it fails.
  int64_t count(const std::string& sql) const {
    if (postgres()) {
      return on_postgres(sql, [](PGconn*, PGresult* r) -> int64_t {
        return PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? std::stoll(PQgetvalue(r, 0, 0)) : -1;
      });
    }
    return on_sqlite([&](sqlite3* h) -> int64_t {
      sqlite3_stmt* q = nullptr;
      sqlite3_prepare_v2(h, sql.c_str(), -1, &q, nullptr);
      const int64_t n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
      sqlite3_finalize(q);
      return n;
    });
  }

 private:
  // A connection of its own for one statement, what `read` makes of its result, then closed.
  template <typename Read>
  std::invoke_result_t<Read&, PGconn*, PGresult*> on_postgres(const std::string& sql, Read read) const {
    PGconn* conn = PQconnectdb(db.c_str());
    PGresult* r = PQexec(conn, sql.c_str());
    auto out = read(conn, r);
    PQclear(r);
    PQfinish(conn);
    return out;
  }
  template <typename Use>
  std::invoke_result_t<Use&, sqlite3*> on_sqlite(Use use) const {
    sqlite3* h = nullptr;
    sqlite3_open(db.c_str(), &h);
    auto out = use(h);
    sqlite3_close(h);
    return out;
  }
};

}  // namespace deconflict::testing
