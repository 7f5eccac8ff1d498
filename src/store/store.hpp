// Durable storage of objects behind one interface; SQLite is the embedded
// default (sqlite_store.hpp). A store keeps the canonical GeoJSON of each
// object with the columns needed to find it; the in-memory world is rebuilt
// from it when a service opens.
//
// A Store is used by one thread at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deconflict/event.hpp"
#include "deconflict/notice.hpp"
#include "deconflict/record.hpp"
#include "deconflict/status.hpp"
#include "deconflict/units.hpp"

namespace deconflict::store {

struct StoredObject {
  std::string id;
  std::string type;
  std::string party;
  int version = 1;
  std::string feature;  // the GeoJSON Feature, as written by format::to_feature
  TimePoint updated;
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
struct WriteBatch {
  std::vector<StoredObject> upserts;
  std::vector<std::string> deletes;
  std::vector<StoredParty> parties;  // inserted or replaced
  std::vector<Notice> notices;       // inserted or replaced
  std::vector<Message> messages;     // inserted
  std::vector<Event> events;         // appended; write() sets their seq
  std::vector<RecordEntry> record;   // appended; the first must follow the stored head
};

class Store {
 public:
  virtual ~Store() = default;
  /// The schema version the store is at after its migrations ran.
  virtual int schema_version() const = 0;
  virtual Result<std::vector<StoredObject>> load_objects() = 0;
  virtual Result<std::vector<StoredParty>> load_parties() = 0;
  virtual Result<std::vector<Notice>> load_notices() = 0;
  virtual Result<std::vector<Message>> load_messages() = 0;
  /// The party's events with seq > after, oldest first, at most `limit`.
  virtual Result<std::vector<Event>> load_events(const std::string& party, int64_t after, size_t limit) = 0;
  /// Record entries with seq > after, oldest first, at most `limit`.
  virtual Result<std::vector<RecordEntry>> load_record(int64_t after, size_t limit) = 0;
  /// The record entries about one subject (an object, notice or message id), oldest first.
  virtual Result<std::vector<RecordEntry>> load_record_about(const std::string& subject) = 0;
  /// Every entry's hash, in order.
  virtual Result<std::vector<std::string>> load_record_hashes() = 0;
  /// Applies the batch in one transaction; on success the batch's events carry their seq.
  virtual Status write(WriteBatch& batch) = 0;
  /// Group commit: between begin_group() and end_group() every write() is a
  /// savepoint of one transaction (a failed write rolls back only itself),
  /// made durable once by end_group(). Nothing is durable before end_group().
  virtual void begin_group() = 0;
  virtual Status end_group() = 0;
  /// True when another connection (a CLI command beside a server) committed a
  /// change since the last call; cheap enough to ask on every request.
  virtual Result<bool> changed_elsewhere() = 0;
};

/// Opens (creating and migrating as needed) the SQLite store at `path`.
Result<std::unique_ptr<Store>> open_sqlite(const std::string& path);

/// The schema version this build writes.
int current_schema_version();

}  // namespace deconflict::store
