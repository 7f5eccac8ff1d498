// The embedded store: one SQLite file in WAL mode, with a versioned schema.
//
// PRAGMA user_version holds the schema version; each migration moves it up by
// one inside a transaction, so a store is always at a known version. A store
// written by a newer build is refused rather than guessed at.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "store/locked_store.hpp"
#include "store/schema.hpp"
#include "store/sqlite_record.hpp"
#include "store/sqlite_util.hpp"
#include "store/store.hpp"
#include "store/wal_checkpointer.hpp"

namespace deconflict::store {
namespace {

// The store's write-ahead log, opened a second time to be synced from any
// thread: fdatasync on any descriptor of a file makes all of its written
// data durable. SQLite keeps the log (the same file) while a connection is
// open.
class WalFile {
 public:
  explicit WalFile(int fd) : fd_(fd) {}
  ~WalFile() { ::close(fd_); }
  WalFile(const WalFile&) = delete;
  WalFile& operator=(const WalFile&) = delete;
  Status sync() const {
    if (::fdatasync(fd_) == 0) return {};
    return make_error(ErrorCode::store_error, std::string("cannot sync the write-ahead log: ") + std::strerror(errno));
  }

 private:
  int fd_;
};

// An object's cap from four columns from `first` on: none when any is NULL
// (a row written before the caps were stored).
std::optional<BoundingCap> read_cap(const Statement& q, int first) {
  for (int c = first; c < first + 4; ++c) {
    if (sqlite3_column_type(q.get(), c) == SQLITE_NULL) return std::nullopt;
  }
  return BoundingCap{sqlite3_column_double(q.get(), first), sqlite3_column_double(q.get(), first + 1),
                     sqlite3_column_double(q.get(), first + 2), sqlite3_column_double(q.get(), first + 3)};
}

// Its four columns from `first` on, NULL when it has none.
void bind_cap(const Statement& q, int first, const std::optional<BoundingCap>& cap) {
  if (!cap) {
    for (int i = 0; i < 4; ++i) sqlite3_bind_null(q.get(), first + i);
    return;
  }
  const double values[] = {cap->x, cap->y, cap->z, cap->radius_rad};
  for (int i = 0; i < 4; ++i) sqlite3_bind_double(q.get(), first + i, values[i]);
}

class SqliteStore final : public LockedStore {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db), statements_(db) {}
  ~SqliteStore() override {
    checkpoints_.reset();  // so that this connection, the last, checkpoints what is left
    data_version_.reset();
    statements_ = StatementCache(nullptr);
    sqlite3_close(db_);
  }

  Status migrate() {
    if (Status st = exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"); !st) return st;
    int version = read_version();
    if (version < 0) return store_error(db_, "cannot read the schema version");
    if (version > current_schema_version()) {
      return make_error(ErrorCode::store_error, "the store has schema version " + std::to_string(version) +
                                                    ", newer than this build (" +
                                                    std::to_string(current_schema_version()) + ")");
    }
    for (; version < current_schema_version(); ++version) {
      const std::string sql = std::string("BEGIN IMMEDIATE;") + migration(version, Dialect::sqlite) +
                              "PRAGMA user_version = " + std::to_string(version + 1) + "; COMMIT;";
      if (Status st = exec(sql.c_str()); !st) {
        (void)exec("ROLLBACK;");  // the migration's own error is the one to report
        return st;
      }
    }
    version_ = version;
    return {};
  }

  int schema_version() const override { return version_; }

  Result<ObjectPage> load_objects_page(const std::string& after, size_t limit) override {
    // Pages by rowid, the table's own order: no index lookup per row.
    const int64_t after_rowid = after.empty() ? 0 : std::stoll(after);
    int64_t last_rowid = after_rowid;
    auto objects =
        read_objects("WHERE rowid > ? ORDER BY rowid LIMIT " + std::to_string(limit), after_rowid, &last_rowid);
    if (!objects) return objects.error();
    return ObjectPage{std::move(*objects), std::to_string(last_rowid)};
  }

  Result<std::vector<StoredObject>> read_objects(const std::string& tail, int64_t after,
                                                 int64_t* last_rowid = nullptr) {
    Statement q(db_, ("SELECT id, type, party, version, feature, updated_ms, rowid, cap_x, cap_y, cap_z, cap_radius "
                      "FROM objects " +
                      tail)
                         .c_str());
    if (!q) return store_error(db_, "cannot read objects");
    if (after >= 0) q.bind(1, after);
    std::vector<StoredObject> out;
    int rc = 0;
    while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
      StoredObject o;
      o.id = q.text(0);
      o.type = q.text(1);
      o.party = q.text(2);
      o.version = sqlite3_column_int(q.get(), 3);
      o.feature = q.text(4, kFeatureRoom);
      o.updated = TimePoint(std::chrono::milliseconds(sqlite3_column_int64(q.get(), 5)));
      if (last_rowid) *last_rowid = sqlite3_column_int64(q.get(), 6);
      o.cap = read_cap(q, 7);
      out.push_back(std::move(o));
    }
    if (rc != SQLITE_DONE) return store_error(db_, "cannot read objects");
    return out;
  }

  Result<std::vector<StoredParty>> load_parties() override {
    Statement q(db_, "SELECT id, name, admin, token_hash, created_ms, revoked_ms FROM parties ORDER BY id");
    if (!q) return store_error(db_, "cannot read parties");
    std::vector<StoredParty> out;
    int rc = 0;
    while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
      StoredParty p;
      p.id = q.text(0);
      p.name = q.text(1);
      p.admin = sqlite3_column_int(q.get(), 2) != 0;
      p.token_hash = q.text(3);
      p.created = TimePoint(std::chrono::milliseconds(sqlite3_column_int64(q.get(), 4)));
      if (sqlite3_column_type(q.get(), 5) != SQLITE_NULL) {
        p.revoked = TimePoint(std::chrono::milliseconds(sqlite3_column_int64(q.get(), 5)));
      }
      out.push_back(std::move(p));
    }
    if (rc != SQLITE_DONE) return store_error(db_, "cannot read parties");
    return out;
  }

  Result<std::vector<Notice>> load_notices() override { return read_notices("ORDER BY created_ms, id", -1); }

  Result<std::vector<Notice>> read_notices(const std::string& tail, int64_t after) {
    Statement q(db_, ("SELECT id, activity_id, activity_version, from_party, to_party, state, created_ms, deadline_ms, "
                      "answered_ms, text, delivered_ms, delivered_via, about FROM notices " +
                      tail)
                         .c_str());
    if (!q) return store_error(db_, "cannot read notices");
    if (after >= 0) q.bind(1, after);
    std::vector<Notice> out;
    int rc = 0;
    const auto at = [&](int col) { return TimePoint(std::chrono::milliseconds(sqlite3_column_int64(q.get(), col))); };
    while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
      Notice n;
      n.id = q.text(0);
      n.activity_id = q.text(1);
      n.activity_version = sqlite3_column_int(q.get(), 2);
      n.from_party = q.text(3);
      n.to_party = q.text(4);
      n.state = parse_notice_state(q.text(5)).value_or(NoticeState::pending);
      n.created = at(6);
      n.deadline = at(7);
      if (sqlite3_column_type(q.get(), 8) != SQLITE_NULL) n.answered = at(8);
      n.text = q.text(9);
      if (sqlite3_column_type(q.get(), 10) != SQLITE_NULL) n.delivered = at(10);
      n.delivered_via = parse_delivery(q.text(11)).value_or(Delivery::none);
      n.about = parse_notice_about(q.text(12)).value_or(NoticeAbout::activity);
      out.push_back(std::move(n));
    }
    if (rc != SQLITE_DONE) return store_error(db_, "cannot read notices");
    return out;
  }

  Result<std::vector<Message>> load_messages() override { return read_messages("ORDER BY created_ms, id", -1); }

  Result<std::vector<Message>> read_messages(const std::string& tail, int64_t after) {
    Statement q(db_, ("SELECT id, from_party, to_party, text, about, created_ms FROM messages " + tail).c_str());
    if (!q) return store_error(db_, "cannot read messages");
    if (after >= 0) q.bind(1, after);
    std::vector<Message> out;
    int rc = 0;
    while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
      out.push_back({q.text(0), q.text(1), q.text(2), q.text(3), q.text(4),
                     TimePoint(std::chrono::milliseconds(sqlite3_column_int64(q.get(), 5)))});
    }
    if (rc != SQLITE_DONE) return store_error(db_, "cannot read messages");
    return out;
  }

  Result<std::vector<Event>> load_events(const std::string& party, int64_t after, size_t limit) override {
    Statement q(db_,
                "SELECT seq, party, type, data, created_ms FROM events WHERE party = ? AND seq > ? "
                "ORDER BY seq LIMIT ?");
    if (!q) return store_error(db_, "cannot read events");
    q.bind(1, party);
    q.bind(2, after);
    q.bind(3, static_cast<int64_t>(limit));
    return read_events(q);
  }

  Result<std::vector<Event>> read_events(const Statement& q) {
    std::vector<Event> out;
    int rc = 0;
    while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
      out.push_back({sqlite3_column_int64(q.get(), 0),
                     q.text(1),
                     q.text(2),
                     q.text(3),
                     TimePoint(std::chrono::milliseconds(sqlite3_column_int64(q.get(), 4))),
                     {}});
    }
    if (rc != SQLITE_DONE) return store_error(db_, "cannot read events");
    return out;
  }

  Result<std::vector<RecordEntry>> load_record(int64_t after, size_t limit) override {
    return read_record(db_, after, limit);
  }
  Result<std::vector<RecordEntry>> load_record_about(const std::string& subject) override {
    return read_record_about(db_, subject);
  }
  Status each_record_hash(const std::function<void(std::string_view)>& take) override {
    return read_record_hashes(db_, take);
  }
  Result<std::vector<SignedStatement>> load_statements_before(int64_t before, size_t limit) override {
    return read_statements_before(db_, before, limit);
  }

  Result<int64_t> record_head() override {
    const Statement& q = statements_.get("SELECT coalesce(max(seq), 0) FROM record");
    if (!q || sqlite3_step(q.get()) != SQLITE_ROW) return store_error(db_, "cannot read the record's head");
    const int64_t head = q.integer(0);
    sqlite3_reset(q.get());
    return head;
  }

  Result<Changes> load_changes(int64_t after) override {
    Changes out;
    auto objects = read_objects("WHERE seq > ? ORDER BY seq, rowid", after);
    if (!objects) return objects.error();
    auto notices = read_notices("WHERE seq > ? ORDER BY seq, created_ms, id", after);
    if (!notices) return notices.error();
    auto messages = read_messages("WHERE seq > ? ORDER BY seq, created_ms, id", after);
    if (!messages) return messages.error();
    Statement q(db_, "SELECT seq, party, type, data, created_ms FROM events WHERE rec > ? ORDER BY seq");
    if (!q) return store_error(db_, "cannot read events");
    q.bind(1, after);
    auto events = read_events(q);
    if (!events) return events.error();
    return Changes{std::move(*objects), std::move(*notices), std::move(*messages), std::move(*events)};
  }

  Status writable() override {
    if (sqlite3_db_readonly(db_, "main") == 1) return make_error(ErrorCode::store_error, "the store is read-only");
    const char* file = sqlite3_db_filename(db_, "main");
    struct statvfs disk {};
    if (!file || ::statvfs(file, &disk) != 0)
      return make_error(ErrorCode::store_error, "cannot read the disk's free space");
    const uint64_t free_bytes = static_cast<uint64_t>(disk.f_bavail) * disk.f_frsize;
    if (free_bytes < kMinFreeBytes) {
      return make_error(ErrorCode::store_error,
                        "the store's disk has " + std::to_string(free_bytes >> 20) + " MiB free");
    }
    return {};
  }

  Result<bool> changed_elsewhere() override {
    // data_version changes only when another connection commits.
    if (!data_version_) data_version_ = std::make_unique<Statement>(db_, "PRAGMA data_version;");
    sqlite3_stmt* q = data_version_->get();
    if (!q || sqlite3_step(q) != SQLITE_ROW) {
      if (q) sqlite3_reset(q);
      return store_error(db_, "cannot read the data version");
    }
    const int64_t version = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    const bool changed = seen_version_ && version != *seen_version_;
    seen_version_ = version;
    return changed;
  }

  // SQLite's write lock serializes writers on the file.
  Status begin_locked() override { return exec("BEGIN IMMEDIATE;"); }
  // In WAL mode a read transaction sees the snapshot of its first read.
  Status begin_snapshot() override { return exec("BEGIN;"); }

 private:
  Status write_savepoint(WriteBatch& batch) override {
    return in_savepoint([&] { return write_rows(batch); });
  }

  Status write_rows(WriteBatch& batch) {
    const int64_t seq = batch_seq(batch);
    const Statement& upsert = statements_.get(
        "INSERT INTO objects (id, type, party, version, feature, updated_ms, seq, cap_x, cap_y, cap_z, cap_radius) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET type = excluded.type, party = excluded.party, "
        "version = excluded.version, feature = excluded.feature, updated_ms = excluded.updated_ms, "
        "seq = excluded.seq, cap_x = excluded.cap_x, cap_y = excluded.cap_y, cap_z = excluded.cap_z, "
        "cap_radius = excluded.cap_radius");
    if (!upsert) return store_error(db_, "cannot prepare a write");
    for (const StoredObject& o : batch.upserts) {
      sqlite3_reset(upsert.get());
      sqlite3_bind_text(upsert.get(), 1, o.id.data(), static_cast<int>(o.id.size()), SQLITE_TRANSIENT);
      sqlite3_bind_text(upsert.get(), 2, o.type.data(), static_cast<int>(o.type.size()), SQLITE_TRANSIENT);
      sqlite3_bind_text(upsert.get(), 3, o.party.data(), static_cast<int>(o.party.size()), SQLITE_TRANSIENT);
      sqlite3_bind_int(upsert.get(), 4, o.version);
      sqlite3_bind_text(upsert.get(), 5, o.feature.data(), static_cast<int>(o.feature.size()), SQLITE_TRANSIENT);
      sqlite3_bind_int64(upsert.get(), 6, o.updated.time_since_epoch().count());
      upsert.bind(7, seq);
      bind_cap(upsert, 8, o.cap);
      if (sqlite3_step(upsert.get()) != SQLITE_DONE) return store_error(db_, "cannot store '" + o.id + "'");
    }
    if (Status st = write_parties(batch.parties); !st) return st;
    if (Status st = write_notices(batch.notices, seq); !st) return st;
    if (Status st = write_messages(batch.messages, seq); !st) return st;
    if (Status st = write_events(batch.events, seq); !st) return st;
    return write_record(db_, statements_, batch.record);
  }

  Status write_parties(const std::vector<StoredParty>& parties) {
    if (parties.empty()) return {};
    const Statement& put = statements_.get(
        "INSERT OR REPLACE INTO parties (id, name, admin, token_hash, created_ms, revoked_ms) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    if (!put) return store_error(db_, "cannot prepare a write");
    for (const StoredParty& p : parties) {
      sqlite3_reset(put.get());
      sqlite3_bind_text(put.get(), 1, p.id.data(), static_cast<int>(p.id.size()), SQLITE_TRANSIENT);
      sqlite3_bind_text(put.get(), 2, p.name.data(), static_cast<int>(p.name.size()), SQLITE_TRANSIENT);
      sqlite3_bind_int(put.get(), 3, p.admin ? 1 : 0);
      sqlite3_bind_text(put.get(), 4, p.token_hash.data(), static_cast<int>(p.token_hash.size()), SQLITE_TRANSIENT);
      sqlite3_bind_int64(put.get(), 5, p.created.time_since_epoch().count());
      if (p.revoked) {
        sqlite3_bind_int64(put.get(), 6, p.revoked->time_since_epoch().count());
      } else {
        sqlite3_bind_null(put.get(), 6);
      }
      if (sqlite3_step(put.get()) != SQLITE_DONE) return store_error(db_, "cannot store party '" + p.id + "'");
    }
    return {};
  }

  Status write_notices(const std::vector<Notice>& notices, int64_t seq) {
    if (notices.empty()) return {};
    const Statement& put = statements_.get(
        "INSERT OR REPLACE INTO notices (id, activity_id, activity_version, from_party, to_party, state, "
        "created_ms, deadline_ms, answered_ms, text, seq, delivered_ms, delivered_via, about) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!put) return store_error(db_, "cannot prepare a write");
    for (const Notice& n : notices) {
      sqlite3_stmt* st = put.get();
      sqlite3_reset(st);
      const auto bind = [st](int i, const std::string& v) {
        sqlite3_bind_text(st, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
      };
      bind(1, n.id);
      bind(2, n.activity_id);
      sqlite3_bind_int(st, 3, n.activity_version);
      bind(4, n.from_party);
      bind(5, n.to_party);
      bind(6, std::string(state_name(n.state)));
      sqlite3_bind_int64(st, 7, n.created.time_since_epoch().count());
      sqlite3_bind_int64(st, 8, n.deadline.time_since_epoch().count());
      if (n.answered) {
        sqlite3_bind_int64(st, 9, n.answered->time_since_epoch().count());
      } else {
        sqlite3_bind_null(st, 9);
      }
      bind(10, n.text);
      put.bind(11, seq);
      if (n.delivered) {
        sqlite3_bind_int64(st, 12, n.delivered->time_since_epoch().count());
      } else {
        sqlite3_bind_null(st, 12);
      }
      bind(13, std::string(delivery_name(n.delivered_via)));
      bind(14, std::string(about_name(n.about)));
      if (sqlite3_step(st) != SQLITE_DONE) return store_error(db_, "cannot store notice '" + n.id + "'");
    }
    return {};
  }

  Status write_messages(const std::vector<Message>& messages, int64_t seq) {
    if (messages.empty()) return {};
    const Statement& put = statements_.get(
        "INSERT INTO messages (id, from_party, to_party, text, about, created_ms, seq) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!put) return store_error(db_, "cannot prepare a write");
    for (const Message& m : messages) {
      sqlite3_stmt* st = put.get();
      sqlite3_reset(st);
      int i = 0;
      for (const std::string* v : {&m.id, &m.from_party, &m.to_party, &m.text, &m.about}) {
        sqlite3_bind_text(st, ++i, v->data(), static_cast<int>(v->size()), SQLITE_TRANSIENT);
      }
      sqlite3_bind_int64(st, 6, m.created.time_since_epoch().count());
      put.bind(7, seq);
      if (sqlite3_step(st) != SQLITE_DONE) return store_error(db_, "cannot store message '" + m.id + "'");
    }
    return {};
  }

  Status write_events(std::vector<Event>& events, int64_t seq) {
    if (events.empty()) return {};
    const Statement& put =
        statements_.get("INSERT INTO events (party, type, data, created_ms, rec) VALUES (?, ?, ?, ?, ?)");
    if (!put) return store_error(db_, "cannot prepare a write");
    for (Event& e : events) {
      sqlite3_stmt* st = put.get();
      sqlite3_reset(st);
      int i = 0;
      for (const std::string* v : {&e.party, &e.type, &e.data}) {
        sqlite3_bind_text(st, ++i, v->data(), static_cast<int>(v->size()), SQLITE_TRANSIENT);
      }
      sqlite3_bind_int64(st, 4, e.created.time_since_epoch().count());
      put.bind(5, seq);
      if (sqlite3_step(st) != SQLITE_DONE) return store_error(db_, "cannot store an event");
      e.seq = sqlite3_last_insert_rowid(db_);
    }
    return {};
  }

  Status committed(bool group) override { return wal_ && !group ? wal_->sync() : Status{}; }

  Status exec(const char* sql) override {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return {};
    std::string m = message ? message : "unknown error";
    sqlite3_free(message);
    if (auto busy = busy_elsewhere(db_)) return *busy;
    return make_error(ErrorCode::store_error, m);
  }

  int read_version() {
    Statement q(db_, "PRAGMA user_version");
    if (!q || sqlite3_step(q.get()) != SQLITE_ROW) return -1;
    return sqlite3_column_int(q.get(), 0);
  }

  sqlite3* db_;
  int version_ = 0;
  std::unique_ptr<Statement> data_version_;  // finalized before the connection closes
  StatementCache statements_;                // likewise
  std::optional<int64_t> seen_version_;
  std::unique_ptr<WalCheckpointer> checkpoints_;
  std::shared_ptr<WalFile> wal_;  // once group syncs are deferred

 public:
  std::function<Status()> defer_group_syncs() override {
    const char* file = sqlite3_db_filename(db_, "main");
    if (!file || !*file) return {};
    const int fd = ::open((std::string(file) + "-wal").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    auto wal = std::make_shared<WalFile>(fd);
    // The log is no longer synced by each commit; a sync of the file stands
    // in for it (SQLite still syncs it before each checkpoint).
    if (Status st = exec("PRAGMA synchronous=NORMAL;"); !st) return {};
    wal_ = wal;
    return [wal] { return wal->sync(); };
  }

  /// Checkpoints on a thread of their own rather than inside this
  /// connection's commits (store/wal_checkpointer.hpp).
  void checkpoint_aside(const std::string& path) {
    checkpoints_ = std::make_unique<WalCheckpointer>(path);
    if (checkpoints_->running()) {
      (void)exec("PRAGMA wal_autocheckpoint=0;");
    } else {
      checkpoints_.reset();
    }
  }
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite(const std::string& path) {
  sqlite3* db = nullptr;
  const bool fresh = !std::filesystem::exists(path);
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    Error e = store_error(db, "cannot open '" + path + "'");
    sqlite3_close(db);
    return e;
  }
  if (fresh) ::chmod(path.c_str(), S_IRUSR | S_IWUSR);  // the WAL files inherit these permissions
  // Another process (a CLI command beside a server) holds the lock for
  // milliseconds; a server that waits blocks every client, so wait briefly.
  sqlite3_busy_timeout(db, 2000);
  auto store = std::make_unique<SqliteStore>(db);
  if (Status st = store->migrate(); !st) {
    return make_error(ErrorCode::store_error, "'" + path + "': " + st.error().message);
  }
  store->checkpoint_aside(path);
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace deconflict::store
