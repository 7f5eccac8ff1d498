// The shared store: one PostgreSQL database under several stateless nodes.
//
// The schema has the SQLite store's versions, in PostgreSQL's dialect; the
// table deconflict_schema holds the version. Writers on every node serialize
// on one transaction-scoped advisory lock (LockedStore): the record is one
// hash chain, so its appends must be totally ordered anyway. Each write
// notifies the channel deconflict_record on commit, which is how the other
// nodes learn at once that the record grew; they still look at the record's
// head every second, in case a notification was lost with a connection.
#include <array>
#include <charconv>
#include <chrono>

#include "store/locked_store.hpp"
#include "store/pg_connection.hpp"
#include "store/schema.hpp"

namespace deconflict::store {
namespace {

// Advisory lock keys: "deconfl" + a digit, as 64-bit integers.
constexpr const char* kWriteLock = "7306916143391025713";      // every write, until its commit
constexpr const char* kMigrationLock = "7306916143391025714";  // nodes starting together migrate once
constexpr const char* kRecordColumns =
    "seq, time_ms, party, action, data, prev, hash, signature, subject, audience, statement, audience_parties, "
    "audience_seed";

TimePoint at_ms(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }
std::string ms(TimePoint t) { return std::to_string(t.time_since_epoch().count()); }
std::optional<std::string> ms(const std::optional<TimePoint>& t) {
  return t ? std::optional<std::string>(ms(*t)) : std::nullopt;
}

// A double as text that reads back to the same bits (the shortest such).
std::string exact_text(double x) {
  std::array<char, 32> buffer{};
  const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), x).ptr;
  return std::string(buffer.data(), end);
}

// An object's cap as four parameters, NULL when it has none.
std::array<std::optional<std::string>, 4> cap_params(const std::optional<BoundingCap>& cap) {
  if (!cap) return {};
  return {exact_text(cap->x), exact_text(cap->y), exact_text(cap->z), exact_text(cap->radius_rad)};
}

// An object's cap from four columns from `first` on: none when any is NULL
// (a row written before the caps were stored) or not a number.
std::optional<BoundingCap> read_cap(const PgResult& r, int row, int first) {
  std::array<double, 4> v{};
  for (int i = 0; i < 4; ++i) {
    if (r.null(row, first + i)) return std::nullopt;
    const char* text = PQgetvalue(r.get(), row, first + i);
    const char* end = text + PQgetlength(r.get(), row, first + i);
    if (std::from_chars(text, end, v[static_cast<size_t>(i)]).ec != std::errc()) return std::nullopt;
  }
  return BoundingCap{v[0], v[1], v[2], v[3]};
}

class PostgresStore final : public LockedStore {
 public:
  explicit PostgresStore(std::unique_ptr<PgConnection> db) : db_(std::move(db)) {}

  Status migrate() {
    if (Status st = db_->exec(std::string("SELECT pg_advisory_lock(") + kMigrationLock + ");"); !st) return st;
    Status st = run_migrations();
    (void)db_->exec(std::string("SELECT pg_advisory_unlock(") + kMigrationLock + ");");
    return st;
  }

  int schema_version() const override { return version_; }

  Result<ObjectPage> load_objects_page(const std::string& after, size_t limit) override {
    auto objects = read_objects("WHERE id > $1 ORDER BY id LIMIT $2", {after, std::to_string(limit)});
    if (!objects) return objects.error();
    std::string next = objects->empty() ? after : objects->back().id;
    return ObjectPage{std::move(*objects), std::move(next)};
  }
  Result<std::vector<StoredParty>> load_parties() override {
    auto r = db_->run("SELECT id, name, admin, token_hash, created_ms, revoked_ms FROM parties ORDER BY id");
    if (!r) return r.error();
    std::vector<StoredParty> out;
    for (int i = 0; i < r->rows(); ++i) {
      StoredParty p{r->text(i, 0), r->text(i, 1), r->text(i, 2) == "t", r->text(i, 3), at_ms(r->integer(i, 4)), {}};
      if (!r->null(i, 5)) p.revoked = at_ms(r->integer(i, 5));
      out.push_back(std::move(p));
    }
    return out;
  }
  Result<std::vector<Notice>> load_notices() override { return read_notices("ORDER BY created_ms, id", {}); }
  Result<std::vector<Message>> load_messages() override { return read_messages("ORDER BY created_ms, id", {}); }

  Result<std::vector<Event>> load_events(const std::string& party, int64_t after, size_t limit) override {
    return read_events("WHERE party = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                       {party, std::to_string(after), std::to_string(limit)});
  }

  Result<std::vector<RecordEntry>> load_record(int64_t after, size_t limit) override {
    return read_record("WHERE seq > $1 ORDER BY seq LIMIT $2", {std::to_string(after), std::to_string(limit)});
  }
  Result<std::vector<RecordEntry>> load_record_about(const std::string& subject) override {
    return read_record("WHERE subject = $1 ORDER BY seq", {subject});
  }
  // A page of hashes at a time (in the caller's snapshot): a million entries'
  // hashes in one result would be about 100 MB held at once.
  Status each_record_hash(const std::function<void(std::string_view)>& take) override {
    constexpr int kPage = 16'384;
    for (std::string after = "-1";;) {
      auto r =
          db_->run("SELECT seq, hash FROM record WHERE seq > $1 ORDER BY seq LIMIT $2", {after, std::to_string(kPage)});
      if (!r) return r.error();
      for (int i = 0; i < r->rows(); ++i) take(r->text(i, 1));
      if (r->rows() < kPage) return {};
      after = std::to_string(r->integer(r->rows() - 1, 0));
    }
  }

  Result<std::vector<SignedStatement>> load_statements_before(int64_t before, size_t limit) override {
    auto r = db_->run("SELECT seq, statement FROM record WHERE statement <> '' AND seq < $1 ORDER BY seq DESC LIMIT $2",
                      {std::to_string(before), std::to_string(limit)});
    if (!r) return r.error();
    std::vector<SignedStatement> out;
    out.reserve(static_cast<size_t>(r->rows()));
    for (int i = 0; i < r->rows(); ++i) out.push_back({r->integer(i, 0), r->text(i, 1)});
    return out;
  }

  Result<int64_t> record_head() override {
    auto r = db_->run("SELECT coalesce(max(seq), 0) FROM record");
    if (!r) return r.error();
    return r->integer(0, 0);
  }

  Result<Changes> load_changes(int64_t after) override {
    const PgParams since{std::to_string(after)};
    auto objects = read_objects("WHERE seq > $1 ORDER BY seq, ord", since);
    if (!objects) return objects.error();
    auto notices = read_notices("WHERE seq > $1 ORDER BY seq, created_ms, id", since);
    if (!notices) return notices.error();
    auto messages = read_messages("WHERE seq > $1 ORDER BY seq, created_ms, id", since);
    if (!messages) return messages.error();
    auto events = read_events("WHERE rec > $1 ORDER BY seq", since);
    if (!events) return events.error();
    return Changes{std::move(*objects), std::move(*notices), std::move(*messages), std::move(*events)};
  }

  Status writable() override {
    // A standby (after a failover, the old primary) or a read-only session refuses writes.
    auto r = db_->run("SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'");
    if (!r) return r.error();
    if (r->text(0, 0) == "t") return make_error(ErrorCode::store_error, "the database accepts no writes (a standby?)");
    return {};
  }

  Result<bool> changed_elsewhere() override {
    auto reconnected = reconnect(!owns_transaction());
    if (!reconnected) return reconnected.error();
    // A notification can arrive after a request that another process's
    // commit should already govern (a token revoked a moment ago), so the
    // head is read every time: one round trip, and the answer is certain.
    const bool notified = db_->notified();
    auto head = record_head();
    if (!head) return head.error();
    const bool moved = *head != seen_head_;
    seen_head_ = *head;
    return *reconnected || notified || moved;
  }

 protected:
  Status exec(const char* sql) override { return db_->exec(sql); }
  /// Reconnects if the connection was lost. `between_transactions`: none of
  /// this store's is open, so one lost with the connection is over.
  Result<bool> reconnect(bool between_transactions) {
    if (between_transactions) db_->end_lost_transaction();
    return db_->reconnect_if_lost();
  }
  Status begin_locked() override {
    if (auto reconnected = reconnect(!owns_transaction()); !reconnected) return reconnected.error();
    head_.reset();
    return db_->exec(std::string("BEGIN; SELECT pg_advisory_xact_lock(") + kWriteLock + ");");
  }
  Status begin_snapshot() override {
    // Only begun with no transaction open (LockedStore::begin_read, whose scope counts already).
    if (auto reconnected = reconnect(true); !reconnected) return reconnected.error();
    return db_->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;");
  }

  // One round trip per write: the savepoint, every row and the notification
  // go to the server together (libpq's pipeline mode).
  Status write_savepoint(WriteBatch& batch) override {
    if (Status st = check_head(batch.record); !st) return st;
    std::vector<PgStatement> statements{{"SAVEPOINT batch", {}}};
    add_rows(batch, statements);
    statements.push_back({"RELEASE batch", {}});
    auto results = db_->run_all(statements);
    if (!results) {
      undo_savepoint();
      return results.error();
    }
    // The events' inserts come last but one (before RELEASE): their results carry the seqs.
    const size_t first_event = statements.size() - 1 - batch.events.size();
    for (size_t i = 0; i < batch.events.size(); ++i) batch.events[i].seq = (*results)[first_event + i].integer(0, 0);
    if (!batch.record.empty()) {
      head_ = {batch.record.back().seq, batch.record.back().hash};
      seen_head_ = head_->seq;  // this node's own write is no change elsewhere
    }
    return {};
  }

 private:
  // The batch's first entry must follow the stored head. Within one locked
  // transaction only this connection moves the head, so it is read once.
  Status check_head(const std::vector<RecordEntry>& entries) {
    if (entries.empty()) return {};
    if (!head_) {
      auto r = db_->run("SELECT seq, hash FROM record ORDER BY seq DESC LIMIT 1");
      if (!r) return r.error();
      head_ = r->rows() ? Head{r->integer(0, 0), r->text(0, 1)} : Head{0, std::string(64, '0')};
    }
    if (entries.front().seq != head_->seq + 1 || entries.front().prev != head_->hash) {
      return make_error(ErrorCode::version_conflict, "another writer appended to the record; try again");
    }
    return {};
  }

  void add_rows(const WriteBatch& batch, std::vector<PgStatement>& out) const {
    const std::string seq = std::to_string(batch_seq(batch));
    for (const RecordEntry& e : batch.record) {
      out.push_back({std::string("INSERT INTO record (") + kRecordColumns +
                         ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                     {std::to_string(e.seq), ms(e.time), e.party, e.action, e.data, e.prev, e.hash, e.signature,
                      e.subject, e.audience, e.statement, e.audience_parties, e.audience_seed}});
    }
    for (const StoredObject& o : batch.upserts) {
      const auto cap = cap_params(o.cap);
      out.push_back(
          {"INSERT INTO objects (id, type, party, version, feature, updated_ms, seq, cap_x, cap_y, cap_z, cap_radius) "
           "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
           "ON CONFLICT (id) DO UPDATE SET type = excluded.type, party = excluded.party, version = excluded.version, "
           "feature = excluded.feature, updated_ms = excluded.updated_ms, seq = excluded.seq, cap_x = excluded.cap_x, "
           "cap_y = excluded.cap_y, cap_z = excluded.cap_z, cap_radius = excluded.cap_radius",
           {o.id, o.type, o.party, std::to_string(o.version), o.feature, ms(o.updated), seq, cap[0], cap[1], cap[2],
            cap[3]}});
    }
    for (const StoredParty& p : batch.parties) {
      out.push_back(
          {"INSERT INTO parties (id, name, admin, token_hash, created_ms, revoked_ms) VALUES ($1, $2, $3, $4, $5, $6) "
           "ON CONFLICT (id) DO UPDATE SET name = excluded.name, admin = excluded.admin, "
           "token_hash = excluded.token_hash, created_ms = excluded.created_ms, revoked_ms = excluded.revoked_ms",
           {p.id, p.name, p.admin ? "true" : "false", p.token_hash, ms(p.created), ms(p.revoked)}});
    }
    for (const Notice& n : batch.notices) {
      out.push_back(
          {"INSERT INTO notices (id, activity_id, activity_version, from_party, to_party, state, created_ms, "
           "deadline_ms, answered_ms, text, seq, delivered_ms, delivered_via, about) "
           "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
           "ON CONFLICT (id) DO UPDATE SET activity_id = excluded.activity_id, "
           "activity_version = excluded.activity_version, from_party = excluded.from_party, "
           "to_party = excluded.to_party, state = excluded.state, created_ms = excluded.created_ms, "
           "deadline_ms = excluded.deadline_ms, answered_ms = excluded.answered_ms, text = excluded.text, "
           "seq = excluded.seq, delivered_ms = excluded.delivered_ms, delivered_via = excluded.delivered_via, "
           "about = excluded.about",
           {n.id, n.activity_id, std::to_string(n.activity_version), n.from_party, n.to_party,
            std::string(state_name(n.state)), ms(n.created), ms(n.deadline), ms(n.answered), n.text, seq,
            ms(n.delivered), std::string(delivery_name(n.delivered_via)), std::string(about_name(n.about))}});
    }
    for (const Message& m : batch.messages) {
      out.push_back(
          {"INSERT INTO messages (id, from_party, to_party, text, about, created_ms, seq) "
           "VALUES ($1, $2, $3, $4, $5, $6, $7)",
           {m.id, m.from_party, m.to_party, m.text, m.about, ms(m.created), seq}});
    }
    // Delivered to the other nodes when the transaction commits.
    out.push_back({"SELECT pg_notify('deconflict_record', $1)", {seq}});
    for (const Event& e : batch.events) {
      out.push_back(
          {"INSERT INTO events (party, type, data, created_ms, rec) VALUES ($1, $2, $3, $4, $5) RETURNING seq",
           {e.party, e.type, e.data, ms(e.created), seq}});
    }
  }

  Status run_migrations() {
    if (Status st = db_->exec("CREATE TABLE IF NOT EXISTS deconflict_schema (version INTEGER NOT NULL);"); !st)
      return st;
    auto r = db_->run("SELECT version FROM deconflict_schema");
    if (!r) return r.error();
    int version = r->rows() == 0 ? 0 : static_cast<int>(r->integer(0, 0));
    if (r->rows() == 0) {
      if (Status st = db_->exec("INSERT INTO deconflict_schema VALUES (0);"); !st) return st;
    }
    if (version > current_schema_version()) {
      return make_error(ErrorCode::store_error, "the store has schema version " + std::to_string(version) +
                                                    ", newer than this build (" +
                                                    std::to_string(current_schema_version()) + ")");
    }
    for (; version < current_schema_version(); ++version) {
      const std::string sql = std::string("BEGIN;") + migration(version, Dialect::postgres) +
                              "UPDATE deconflict_schema SET version = " + std::to_string(version + 1) + "; COMMIT;";
      if (Status st = db_->exec(sql); !st) {
        (void)db_->exec("ROLLBACK;");  // the migration's own error is the one to report
        return st;
      }
    }
    version_ = version;
    return {};
  }

  Result<std::vector<StoredObject>> read_objects(const std::string& tail, const PgParams& params) {
    auto r = db_->run(
        "SELECT id, type, party, version, feature, updated_ms, cap_x, cap_y, cap_z, cap_radius FROM objects " + tail,
        params);
    if (!r) return r.error();
    std::vector<StoredObject> out;
    out.reserve(static_cast<size_t>(r->rows()));
    for (int i = 0; i < r->rows(); ++i) {
      out.push_back({r->text(i, 0), r->text(i, 1), r->text(i, 2), static_cast<int>(r->integer(i, 3)),
                     r->text(i, 4, kFeatureRoom), at_ms(r->integer(i, 5)), read_cap(*r, i, 6)});
    }
    return out;
  }

  Result<std::vector<Notice>> read_notices(const std::string& tail, const PgParams& params) {
    auto r = db_->run(
        "SELECT id, activity_id, activity_version, from_party, to_party, state, created_ms, deadline_ms, "
        "answered_ms, text, delivered_ms, delivered_via, about FROM notices " +
            tail,
        params);
    if (!r) return r.error();
    std::vector<Notice> out;
    for (int i = 0; i < r->rows(); ++i) {
      Notice n;
      n.id = r->text(i, 0);
      n.activity_id = r->text(i, 1);
      n.activity_version = static_cast<int>(r->integer(i, 2));
      n.from_party = r->text(i, 3);
      n.to_party = r->text(i, 4);
      n.state = parse_notice_state(r->text(i, 5)).value_or(NoticeState::pending);
      n.created = at_ms(r->integer(i, 6));
      n.deadline = at_ms(r->integer(i, 7));
      if (!r->null(i, 8)) n.answered = at_ms(r->integer(i, 8));
      n.text = r->text(i, 9);
      if (!r->null(i, 10)) n.delivered = at_ms(r->integer(i, 10));
      n.delivered_via = parse_delivery(r->text(i, 11)).value_or(Delivery::none);
      n.about = parse_notice_about(r->text(i, 12)).value_or(NoticeAbout::activity);
      out.push_back(std::move(n));
    }
    return out;
  }

  Result<std::vector<Message>> read_messages(const std::string& tail, const PgParams& params) {
    auto r = db_->run("SELECT id, from_party, to_party, text, about, created_ms FROM messages " + tail, params);
    if (!r) return r.error();
    std::vector<Message> out;
    for (int i = 0; i < r->rows(); ++i) {
      out.push_back(
          {r->text(i, 0), r->text(i, 1), r->text(i, 2), r->text(i, 3), r->text(i, 4), at_ms(r->integer(i, 5))});
    }
    return out;
  }

  Result<std::vector<Event>> read_events(const std::string& tail, const PgParams& params) {
    auto r = db_->run("SELECT seq, party, type, data, created_ms FROM events " + tail, params);
    if (!r) return r.error();
    std::vector<Event> out;
    for (int i = 0; i < r->rows(); ++i) {
      out.push_back({r->integer(i, 0), r->text(i, 1), r->text(i, 2), r->text(i, 3), at_ms(r->integer(i, 4)), {}});
    }
    return out;
  }

  Result<std::vector<RecordEntry>> read_record(const std::string& tail, const PgParams& params) {
    auto r = db_->run(std::string("SELECT ") + kRecordColumns + " FROM record " + tail, params);
    if (!r) return r.error();
    std::vector<RecordEntry> out;
    out.reserve(static_cast<size_t>(r->rows()));
    for (int i = 0; i < r->rows(); ++i) {
      RecordEntry e;
      e.seq = r->integer(i, 0);
      e.time = at_ms(r->integer(i, 1));
      e.party = r->text(i, 2);
      e.action = r->text(i, 3);
      e.data = r->text(i, 4);
      e.prev = r->text(i, 5);
      e.hash = r->text(i, 6);
      e.signature = r->text(i, 7);
      e.subject = r->text(i, 8);
      e.audience = r->text(i, 9);
      e.statement = r->text(i, 10);
      e.audience_parties = r->text(i, 11);
      e.audience_seed = r->text(i, 12);
      out.push_back(std::move(e));
    }
    return out;
  }

  struct Head {
    int64_t seq;
    std::string hash;
  };
  std::unique_ptr<PgConnection> db_;
  int version_ = 0;
  std::optional<Head> head_;  // the record's head within the locked transaction, once read
  int64_t seen_head_ = -1;    // the record's head when changed_elsewhere() last looked
};

}  // namespace

Result<std::unique_ptr<Store>> open_postgres(const std::string& url) {
  // A writer waiting for the lock blocks its node's clients: wait at most 2 s,
  // as the SQLite store does, then fail the write with a clear error. A
  // session idle inside a transaction (its node paused or cut off while
  // holding the lock) is ended after 5 s, so that no node holds the others'
  // writes for longer.
  auto connection = PgConnection::connect(
      url, "SET lock_timeout = '2s'; SET idle_in_transaction_session_timeout = '5s'; LISTEN deconflict_record;");
  if (!connection) return connection.error();
  auto store = std::make_unique<PostgresStore>(std::move(*connection));
  if (Status st = store->migrate(); !st) return make_error(ErrorCode::store_error, st.error().message, "db");
  return std::unique_ptr<Store>(std::move(store));
}

bool is_postgres_url(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

Result<std::unique_ptr<Store>> open_store(const std::string& location) {
  return is_postgres_url(location) ? open_postgres(location) : open_sqlite(location);
}

}  // namespace deconflict::store
