// The stores through the service facade: what is stored survives a restart,
// changes are all or nothing, the schema is versioned, and services on one
// store follow each other's changes. AnyStore tests run on the embedded
// SQLite file and on a real PostgreSQL server alike.
#include "store/store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <thread>

#include "deconflict/service.hpp"
#include "deconflict/time.hpp"
#include "format/feature_reader.hpp"
#include "geo/shape.hpp"
#include "pg_cluster.hpp"
#include "record/crypto.hpp"
#include "scratch_dir.hpp"
#include "store/schema.hpp"
#include "store/wal_checkpointer.hpp"

namespace deconflict {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.db_path = (dir_ / "test.db").string();
    options_.clock = [] { return *parse_rfc3339("2018-09-01T08:00:00Z"); };
  }

  std::unique_ptr<Service> open() {
    auto s = Service::open(options_);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().describe());
    return std::move(*s);
  }

  static std::vector<PreparedVolume> scenario() {
    auto text = format::read_file(std::string(DECONFLICT_SOURCE_DIR) + "/scenarios/at-tanf-2018.geojson");
    auto batch = format::read_features(*text, {.server_fields = format::ServerFields::zone_answers});
    return std::move(batch->volumes);
  }

  deconflict::testing::ScratchDir dir_{"store"};
  Options options_;
};

class AnyStore : public StoreTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (GetParam() != "postgres") return;
    auto& cluster = deconflict::testing::PgCluster::instance();
    ASSERT_EQ(cluster.error(), "");
    options_.db_path = cluster.fresh_database();
    options_.key_path = (dir_ / "record.key").string();
  }
  // A second, empty store of the same kind.
  std::unique_ptr<Service> open_other_store() {
    Options other = options_;
    if (GetParam() == "postgres") {
      other.db_path = deconflict::testing::PgCluster::instance().fresh_database();
      other.key_path = (dir_ / "other.key").string();
    } else {
      other.db_path = (dir_ / "other.db").string();
    }
    auto s = Service::open(other);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().describe());
    return std::move(*s);
  }
};
INSTANTIATE_TEST_SUITE_P(Stores, AnyStore, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST_P(AnyStore, WhatIsStoredSurvivesARestartAndTheIndexIsRebuilt) {
  std::vector<Conflict> before;
  {
    auto service = open();
    auto r = service->import(scenario(), ImportMode::create);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r->created.size(), 9u);
    before = service->all_conflicts();
    ASSERT_FALSE(before.empty());
  }
  auto service = open();
  EXPECT_EQ(service->size(), 9u);
  const auto after = service->all_conflicts();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].other_id, before[i].other_id);
    EXPECT_EQ(after[i].distance.value, before[i].distance.value);
  }
  EXPECT_EQ(service->find("coalition.zone-at-tanf")->version, 1);
}

// Opening takes in the nonces of the record's recent signed requests: read
// newest first, a page at a time, past the entries that have none.
TEST_P(AnyStore, SignedStatementsAreReadNewestFirstPastUnsignedEntries) {
  open();  // a store whose record has started
  auto store = store::open_store(options_.db_path);
  ASSERT_TRUE(store.ok()) << store.error().describe();
  const int64_t head = *(*store)->record_head();
  RecordEntry last = (*(*store)->load_record(head - 1, 1)).at(0);
  store::WriteBatch batch;
  std::vector<int64_t> signed_seqs;
  for (int i = 1; i <= 20; ++i) {
    RecordEntry e = last;
    e.seq = last.seq + 1;
    e.prev = last.hash;
    e.hash = record::to_hex(record::sha256(std::to_string(e.seq)));
    e.statement = i % 3 == 0 ? R"({"n":)" + std::to_string(e.seq) + "}" : "";
    if (!e.statement.empty()) signed_seqs.push_back(e.seq);
    batch.record.push_back(e);
    last = e;
  }
  ASSERT_TRUE((*store)->write(batch).ok());
  std::vector<int64_t> read;
  for (int64_t before = last.seq + 1;;) {  // pages of 2, newest first
    auto page = (*store)->load_statements_before(before, 2);
    ASSERT_TRUE(page.ok()) << page.error().describe();
    for (const store::SignedStatement& s : *page) {
      EXPECT_EQ(s.statement, R"({"n":)" + std::to_string(s.seq) + "}");
      read.push_back(s.seq);
    }
    if (page->size() < 2) break;
    before = page->back().seq;
  }
  EXPECT_EQ(read, std::vector<int64_t>(signed_seqs.rbegin(), signed_seqs.rend()));
  EXPECT_TRUE((*store)->load_statements_before(signed_seqs.front(), 5)->empty());
}

// Opening reads every entry's hash for the Merkle tree, in pages on
// PostgreSQL (16,384 a page): 40,000 entries cross two pages' edges, and
// each hash must come once, in order.
TEST_P(AnyStore, EveryRecordHashIsReadOnceInOrder) {
  open();
  auto store = store::open_store(options_.db_path);
  ASSERT_TRUE(store.ok()) << store.error().describe();
  std::vector<std::string> want;
  ASSERT_TRUE((*store)->each_record_hash([&](std::string_view h) { want.emplace_back(h); }).ok());
  const int64_t head = *(*store)->record_head();
  ASSERT_EQ(want.size(), static_cast<size_t>(head));
  RecordEntry last = (*(*store)->load_record(head - 1, 1)).at(0);
  store::WriteBatch batch;
  for (int i = 0; i < 40'000; ++i) {
    RecordEntry e = last;
    e.seq = last.seq + 1;
    e.prev = last.hash;
    e.hash = record::to_hex(record::sha256(std::to_string(e.seq)));
    e.statement.clear();
    want.push_back(e.hash);
    batch.record.push_back(e);
    last = e;
  }
  ASSERT_TRUE((*store)->write(batch).ok());
  std::vector<std::string> got;
  ASSERT_TRUE((*store)->each_record_hash([&](std::string_view h) { got.emplace_back(h); }).ok());
  EXPECT_EQ(got, want);
}

// A store is opened a page of rows at a time, the rows read on several
// threads; the pages must cover every object once, whatever the threads, and
// leave room after each feature to be parsed in place.
TEST_P(AnyStore, ObjectsAreReadInPagesThatCoverEachOnce) {
  std::vector<Conflict> before;
  {
    auto service = open();
    ASSERT_TRUE(service->import(scenario(), ImportMode::create).ok());
    before = service->all_conflicts();
  }
  {
    auto store = store::open_store(options_.db_path);
    ASSERT_TRUE(store.ok()) << store.error().describe();
    std::multiset<std::string> ids;
    std::vector<size_t> sizes;
    std::string after;
    for (int guard = 0; guard < 10; ++guard) {
      auto page = (*store)->load_objects_page(after, 3);
      ASSERT_TRUE(page.ok()) << page.error().describe();
      sizes.push_back(page->objects.size());
      for (const auto& o : page->objects) {
        ids.insert(o.id);
        // Room for simdjson's padding: the opening parses each feature in place.
        EXPECT_GE(o.feature.capacity(), o.feature.size() + store::kFeatureRoom) << o.id;
      }
      if (page->objects.size() < 3) break;
      after = page->next;
    }
    EXPECT_EQ(sizes, (std::vector<size_t>{3, 3, 3, 0}));
    EXPECT_EQ(ids.size(), 9u);
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 9u);
  }

  for (unsigned threads : {1u, 3u, 16u}) {
    options_.load_threads = threads;
    auto service = open();
    EXPECT_EQ(service->size(), 9u) << threads;
    const auto after = service->all_conflicts();
    ASSERT_EQ(after.size(), before.size()) << threads;
    for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].distance.value, before[i].distance.value);
  }
}

// Every row is written with its volume's bounding cap, read back to the bit
// (PostgreSQL's doubles go through text), and it is the cap that the row's
// geometry gives when computed: an opening that takes it sees the same world.
TEST_P(AnyStore, EachRowKeepsTheCapOfItsGeometry) {
  {
    auto service = open();
    ASSERT_TRUE(service->import(scenario(), ImportMode::create).ok());
  }
  auto store = store::open_store(options_.db_path);
  ASSERT_TRUE(store.ok()) << store.error().describe();
  auto page = (*store)->load_objects_page("", 100);
  ASSERT_TRUE(page.ok()) << page.error().describe();
  ASSERT_EQ(page->objects.size(), 9u);
  for (const auto& o : page->objects) {
    ASSERT_TRUE(o.cap.has_value()) << o.id;
    auto computed = format::read_stored_feature(o.feature);
    ASSERT_TRUE(computed.ok()) << computed.error().describe();
    EXPECT_EQ(o.cap->x, computed->cap().x) << o.id;
    EXPECT_EQ(o.cap->y, computed->cap().y) << o.id;
    EXPECT_EQ(o.cap->z, computed->cap().z) << o.id;
    EXPECT_EQ(o.cap->radius_rad, computed->cap().radius_rad) << o.id;
  }
}

// Rows written before the caps were stored (NULL in their columns) open to
// the same world, each cap computed from its geometry.
TEST_F(StoreTest, RowsWithoutAStoredCapOpenToTheSameWorld) {
  std::vector<Conflict> before;
  {
    auto service = open();
    ASSERT_TRUE(service->import(scenario(), ImportMode::create).ok());
    before = service->all_conflicts();
    ASSERT_FALSE(before.empty());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.db_path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE objects SET cap_x = NULL, cap_y = NULL, cap_z = NULL, cap_radius = NULL", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  EXPECT_EQ(sqlite3_changes(db), 9);
  sqlite3_close(db);
  auto service = open();
  const auto after = service->all_conflicts();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].other_id, before[i].other_id);
    EXPECT_EQ(after[i].distance.value, before[i].distance.value);
  }
}

// A stored row that no longer reads as a volume stops the opening with an
// error naming it, on any number of threads, rather than a store opened
// without it.
TEST_F(StoreTest, AStoredRowThatDoesNotReadStopsTheOpeningAndIsNamed) {
  {
    auto service = open();
    ASSERT_TRUE(service->import(scenario(), ImportMode::create).ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.db_path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE objects SET feature = '{\"type\":\"Feature\"}' WHERE id = 'russia.strikes'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  EXPECT_EQ(sqlite3_changes(db), 1);
  sqlite3_close(db);
  for (unsigned threads : {1u, 3u, 16u}) {
    options_.load_threads = threads;
    auto service = Service::open(options_);
    ASSERT_FALSE(service.ok()) << threads;
    EXPECT_EQ(service.error().code, ErrorCode::store_error) << threads;
    EXPECT_NE(service.error().describe().find("russia.strikes"), std::string::npos) << service.error().describe();
  }
}

TEST_P(AnyStore, AnImportIsAllOrNothing) {
  auto service = open();
  ASSERT_TRUE(service->import(scenario(), ImportMode::create).ok());
  auto again = service->import(scenario(), ImportMode::create);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::already_exists);
  EXPECT_EQ(service->size(), 9u);
  auto replaced = service->import(scenario(), ImportMode::replace);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->replaced.size(), 9u);
  EXPECT_EQ(service->find("un.rukban")->version, 2);
  service.reset();
  EXPECT_EQ(open()->find("un.rukban")->version, 2);
}

// The issue: an import stored activities with their conflicts but told no
// one, and kept a `state` given in the input. Now an import goes through the
// line: each party whose volume an imported one meets is notified, states
// follow the notices, and a failure anywhere leaves nothing (no notice
// either). With ImportNotices::none nothing is checked and the record says so.
TEST_P(AnyStore, AnImportGoesThroughTheLineUnlessToldToSendNoNotices) {
  auto service = open();
  auto imported = service->import(scenario(), ImportMode::create);
  ASSERT_TRUE(imported.ok()) << imported.error().describe();
  EXPECT_GT(imported->notices, 0u);
  const Party coalition{"coalition", "coalition", false, {}, {}}, un{"un", "un", false, {}, {}};
  // Russia's entry into the zone Russia accepted: the zone's party is told.
  bool entry = false;
  for (const Notice& n : service->as(coalition).notices(NoticeState::pending)) {
    entry |= n.activity_id == "russia.entry" && n.from_party == "russia" && n.to_party == "coalition";
  }
  EXPECT_TRUE(entry);
  // Russia's strikes over Rukban camp: the UN is told, and sees the strikes.
  bool strikes = false;
  for (const Notice& n : service->as(un).notices(NoticeState::pending)) strikes |= n.activity_id == "russia.strikes";
  EXPECT_TRUE(strikes);
  EXPECT_TRUE(service->as(un).find(ObjectType::activity, "russia.strikes").ok());
  EXPECT_EQ(service->find("russia.strikes")->state, State::notified);
  EXPECT_EQ(service->find("coalition.zone-at-tanf")->state, State::agreed);  // the answers it was given

  // A second import that fails on its last feature sends nothing.
  const size_t pending = service->as(coalition).notices(NoticeState::pending).size();
  std::vector<PreparedVolume> bad = scenario();
  for (Volume& v : bad) v.id += ".2";
  std::vector<PreparedVolume> stored = scenario();
  bad.push_back(std::move(stored[0]));  // already stored
  ASSERT_FALSE(service->import(std::move(bad), ImportMode::create).ok());
  ASSERT_TRUE(service->follow().ok());
  EXPECT_EQ(service->find("russia.entry.2"), nullptr);
  EXPECT_EQ(service->as(coalition).notices(NoticeState::pending).size(), pending);

  // Unchecked: no notices, activities clear, and the record says why.
  auto other = open_other_store();
  auto quiet = other->import(scenario(), ImportMode::create, ImportNotices::none);
  ASSERT_TRUE(quiet.ok());
  EXPECT_EQ(quiet->notices, 0u);
  EXPECT_TRUE(other->as(coalition).notices(std::nullopt).empty());
  EXPECT_EQ(other->find("russia.strikes")->state, State::clear);
  const Party ops{"ops", "ops", true, {}, {}};
  auto entries = other->as(ops).record(0, 100);
  ASSERT_TRUE(entries.ok());
  bool said = false;
  for (const RecordEntry& e : *entries)
    said |= e.action == "activity.import" && e.data.find("not sent") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST_P(AnyStore, MissingIdsAndNotificationTimesAreFilledIn) {
  auto service = open();
  std::vector<PreparedVolume> volumes = scenario();
  volumes[4].id.clear();  // the Russian entry
  volumes[4].notified.reset();
  auto r = service->import(std::move(volumes), ImportMode::create);
  ASSERT_TRUE(r.ok());
  const Volume* entry = nullptr;
  for (const Volume* v : service->list({})) {
    if (v->name.find("enter the zone") != std::string::npos) entry = v;
  }
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->id.rfind("o-", 0), 0u);
  EXPECT_EQ(format_rfc3339(*entry->notified), "2018-09-01T08:00:00Z");
}

TEST_P(AnyStore, ListFiltersByTypePartyTimeAndBox) {
  auto service = open();
  ASSERT_TRUE(service->import(scenario(), ImportMode::create).ok());
  ListFilter f;
  f.type = ObjectType::site;
  EXPECT_EQ(service->list(f).size(), 4u);
  f = {};
  f.party = "russia";
  EXPECT_EQ(service->list(f).size(), 2u);
  f = {};
  f.start = *parse_rfc3339("2018-09-10T00:00:00Z");
  f.type = ObjectType::activity;
  EXPECT_EQ(service->list(f).size(), 2u);  // the entry and the live-fire exercise
  f = {};
  f.bbox = BoundingBox{0, 0, 10, 10};
  EXPECT_EQ(service->list(f).size(), 0u);
  f.bbox = BoundingBox{38.5, 33.3, 38.7, 33.6};
  EXPECT_EQ(service->list(f).size(), 9u);
  f.bbox = BoundingBox{170, 30, -170, 40};  // across the antimeridian
  EXPECT_EQ(service->list(f).size(), 0u);
}

// `near`: what comes within a distance of a position, measured exactly,
// against every stored volume's own distance with no index and no pruning.
TEST_F(StoreTest, NearListsWhatComesWithinTheDistanceAsMeasuredOnEveryVolume) {
  auto service = open();
  ASSERT_TRUE(service->import(scenario(), ImportMode::create).ok());
  ListFilter f;
  f.near = ListFilter::Near{{33.50583, 38.61778}, Metres(0)};  // the garrison
  std::vector<std::string> at;
  for (const Volume* v : service->list(f)) at.push_back(v->id);
  EXPECT_NE(std::find(at.begin(), at.end(), "coalition.zone-at-tanf"), at.end());
  EXPECT_NE(std::find(at.begin(), at.end(), "coalition.garrison"), at.end());

  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lat(32.5, 34.5), lon(37.5, 39.8), within(0, 80'000);
  const std::vector<const Volume*> every = service->list({});
  std::map<const Volume*, geo::Shape> shapes;
  for (const Volume* v : every) shapes.emplace(v, *geo::Shape::build(v->geometry));
  int listed = 0;
  for (int i = 0; i < 300; ++i) {
    f.near = ListFilter::Near{{lat(rng), lon(rng)}, Metres(i % 5 == 0 ? 0 : within(rng))};
    const auto got = service->list(f);
    const auto point = geo::Shape::build(Geometry{GeometryType::point, {{{f.near->point}}}});
    ASSERT_TRUE(point);
    for (const Volume* v : every) {
      const double excess =
          geo::distance_by_every_pair_m(shapes.at(v), *point) - v->radius.value - f.near->within.value;
      if (std::abs(excess) < 1.0) continue;  // within the 1 m every separation is promised to
      const bool in = std::find(got.begin(), got.end(), v) != got.end();
      EXPECT_EQ(in, excess < 0) << v->id << " at " << f.near->point.lat_deg << "," << f.near->point.lon_deg
                                << " within " << f.near->within.value;
      listed += in;
    }
  }
  EXPECT_GT(listed, 100) << "the points came near the volumes";
  EXPECT_FALSE(ListFilter::Near({{91, 0}, Metres(1)}).validate());
  EXPECT_FALSE(ListFilter::Near({{0, 0}, Metres(-1)}).validate());
}

TEST_F(StoreTest, TheFileIsReadableByItsOwnerOnly) {
  open();
  struct stat st {};
  ASSERT_EQ(::stat(options_.db_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(StoreTest, TheSchemaIsVersionedAndANewerOneIsRefused) {
  open();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.db_path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, nullptr);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(q, 0), deconflict::store::current_schema_version());
  sqlite3_finalize(q);
  sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto s = Service::open(options_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::store_error);
  EXPECT_NE(s.error().message.find("newer than this build"), std::string::npos);
}

TEST_P(AnyStore, PartiesHoldTokensThatOnlyTheirHashesRemember) {
  std::string coalition, russia;
  {
    auto service = open();
    coalition = *service->add_party("coalition", "US-led coalition", true);
    russia = *service->add_party("russia", "", false);
    EXPECT_EQ(service->add_party("russia", "", false).error().code, ErrorCode::already_exists);
    EXPECT_EQ(service->add_party("Not A Slug", "", false).error().code, ErrorCode::usage);
  }
  EXPECT_EQ(coalition.rfind("dcf_", 0), 0u);
  EXPECT_NE(coalition, russia);
  auto service = open();
  auto who = service->authenticate(coalition);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->id, "coalition");
  EXPECT_TRUE(who->admin);
  EXPECT_EQ(service->authenticate(russia)->name, "russia");
  EXPECT_FALSE(service->authenticate(russia + "x").ok());
  EXPECT_FALSE(service->authenticate("").ok());
  ASSERT_TRUE(service->revoke_party("russia").ok());
  EXPECT_FALSE(service->authenticate(russia).ok());
  EXPECT_EQ(service->revoke_party("nobody").error().code, ErrorCode::not_found);
  service.reset();
  EXPECT_FALSE(open()->authenticate(russia).ok());
  // The tokens themselves are nowhere in the store's files.
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(coalition.substr(4)), std::string::npos) << entry.path();
  }
}

TEST_F(StoreTest, AStoreAtAnOlderSchemaIsMigrated) {
  // Schema version 1, as the first release wrote it, with one object.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.db_path.c_str(), &db), SQLITE_OK);
  const std::string feature = R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.6,33.5]},)"
                              R"("properties":{"id":"camp","type":"site","party":"un","radius_m":500}})";
  const std::string sql =
      "CREATE TABLE objects (id TEXT PRIMARY KEY, type TEXT NOT NULL, party TEXT NOT NULL, "
      "version INTEGER NOT NULL, feature TEXT NOT NULL, updated_ms INTEGER NOT NULL);"
      "INSERT INTO objects VALUES ('camp', 'site', 'un', 1, '" +
      feature +
      "', 0);"
      "PRAGMA user_version = 1;";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto service = open();
  EXPECT_NE(service->find("camp"), nullptr);
  EXPECT_TRUE(service->add_party("un", "United Nations", false).ok());
}

TEST_F(StoreTest, ACorruptFileIsAnErrorNotACrash) {
  {
    std::FILE* f = std::fopen(options_.db_path.c_str(), "wb");
    std::fputs("this is not a database, but it is long enough to look like a header of one......", f);
    std::fclose(f);
  }
  auto s = Service::open(options_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::store_error);
}

// Group commit: changes in a group are visible at once, their events wait for
// its commit, and nothing of the group is durable before it: neither when the
// group is abandoned (its changes are gone from memory too) nor on a crash.
TEST_P(AnyStore, AGroupIsDurableOnlyWhenCommittedAndItsEventsWaitForIt) {
  auto s = open();
  auto objects = scenario();
  std::vector<PreparedVolume> zone;
  zone.push_back(std::move(objects[0]));
  ASSERT_TRUE(s->import(std::move(zone), ImportMode::create).ok());
  ASSERT_TRUE(s->add_party("russia", "", false).ok());
  const Party russia{"russia", "russia", false, {}, {}};
  auto activity = [&](const std::string& id) {
    auto batch = format::read_features(
        R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.6,33.5]},"properties":{"id":")" + id +
        R"(","type":"activity","party":"russia","kind":"movement","radius_m":500,"start":"2018-09-02T00:00:00Z","end":"2018-09-03T00:00:00Z"}})");
    return std::move(batch->volumes[0]);
  };
  size_t published = 0;
  s->on_events([&](const std::vector<Event>& events) { published += events.size(); });
  // The objects a commit touched wait with its events (live views redraw them).
  std::set<std::string> touched;
  s->on_touched([&](const std::vector<std::string>& ids) { touched.insert(ids.begin(), ids.end()); });

  {
    Service::Group group = s->group();
    ASSERT_TRUE(s->as(russia).declare(activity("russia.a1")).ok());
    ASSERT_TRUE(s->as(russia).declare(activity("russia.a2")).ok());
    EXPECT_NE(s->find("russia.a2"), nullptr);  // visible at once
    EXPECT_EQ(published, 0u);                  // but nobody is told yet
    EXPECT_TRUE(touched.empty());
    ASSERT_TRUE(group.commit().ok());
  }
  EXPECT_EQ(published, 2u);  // one notice each, to the zone's party
  // The activities, and the zone their notices are about.
  EXPECT_TRUE(touched.count("russia.a1") && touched.count("russia.a2")) << touched.size();

  {
    Service::Group group = s->group();
    ASSERT_TRUE(s->as(russia).declare(activity("russia.a3")).ok());
    EXPECT_NE(s->find("russia.a3"), nullptr);
  }  // abandoned
  ASSERT_TRUE(s->follow().ok());
  EXPECT_EQ(s->find("russia.a3"), nullptr);
  EXPECT_EQ(published, 2u);  // nobody was told of it
  EXPECT_FALSE(touched.count("russia.a3"));
  ASSERT_TRUE(s->as(russia).declare(activity("russia.a3")).ok());  // its id is free again
  EXPECT_EQ(published, 3u);

  // A crash before the group is committed: a child process opens the store,
  // declares in a group and dies.
  s.reset();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto crashing = Service::open(options_);
    if (!crashing.ok()) _exit(2);
    Service::Group group = (*crashing)->group();
    _exit((*crashing)->as(russia).declare(activity("russia.a4")).ok() ? 0 : 3);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  s = open();
  EXPECT_NE(s->find("russia.a1"), nullptr);
  EXPECT_NE(s->find("russia.a3"), nullptr);
  EXPECT_EQ(s->find("russia.a4"), nullptr);
}

// Two services on one store (two nodes on one database, or a CLI beside a
// server): each change is checked against the other's, whichever made it
// last, and each follows the other's changes and events without a restart.
TEST_P(AnyStore, ServicesOnOneStoreFollowEachOther) {
  auto first = open();
  auto second = open();
  auto token = first->add_party("russia", "", false);
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(second->add_party("coalition", "", false).ok());  // after catching up with the first
  const Party russia{"russia", "russia", false, {}, {}};
  const Party coalition{"coalition", "coalition", false, {}, {}};
  auto activity = [](const std::string& id, const std::string& party) {
    auto batch = format::read_features(
        R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.6,33.5]},"properties":{"id":")" + id +
        R"(","type":"activity","party":")" + party +
        R"(","kind":"movement","radius_m":500,"start":"2018-09-02T00:00:00Z","end":"2018-09-03T00:00:00Z"}})");
    return std::move(batch->volumes[0]);
  };
  std::vector<Event> heard_by_first;
  first->on_events(
      [&](const std::vector<Event>& e) { heard_by_first.insert(heard_by_first.end(), e.begin(), e.end()); });

  ASSERT_TRUE(first->as(russia).declare(activity("russia.entry", "russia")).ok());
  auto exercise = second->as(coalition).declare(activity("coalition.exercise", "coalition"));
  ASSERT_TRUE(exercise.ok()) << exercise.error().describe();
  ASSERT_EQ(exercise->conflicts.size(), 1u);                   // the second saw the first's activity before checking
  EXPECT_EQ(exercise->conflicts[0].other_id, "russia.entry");  // disclosed by the clash

  // The first learns of it (by a notification or its look at the head) and
  // tells its listeners of the notice sent to russia.
  for (int i = 0; i < 300 && !first->find("coalition.exercise"); ++i) {
    ASSERT_TRUE(first->authenticate(*token).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_NE(first->find("coalition.exercise"), nullptr);
  ASSERT_EQ(heard_by_first.size(), 1u);
  EXPECT_EQ(heard_by_first[0].party, "russia");
  EXPECT_EQ(heard_by_first[0].type, "notice");
  EXPECT_EQ(first->as(russia).notices(NoticeState::pending).size(), 1u);
  EXPECT_EQ(first->record_size(), second->record_size());
  EXPECT_EQ(first->tree_head(0)->root, second->tree_head(0)->root);

  // A revocation by one stops the token at the other at once.
  ASSERT_TRUE(second->revoke_party("russia").ok());
  bool refused = false;
  for (int i = 0; i < 300 && !refused; ++i) {
    refused = !first->authenticate(*token).ok();
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(refused);
}

// Options for a fresh database on the test cluster, its record key in `dir`.
Options postgres_options(const deconflict::testing::ScratchDir& dir) {
  auto& cluster = deconflict::testing::PgCluster::instance();
  EXPECT_EQ(cluster.error(), "");
  Options options;
  options.db_path = cluster.fresh_database();
  options.key_path = (dir / "record.key").string();
  return options;
}

TEST(PostgresStore, ADatabaseAtAnOlderSchemaIsMigrated) {
  ASSERT_EQ(deconflict::testing::PgCluster::instance().error(), "");
  deconflict::testing::ScratchDir dir("pg-migrate");
  const Options options = postgres_options(dir);
  // Schema version 1, as the first release wrote it, with one object.
  PGconn* conn = PQconnectdb(options.db_path.c_str());
  const std::string feature = R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.6,33.5]},)"
                              R"("properties":{"id":"camp","type":"site","party":"un","radius_m":500}})";
  PGresult* r =
      PQexec(conn, ("CREATE TABLE deconflict_schema (version INTEGER NOT NULL);"
                    "INSERT INTO deconflict_schema VALUES (1);"
                    "CREATE TABLE objects (id TEXT PRIMARY KEY, type TEXT NOT NULL, party TEXT NOT NULL, "
                    "version INTEGER NOT NULL, feature TEXT NOT NULL, updated_ms BIGINT NOT NULL, ord BIGSERIAL);"
                    "INSERT INTO objects VALUES ('camp', 'site', 'un', 1, '" +
                    feature + "', 0);")
                       .c_str());
  ASSERT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(conn);
  PQclear(r);
  PQfinish(conn);
  auto service = Service::open(options);
  ASSERT_TRUE(service.ok()) << service.error().describe();
  EXPECT_NE((*service)->find("camp"), nullptr);
  EXPECT_TRUE((*service)->add_party("un", "United Nations", false).ok());
}

TEST(PostgresStore, ANewerSchemaIsRefusedAndABadUrlIsAClearError) {
  ASSERT_EQ(deconflict::testing::PgCluster::instance().error(), "");
  deconflict::testing::ScratchDir dir("pg-schema");
  Options options = postgres_options(dir);
  ASSERT_TRUE(Service::open(options).ok());
  {
    auto store = store::open_postgres(options.db_path);
    ASSERT_TRUE(store.ok());
    EXPECT_EQ((*store)->schema_version(), deconflict::store::current_schema_version());
  }
  PGconn* conn = PQconnectdb(options.db_path.c_str());
  PQclear(PQexec(conn, "UPDATE deconflict_schema SET version = 999"));
  PQfinish(conn);
  auto s = Service::open(options);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("newer than this build"), std::string::npos);

  options.db_path = "postgresql://postgres@127.0.0.1:1/nowhere";
  s = Service::open(options);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::store_error);
  EXPECT_NE(s.error().message.find("cannot connect to PostgreSQL"), std::string::npos);
  options.key_path.clear();
  EXPECT_EQ(Service::open(options).error().field, "key_path");
}

// Guards the checkpointer that stands in for SQLite's automatic checkpoint
// (off on the writing connection): without it the write-ahead log would grow
// without end and the database file would never receive the pages written.
TEST_F(StoreTest, TheWriteAheadLogIsCheckpointedOnAThreadOfItsOwn) {
  const std::string path = (dir_ / "wal.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t (x BLOB);"
                         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                         "INSERT INTO t SELECT randomblob(1000) FROM n;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  const auto db_bytes = [&] { return std::filesystem::file_size(path); };
  ASSERT_LT(db_bytes(), 100'000u) << "the rows are still in the log";
  {
    store::WalCheckpointer checkpoints(path, std::chrono::milliseconds(10));
    ASSERT_TRUE(checkpoints.running());
    for (int i = 0; i < 500 && db_bytes() < 2'000'000u; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GT(db_bytes(), 2'000'000u) << "the checkpointer copied the log into the database file";
  sqlite3_close(db);
}

}  // namespace
}  // namespace deconflict

// The schema is described once (src/store/schema.cpp); each dialect's words
// replace every placeholder, and neither gets the other's.
TEST(Schema, EachMigrationIsWrittenInItsDialectsOwnWords) {
  for (int v = 0; v < deconflict::store::current_schema_version(); ++v) {
    const std::string sqlite = deconflict::store::migration(v, deconflict::store::Dialect::sqlite);
    const std::string postgres = deconflict::store::migration(v, deconflict::store::Dialect::postgres);
    EXPECT_EQ(sqlite.find('{'), std::string::npos) << sqlite;
    EXPECT_EQ(postgres.find('{'), std::string::npos) << postgres;
    for (const char* word : {"BIGINT", "BIGSERIAL", "BOOLEAN", "DROP CONSTRAINT"}) {
      EXPECT_EQ(sqlite.find(word), std::string::npos) << word << " in " << sqlite;
    }
    for (const char* word : {"AUTOINCREMENT", "_v7"}) {
      EXPECT_EQ(postgres.find(word), std::string::npos) << word << " in " << postgres;
    }
  }
  EXPECT_THROW(
      deconflict::store::migration(deconflict::store::current_schema_version(), deconflict::store::Dialect::sqlite),
      std::out_of_range);
}
