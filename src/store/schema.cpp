#include "store/schema.hpp"

#include <array>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace deconflict::store {
namespace {

// The words in which the dialects differ, each written {NAME} in a migration.
struct Word {
  std::string_view name, sqlite, postgres;
};
constexpr std::array<Word, 5> kWords{{
    // Milliseconds and sequence numbers: SQLite's INTEGER holds 64 bits.
    {"{INT64}", "INTEGER", "BIGINT"},
    {"{BOOLEAN}", "INTEGER CHECK (admin IN (0, 1))", "BOOLEAN"},
    // IEEE doubles: each dialect's reads give back the bits written.
    {"{DOUBLE}", "REAL", "DOUBLE PRECISION"},
    {"{SERIAL_KEY}", "INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY"},
    // PostgreSQL keeps the order rows were written in (it loads objects in
    // that order, as SQLite's rowid gives it).
    {"{ORDER_COLUMN}", "", ",\n  ord        BIGSERIAL"},
}};

// A migration the same in both dialects but for the words above, or one that
// each dialect writes in its own way (`postgres` not null).
struct Migration {
  const char* sql;
  const char* postgres = nullptr;
};

constexpr std::array<Migration, 13> kMigrations{{
    {R"sql(
CREATE TABLE objects (
  id         TEXT PRIMARY KEY,
  type       TEXT NOT NULL CHECK (type IN ('zone', 'site', 'activity')),
  party      TEXT NOT NULL,
  version    INTEGER NOT NULL CHECK (version >= 1),
  feature    TEXT NOT NULL,
  updated_ms {INT64} NOT NULL{ORDER_COLUMN}
);
CREATE INDEX objects_by_party ON objects (party, type);
)sql"},
    {R"sql(
CREATE TABLE parties (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  admin      {BOOLEAN} NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_ms {INT64} NOT NULL,
  revoked_ms {INT64}
);
)sql"},
    {R"sql(
CREATE TABLE notices (
  id               TEXT PRIMARY KEY,
  activity_id      TEXT NOT NULL,
  activity_version INTEGER NOT NULL,
  from_party       TEXT NOT NULL,
  to_party         TEXT NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('pending', 'acknowledged', 'objected', 'overdue')),
  created_ms       {INT64} NOT NULL,
  deadline_ms      {INT64} NOT NULL,
  answered_ms      {INT64},
  text             TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notices_by_activity ON notices (activity_id, activity_version);
)sql"},
    {R"sql(
CREATE TABLE messages (
  id         TEXT PRIMARY KEY,
  from_party TEXT NOT NULL,
  to_party   TEXT NOT NULL,
  text       TEXT NOT NULL,
  about      TEXT NOT NULL DEFAULT '',
  created_ms {INT64} NOT NULL
);
CREATE TABLE events (
  seq        {SERIAL_KEY},
  party      TEXT NOT NULL,
  type       TEXT NOT NULL,
  data       TEXT NOT NULL,
  created_ms {INT64} NOT NULL
);
CREATE INDEX events_by_party ON events (party, seq);
)sql"},
    {R"sql(
CREATE TABLE record (
  seq       {INT64} PRIMARY KEY,
  time_ms   {INT64} NOT NULL,
  party     TEXT NOT NULL,
  action    TEXT NOT NULL,
  data      TEXT NOT NULL,
  prev      TEXT NOT NULL,
  hash      TEXT NOT NULL,
  signature TEXT NOT NULL,
  subject   TEXT NOT NULL,
  audience  TEXT NOT NULL
);
CREATE INDEX record_by_subject ON record (subject, seq);
)sql"},
    // The seq of the record entry that last wrote each row, for following the record.
    {R"sql(
ALTER TABLE objects ADD COLUMN seq {INT64} NOT NULL DEFAULT 0;
CREATE INDEX objects_by_seq ON objects (seq);
ALTER TABLE notices ADD COLUMN seq {INT64} NOT NULL DEFAULT 0;
CREATE INDEX notices_by_seq ON notices (seq);
ALTER TABLE messages ADD COLUMN seq {INT64} NOT NULL DEFAULT 0;
CREATE INDEX messages_by_seq ON messages (seq);
ALTER TABLE events ADD COLUMN rec {INT64} NOT NULL DEFAULT 0;
CREATE INDEX events_by_rec ON events (rec);
)sql"},
    // Notices may be superseded (their activity replaced) or withdrawn with
    // it. SQLite cannot change a CHECK in place: the table is copied.
    {R"sql(
CREATE TABLE notices_v7 (
  id               TEXT PRIMARY KEY,
  activity_id      TEXT NOT NULL,
  activity_version INTEGER NOT NULL,
  from_party       TEXT NOT NULL,
  to_party         TEXT NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('pending', 'acknowledged', 'objected', 'overdue', 'superseded',
                                                  'withdrawn')),
  created_ms       INTEGER NOT NULL,
  deadline_ms      INTEGER NOT NULL,
  answered_ms      INTEGER,
  text             TEXT NOT NULL DEFAULT '',
  seq              INTEGER NOT NULL DEFAULT 0
);
INSERT INTO notices_v7 (id, activity_id, activity_version, from_party, to_party, state, created_ms, deadline_ms,
                        answered_ms, text, seq)
  SELECT id, activity_id, activity_version, from_party, to_party, state, created_ms, deadline_ms, answered_ms, text, seq
  FROM notices;
DROP TABLE notices;
ALTER TABLE notices_v7 RENAME TO notices;
CREATE INDEX notices_by_activity ON notices (activity_id, activity_version);
CREATE INDEX notices_by_seq ON notices (seq);
)sql",
     R"sql(
ALTER TABLE notices DROP CONSTRAINT notices_state_check;
ALTER TABLE notices ADD CONSTRAINT notices_state_check
  CHECK (state IN ('pending', 'acknowledged', 'objected', 'overdue', 'superseded', 'withdrawn'));
)sql"},
    // When a notice first reached its party, and how (DESIGN §6.2).
    {R"sql(
ALTER TABLE notices ADD COLUMN delivered_ms {INT64};
ALTER TABLE notices ADD COLUMN delivered_via TEXT NOT NULL DEFAULT '' CHECK (delivered_via IN ('', 'inbox', 'stream'));
)sql"},
    // A party's act keeps the request it signed (record format 2, DESIGN §7).
    {R"sql(
ALTER TABLE record ADD COLUMN statement TEXT NOT NULL DEFAULT '';
)sql"},
    // An entry hashes a commitment to its audience; the parties and the seed
    // of their salts are the server's (record format 3, DESIGN §6.3).
    {R"sql(
ALTER TABLE record ADD COLUMN audience_parties TEXT NOT NULL DEFAULT '';
ALTER TABLE record ADD COLUMN audience_seed TEXT NOT NULL DEFAULT '';
)sql"},
    // A notice may ask a party to agree to a zone, and is then accepted or
    // declined, which delivers it if nothing had (DESIGN §6.2). SQLite cannot
    // change a CHECK in place: the table is copied.
    {R"sql(
CREATE TABLE notices_v11 (
  id               TEXT PRIMARY KEY,
  activity_id      TEXT NOT NULL,
  activity_version INTEGER NOT NULL,
  from_party       TEXT NOT NULL,
  to_party         TEXT NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('pending', 'acknowledged', 'objected', 'overdue', 'superseded',
                                                  'withdrawn', 'accepted', 'declined')),
  created_ms       INTEGER NOT NULL,
  deadline_ms      INTEGER NOT NULL,
  answered_ms      INTEGER,
  text             TEXT NOT NULL DEFAULT '',
  seq              INTEGER NOT NULL DEFAULT 0,
  delivered_ms     INTEGER,
  delivered_via    TEXT NOT NULL DEFAULT '' CHECK (delivered_via IN ('', 'inbox', 'stream', 'answer')),
  about            TEXT NOT NULL DEFAULT 'activity' CHECK (about IN ('activity', 'zone'))
);
INSERT INTO notices_v11 (id, activity_id, activity_version, from_party, to_party, state, created_ms, deadline_ms,
                         answered_ms, text, seq, delivered_ms, delivered_via)
  SELECT id, activity_id, activity_version, from_party, to_party, state, created_ms, deadline_ms, answered_ms, text,
         seq, delivered_ms, delivered_via
  FROM notices;
DROP TABLE notices;
ALTER TABLE notices_v11 RENAME TO notices;
CREATE INDEX notices_by_activity ON notices (activity_id, activity_version);
CREATE INDEX notices_by_seq ON notices (seq);
)sql",
     R"sql(
ALTER TABLE notices DROP CONSTRAINT notices_state_check;
ALTER TABLE notices ADD CONSTRAINT notices_state_check
  CHECK (state IN ('pending', 'acknowledged', 'objected', 'overdue', 'superseded', 'withdrawn', 'accepted',
                   'declined'));
ALTER TABLE notices DROP CONSTRAINT notices_delivered_via_check;
ALTER TABLE notices ADD CONSTRAINT notices_delivered_via_check
  CHECK (delivered_via IN ('', 'inbox', 'stream', 'answer'));
ALTER TABLE notices ADD COLUMN about TEXT NOT NULL DEFAULT 'activity' CHECK (about IN ('activity', 'zone'));
)sql"},
    // Opening a store reads every entry's hash (for the Merkle tree) and the
    // signed requests of the recent tail (for their nonces): from these two
    // indexes, not from the entries' whole rows (1.2 GB for a million objects'
    // record, where the hashes are 80 MB and an import has no signed request).
    {R"sql(
CREATE INDEX record_hashes ON record (seq, hash);
CREATE INDEX record_signed ON record (seq) WHERE statement <> '';
)sql"},
    // Each object's bounding cap as prepared when it was written (a unit
    // direction and a radius in radians), so that an opening reads it rather
    // than computing it from the geometry; NULL in rows written before.
    {R"sql(
ALTER TABLE objects ADD COLUMN cap_x {DOUBLE};
ALTER TABLE objects ADD COLUMN cap_y {DOUBLE};
ALTER TABLE objects ADD COLUMN cap_z {DOUBLE};
ALTER TABLE objects ADD COLUMN cap_radius {DOUBLE};
)sql"},
}};

}  // namespace

int current_schema_version() { return static_cast<int>(kMigrations.size()); }

std::string migration(int from, Dialect dialect) {
  if (from < 0 || from >= current_schema_version())
    throw std::out_of_range("no migration from schema version " + std::to_string(from));
  const Migration& m = kMigrations[static_cast<size_t>(from)];
  std::string sql = dialect == Dialect::postgres && m.postgres ? m.postgres : m.sql;
  for (const Word& w : kWords) {
    const std::string_view word = dialect == Dialect::sqlite ? w.sqlite : w.postgres;
    for (size_t at = 0; (at = sql.find(w.name, at)) != std::string::npos; at += word.size()) {
      sql.replace(at, w.name.size(), word);
    }
  }
  return sql;
}

}  // namespace deconflict::store
