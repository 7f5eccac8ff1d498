// Small helpers shared by the SQLite store's files.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "deconflict/status.hpp"

namespace deconflict::store {

/// The last failure was another process holding the write lock past the busy
/// timeout: that passes by itself, and the caller may try again (503, not 500).
inline std::optional<Error> busy_elsewhere(sqlite3* db) {
  const int code = db ? sqlite3_errcode(db) & 0xff : SQLITE_NOMEM;
  if (code != SQLITE_BUSY && code != SQLITE_LOCKED) return std::nullopt;
  return make_error(ErrorCode::store_unavailable, "the store is busy with another writer; try again");
}

inline Error store_error(sqlite3* db, const std::string& what) {
  if (auto busy = busy_elsewhere(db)) return *busy;
  return make_error(ErrorCode::store_error, what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

/// A prepared statement, finalized when it goes out of scope.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() const { return stmt_; }
  explicit operator bool() const { return stmt_ != nullptr; }

  void bind(int i, const std::string& v) const {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, int64_t v) const { sqlite3_bind_int64(stmt_, i, v); }
  /// The column's text, with capacity for `room` more bytes after it.
  std::string text(int col, size_t room = 0) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    if (!p) return {};
    const auto n = static_cast<size_t>(sqlite3_column_bytes(stmt_, col));
    std::string out;
    out.reserve(n + room);
    out.assign(p, n);
    return out;
  }
  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

/// Statements prepared once per connection and reused by the write path
/// (parsing SQL on every write showed in profiles). Destroy before closing
/// the connection.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  /// The statement for `sql` (a string literal or other stable text), reset
  /// and with its bindings cleared.
  const Statement& get(const std::string& sql) {
    auto& s = statements_[sql];
    if (!s || !*s) s = std::make_unique<Statement>(db_, sql.c_str());
    sqlite3_reset(s->get());
    sqlite3_clear_bindings(s->get());
    return *s;
  }

 private:
  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements_;
};

}  // namespace deconflict::store
