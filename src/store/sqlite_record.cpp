#include "store/sqlite_record.hpp"

#include "store/sqlite_util.hpp"

namespace deconflict::store {
namespace {

constexpr const char* kColumns =
    "seq, time_ms, party, action, data, prev, hash, signature, subject, audience, statement, audience_parties, "
    "audience_seed";

Result<std::vector<RecordEntry>> read_rows(sqlite3* db, const Statement& q) {
  std::vector<RecordEntry> out;
  int rc = 0;
  while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
    RecordEntry e;
    e.seq = q.integer(0);
    e.time = TimePoint(std::chrono::milliseconds(q.integer(1)));
    e.party = q.text(2);
    e.action = q.text(3);
    e.data = q.text(4);
    e.prev = q.text(5);
    e.hash = q.text(6);
    e.signature = q.text(7);
    e.subject = q.text(8);
    e.audience = q.text(9);
    e.statement = q.text(10);
    e.audience_parties = q.text(11);
    e.audience_seed = q.text(12);
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return store_error(db, "cannot read the record");
  return out;
}

}  // namespace

Status write_record(sqlite3* db, StatementCache& statements, const std::vector<RecordEntry>& entries) {
  if (entries.empty()) return {};
  const Statement& head = statements.get("SELECT seq, hash FROM record ORDER BY seq DESC LIMIT 1");
  if (!head) return store_error(db, "cannot read the record's head");
  const int rc = sqlite3_step(head.get());
  const int64_t seq = rc == SQLITE_ROW ? head.integer(0) : 0;
  const std::string hash = rc == SQLITE_ROW ? head.text(1) : std::string(64, '0');
  sqlite3_reset(head.get());  // no read left open in the transaction
  if (entries.front().seq != seq + 1 || entries.front().prev != hash) {
    return make_error(ErrorCode::version_conflict, "another writer appended to the record; try again");
  }
  const std::string sql =
      std::string("INSERT INTO record (") + kColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  const Statement& put = statements.get(sql);
  if (!put) return store_error(db, "cannot prepare a write");
  for (const RecordEntry& e : entries) {
    sqlite3_reset(put.get());
    put.bind(1, e.seq);
    put.bind(2, static_cast<int64_t>(e.time.time_since_epoch().count()));
    int i = 2;
    for (const std::string* v : {&e.party, &e.action, &e.data, &e.prev, &e.hash, &e.signature, &e.subject, &e.audience,
                                 &e.statement, &e.audience_parties, &e.audience_seed}) {
      put.bind(++i, *v);
    }
    if (sqlite3_step(put.get()) != SQLITE_DONE) return store_error(db, "cannot append to the record");
  }
  return {};
}

Result<std::vector<RecordEntry>> read_record(sqlite3* db, int64_t after, size_t limit) {
  const std::string sql = std::string("SELECT ") + kColumns + " FROM record WHERE seq > ? ORDER BY seq LIMIT ?";
  Statement q(db, sql.c_str());
  if (!q) return store_error(db, "cannot read the record");
  q.bind(1, after);
  q.bind(2, static_cast<int64_t>(limit));
  return read_rows(db, q);
}

Result<std::vector<RecordEntry>> read_record_about(sqlite3* db, const std::string& subject) {
  const std::string sql = std::string("SELECT ") + kColumns + " FROM record WHERE subject = ? ORDER BY seq";
  Statement q(db, sql.c_str());
  if (!q) return store_error(db, "cannot read the record");
  q.bind(1, subject);
  return read_rows(db, q);
}

// `statement <> ''` as the partial index record_signed says it, so that the
// index serves the query.
Result<std::vector<SignedStatement>> read_statements_before(sqlite3* db, int64_t before, size_t limit) {
  Statement q(db, "SELECT seq, statement FROM record WHERE statement <> '' AND seq < ? ORDER BY seq DESC LIMIT ?");
  if (!q) return store_error(db, "cannot read the record");
  q.bind(1, before);
  q.bind(2, static_cast<int64_t>(limit));
  std::vector<SignedStatement> out;
  int rc = 0;
  while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) out.push_back({q.integer(0), q.text(1)});
  if (rc != SQLITE_DONE) return store_error(db, "cannot read the record");
  return out;
}

Status read_record_hashes(sqlite3* db, const std::function<void(std::string_view)>& take) {
  Statement q(db, "SELECT hash FROM record ORDER BY seq");
  if (!q) return store_error(db, "cannot read the record");
  int rc = 0;
  while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(q.get(), 0));
    take(std::string_view(text ? text : "", static_cast<size_t>(sqlite3_column_bytes(q.get(), 0))));
  }
  if (rc != SQLITE_DONE) return store_error(db, "cannot read the record");
  return {};
}

}  // namespace deconflict::store
