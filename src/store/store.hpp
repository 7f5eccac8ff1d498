// Durable storage of objects behind one interface; SQLite is the embedded
// default (sqlite_store.hpp). A store keeps the canonical GeoJSON of each
// object with the columns needed to find it; the in-memory world is rebuilt
// from it when a service opens.
//
// A Store is used by one thread at a time.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deconflict/event.hpp"
#include "deconflict/geometry.hpp"
#include "deconflict/notice.hpp"
#include "deconflict/record.hpp"
#include "deconflict/status.hpp"
#include "deconflict/units.hpp"

namespace deconflict::store {

/// The capacity a store leaves after a feature's text it reads: simdjson reads
/// up to 64 bytes past a text's end, and parses one with that much room in
/// place rather than copying it first (a million rows at every opening).
inline constexpr size_t kFeatureRoom = 64;

struct StoredObject {
  std::string id;
  std::string type;
  std::string party;
  int version = 1;
  std::string feature;  // the GeoJSON Feature, as written by format::to_feature; read with kFeatureRoom to spare
  TimePoint updated;
  std::optional<BoundingCap> cap;  // PreparedVolume::cap() when written; none in rows of older builds
};

struct StoredParty {
  std::string id;
  std::string name;
  bool admin = false;
  std::string token_hash;  // hex SHA-256 of the bearer token; the token itself is never stored
  TimePoint created;
  std::optional<TimePoint> revoked;
};

/// Everything one change writes; applied in a single transaction or not at all.
/// Every row is stamped with the seq of the batch's last record entry, so that
/// another node following the record can fetch what the entries changed.
struct WriteBatch {
  std::vector<StoredObject> upserts;
  std::vector<StoredParty> parties;  // inserted or replaced
  std::vector<Notice> notices;       // inserted or replaced
  std::vector<Message> messages;     // inserted
  std::vector<Event> events;         // appended; write() sets their seq
  std::vector<RecordEntry> record;   // appended; the first must follow the stored head
};

/// One page of objects (Store::load_objects_page).
struct ObjectPage {
  std::vector<StoredObject> objects;
  std::string next;  // the `after` of the next page
};

/// A signed request kept on the record (RecordEntry::statement), by the seq
/// of its entry (Store::load_statements_before).
struct SignedStatement {
  int64_t seq = 0;
  std::string statement;
};

/// What record entries after some seq wrote (Store::load_changes).
struct Changes {
  std::vector<StoredObject> objects;
  std::vector<Notice> notices;
  std::vector<Message> messages;
  std::vector<Event> events;  // of every party
};

class Store {
 public:
  virtual ~Store() = default;
  /// The schema version the store is at after its migrations ran.
  virtual int schema_version() const = 0;
  /// The objects a page at a time, in the store's own order: start with an
  /// empty `after`, then pass each page's `next`; a page with fewer than
  /// `limit` objects is the last. Read the pages in one ReadScope.
  virtual Result<ObjectPage> load_objects_page(const std::string& after, size_t limit) = 0;
  virtual Result<std::vector<StoredParty>> load_parties() = 0;
  virtual Result<std::vector<Notice>> load_notices() = 0;
  virtual Result<std::vector<Message>> load_messages() = 0;
  /// The party's events with seq > after, oldest first, at most `limit`.
  virtual Result<std::vector<Event>> load_events(const std::string& party, int64_t after, size_t limit) = 0;
  /// Record entries with seq > after, oldest first, at most `limit`.
  virtual Result<std::vector<RecordEntry>> load_record(int64_t after, size_t limit) = 0;
  /// The record entries about one subject (an object, notice or message id), oldest first.
  virtual Result<std::vector<RecordEntry>> load_record_about(const std::string& subject) = 0;
  /// Hands `take` every entry's hash (hex), in order, one at a time: a
  /// million of them held as strings at once cost 100 MB at open.
  virtual Status each_record_hash(const std::function<void(std::string_view hash_hex)>& take) = 0;
  /// The signed requests of the entries with seq < before, newest first, at
  /// most `limit`; entries without one are skipped by an index, not read.
  virtual Result<std::vector<SignedStatement>> load_statements_before(int64_t before, size_t limit) = 0;
  /// The seq of the record's last entry; 0 when the record is empty.
  virtual Result<int64_t> record_head() = 0;
  /// The rows written by the record entries with seq > after, each as it is now.
  virtual Result<Changes> load_changes(int64_t after) = 0;

  /// A consistent view for several reads: until end_read() every load sees
  /// the store as of one moment (inside a write lock, it is that anyway).
  virtual Status begin_read() = 0;
  virtual void end_read() = 0;

  // Writing. Writers are serialized: lock() opens a transaction and takes the
  // store's write lock (SQLite's write lock; a PostgreSQL advisory lock shared
  // by every node), so that a change is checked against the store's head and
  // appended to it without another writer in between. The lock is held until
  // the change, or the group, commits.

  /// Takes the write lock if this connection does not hold it; true when this
  /// call took it (the caller then catches up with what others wrote).
  virtual Result<bool> lock() = 0;
  /// Gives the lock back if no write or group holds it (a change that failed
  /// its checks before writing).
  virtual void unlock() = 0;
  /// Applies the batch (taking the lock first if needed): committed at once,
  /// or, inside a group, as a savepoint of the group's transaction. On
  /// success the batch's events carry their seq. version_conflict when the
  /// batch's first record entry does not follow the stored head.
  virtual Status write(WriteBatch& batch) = 0;
  /// Group commit: between begin_group() and end_group() every write() is a
  /// savepoint of one transaction (a failed write rolls back only itself),
  /// made durable once by end_group(). Nothing is durable before end_group().
  virtual void begin_group() = 0;
  virtual Status end_group() = 0;
  /// Ends the group without making it durable: every write since
  /// begin_group() is rolled back.
  virtual void abandon_group() = 0;
  /// From now on end_group() returns once the group is committed, before it
  /// is durable (SQLite: its log written but not synced); what this returns
  /// makes every commit returned before it was called durable, and may be
  /// called on any thread. A commit outside a group still waits for the disk.
  /// Empty, and nothing changes, when this store's commits are durable when
  /// they return (PostgreSQL, whose server syncs).
  virtual std::function<Status()> defer_group_syncs() { return {}; }
  /// True while this connection holds the write lock in an open transaction
  /// (a group that wrote, or that locked to write): what end_group() commits.
  virtual bool writing() const = 0;
  /// True when another connection (a CLI command beside a server, another
  /// node) may have committed a change since the last call; asked on every
  /// request, so that every request sees what was committed before it came.
  virtual Result<bool> changed_elsewhere() = 0;
  /// Ok when a write could succeed now: the store is not read-only (a
  /// standby, a read-only file) and has room (kMinFreeBytes on its disk).
  virtual Status writable() = 0;
  static constexpr uint64_t kMinFreeBytes = 64ull << 20;
};

/// Store::begin_read() and end_read() for the length of a scope.
class ReadScope {
 public:
  explicit ReadScope(Store& store) : store_(store), status_(store.begin_read()) {}
  ~ReadScope() {
    if (status_) store_.end_read();
  }
  ReadScope(const ReadScope&) = delete;
  ReadScope& operator=(const ReadScope&) = delete;
  const Status& status() const { return status_; }

 private:
  Store& store_;
  Status status_;
};

/// Opens (creating and migrating as needed) the SQLite store at `path`.
Result<std::unique_ptr<Store>> open_sqlite(const std::string& path);
/// Connects to the PostgreSQL database at `url` (postgresql://...), migrating it as needed.
Result<std::unique_ptr<Store>> open_postgres(const std::string& url);
/// True when `location` names a PostgreSQL database rather than an SQLite file.
bool is_postgres_url(const std::string& location);
/// The store at `location`: a PostgreSQL URL or an SQLite path.
Result<std::unique_ptr<Store>> open_store(const std::string& location);

}  // namespace deconflict::store
