// Which store an integration test runs on: an SQLite file in its scratch
// directory, or, with DECONFLICT_TEST_STORE=postgres, a fresh database on the
// test PostgreSQL server (pg_cluster.hpp). Also counts rows for the checks
// that look into the store directly.
#pragma once

#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdlib>
#include <string>
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
    std::string failed;
    if (postgres()) {
      PGconn* conn = PQconnectdb(db.c_str());
      PGresult* r = PQexec(conn, sql.c_str());
      if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) failed = PQerrorMessage(conn);
      PQclear(r);
      PQfinish(conn);
      return failed;
    }
    sqlite3* h = nullptr;
    sqlite3_open(db.c_str(), &h);
    char* message = nullptr;
    if (sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) failed = message ? message : "failed";
    sqlite3_free(message);
    sqlite3_close(h);
    return failed;
  }
  /// The one integer a query returns; -1 when it fails.
  int64_t count(const std::string& sql) const {
    if (postgres()) {
      PGconn* conn = PQconnectdb(db.c_str());
      PGresult* r = PQexec(conn, sql.c_str());
      const int64_t n =
          PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? std::stoll(PQgetvalue(r, 0, 0)) : -1;
      PQclear(r);
      PQfinish(conn);
      return n;
    }
    sqlite3* h = nullptr;
    sqlite3_open(db.c_str(), &h);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(h, sql.c_str(), -1, &q, nullptr);
    const int64_t n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    sqlite3_finalize(q);
    sqlite3_close(h);
    return n;
  }
};

}  // namespace deconflict::testing
