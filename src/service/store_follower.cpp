#include "service/store_follower.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "format/feature_reader.hpp"
#include "record/entry.hpp"
#include "service/service_impl.hpp"

namespace deconflict {

Result<PreparedVolume> StoreFollower::volume_of(const store::StoredObject& row) {
  auto v = format::read_stored_feature(row.feature, row.cap);
  if (!v) return make_error(ErrorCode::store_error, "stored object is not valid: " + v.error().describe(), row.id);
  v->version = row.version;
  return v;
}

namespace {

// The rows of one page being read into volumes by several threads, each
// taking the next few rows in turn: a thread slowed down (by page faults, or
// by the fetch of the next page sharing its core) leaves its rows to others
// instead of holding the page back.
class PageReading {
 public:
  PageReading(std::vector<store::StoredObject>& rows, std::shared_ptr<const engine::StoredVolume>* out)
      : rows_(rows), out_(out) {}

  void work() {
    constexpr size_t kRun = 64;
    for (size_t first; (first = next_.fetch_add(kRun)) < rows_.size() && !failed_.load();) {
      for (size_t i = first; i < std::min(rows_.size(), first + kRun); ++i) {
        auto v = StoreFollower::volume_of(rows_[i]);
        if (!v) return fail(v.error());
        out_[i] = std::make_shared<const engine::StoredVolume>(std::move(*v));
      }
    }
  }

  /// The first row's error, once every thread is done.
  Status status() const { return error_ ? Status(*error_) : Status{}; }

 private:
  void fail(Error e) {
    std::lock_guard lock(mutex_);
    if (!error_) error_ = std::move(e);
    failed_ = true;
  }

  std::vector<store::StoredObject>& rows_;
  std::shared_ptr<const engine::StoredVolume>* out_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> failed_{false};
  std::mutex mutex_;
  std::optional<Error> error_;
};

}  // namespace

unsigned StoreFollower::load_threads() const {
  return s_.options.load_threads > 0 ? s_.options.load_threads : std::max(1u, std::thread::hardware_concurrency());
}

// Every stored object, fetched a page at a time (so that the rows' text is
// never all in memory at once), each page read by options.load_threads
// threads while the next one is fetched; the fetching thread joins them once
// it has the next page.
Result<std::vector<std::shared_ptr<const engine::StoredVolume>>> StoreFollower::load_volumes() {
  constexpr size_t kPage = 8192;
  const unsigned threads = load_threads();
  std::vector<std::shared_ptr<const engine::StoredVolume>> volumes;
  auto page = s_.store->load_objects_page("", kPage);
  for (;;) {
    if (!page) return page.error();
    store::ObjectPage rows = std::move(*page);
    const bool last = rows.objects.size() < kPage;
    const size_t first = volumes.size();
    volumes.resize(first + rows.objects.size());
    PageReading reading(rows.objects, volumes.data() + first);
    {
      std::vector<std::jthread> readers;
      for (unsigned t = 0; t < threads; ++t) readers.emplace_back([&reading] { reading.work(); });
      if (!last) page = s_.store->load_objects_page(rows.next, kPage);
      reading.work();
    }
    if (Status read = reading.status(); !read) return read.error();
    if (last) return volumes;
  }
}

Status StoreFollower::load() {
  if (Status st = start_record(); !st) return st;
  store::ReadScope snapshot(*s_.store);  // every table as of one moment
  if (!snapshot.status()) return snapshot.status();
  auto volumes = load_volumes();
  if (!volumes) return volumes.error();
  // The world (maps and R-tree) is built beside the reading of the rest,
  // which does not touch it; the thread is joined however this returns.
  std::jthread build_world([this, v = std::move(*volumes)]() mutable { s_.world.assign(std::move(v)); });
  s_.notices.clear();
  s_.disclosures.clear();
  s_.probes.clear();
  if (Status st = load_parties(); !st) return st;
  if (Status st = load_record(); !st) return st;
  if (auto changed = s_.store->changed_elsewhere(); !changed) return changed.error();  // from here on
  auto stored_notices = s_.store->load_notices();
  if (!stored_notices) return stored_notices.error();
  for (const Notice& n : *stored_notices) s_.keep(n);
  auto stored_messages = s_.store->load_messages();
  if (!stored_messages) return stored_messages.error();
  s_.messages.clear();
  s_.messages_of.clear();
  for (Message& m : *stored_messages) s_.keep_message(std::move(m));
  return {};
}

// A new store's record starts with a record.start entry naming a new key;
// under the write lock, so that of several nodes opening one new database
// only one starts it.
Status StoreFollower::start_record() {
  auto head = s_.store->record_head();
  if (!head || *head > 0) return head ? Status{} : Status(head.error());
  auto took = s_.store->lock();
  if (!took) return took.error();
  struct Unlock {
    store::Store& store;
    ~Unlock() { store.unlock(); }
  } unlock{*s_.store};
  head = s_.store->record_head();
  if (!head || *head > 0) return head ? Status{} : Status(head.error());
  auto key = record::SigningKey::load(s_.options.key_file(), true);
  if (!key) return key.error();
  s_.record.start(std::move(*key));
  store::WriteBatch batch;
  s_.note(batch, "deconflict", "record.start",
          {{"algorithm", "Ed25519"},
           {"format", record::kRecordFormat},
           {"public_key", s_.record.chain().key().public_hex()}},
          "record", "*");
  return s_.commit(batch);
}

// A record begun in another format cannot be extended: its entries and the
// ones this build writes would hash different members.
Status StoreFollower::check_record_format() {
  auto first = s_.store->load_record(0, 1);
  if (!first) return first.error();
  const auto data = nlohmann::json::parse(first->at(0).data, nullptr, false);
  const int format = data.is_object() ? data.value("format", 1) : 1;
  if (format == record::kRecordFormat) return {};
  return make_error(ErrorCode::store_error,
                    "the store's record is in format " + std::to_string(format) + " and this build writes format " +
                        std::to_string(record::kRecordFormat) +
                        ": export its objects (deconflict export) with the build that wrote it and import them "
                        "into a new store");
}

// The chain's head and tree from the stored record, and the key that signs next.
Status StoreFollower::load_record() {
  auto key = record::SigningKey::load(s_.options.key_file(), false);
  if (!key) return key.error();
  s_.record.start(std::move(*key));
  // Every entry's hash, then their Merkle tree on every core: with the
  // world's maps and tree built beside it, the longest part of an opening
  // once the objects are read.
  auto head = s_.store->record_head();
  if (!head) return head.error();
  std::vector<record::Digest> hashes;
  // Reserved from the last entry's number (a damaged store's may be anything:
  // beyond a billion the vector grows as the hashes come instead).
  if (*head > 0 && *head <= 1'000'000'000) hashes.reserve(static_cast<size_t>(*head));
  std::string last_hex;
  bool damaged = false;  // a hash that is not hex: the entries after it are not taken
  if (Status st = s_.store->each_record_hash([&](std::string_view h) {
        if (damaged) return;
        const auto digest = record::public_digest_from_hex(h);
        damaged = !digest;
        if (damaged) return;
        hashes.push_back(*digest);
        last_hex = h;
      });
      !st) {
    return st;
  }
  if (damaged) return damaged_record_hash(static_cast<int64_t>(hashes.size()) + 1);
  s_.record.append_hashes(std::move(hashes), last_hex, load_threads());
  const int64_t size = s_.record.size();
  if (size > 0) {
    if (Status st = check_record_format(); !st) return st;
    auto last = s_.store->load_record(size - 1, 1);
    if (!last) return last.error();
    if (!last->empty()) s_.record.set_last_time(last->back().time);
  }
  auto key_entries = s_.store->load_record_about("record");
  if (!key_entries) return key_entries.error();
  for (const RecordEntry& e : *key_entries) s_.record.note_key(e);
  s_.keys.clear();
  s_.cosignatures.clear();
  if (Status st = load_recent_statements(size); !st) return st;
  for (const char* subject : {"disclosure", "check", "keys", "checkpoints"}) {
    auto entries = s_.store->load_record_about(subject);
    if (!entries) return entries.error();
    for (const RecordEntry& e : *entries) take_in(e);
  }
  return s_.record.follow_key(s_.options.key_file());
}

Status StoreFollower::load_parties() {
  auto stored = s_.store->load_parties();
  if (!stored) return stored.error();
  s_.parties.clear();
  for (store::StoredParty& p : *stored) s_.parties.remember(std::move(p));
  return {};
}

// The nonces of the signed requests recent enough to be replayed: the record's
// signed requests, a page at a time from the newest (each page taken in
// oldest first) until one signed more than twice the window ago (statements
// are in commit order, their `created` nearly so), and no more than kMaxScan
// of them. One page is held at a time: a request keeps its body.
Status StoreFollower::load_recent_statements(int64_t size) {
  constexpr size_t kPage = 1000, kMaxScan = 200'000;
  const int64_t cutoff = s_.signature_now_s() - 2 * s_.options.signature_window_s;
  size_t taken = 0;
  for (int64_t before = size + 1; taken < kMaxScan;) {  // seqs run from 1 to size
    auto page = s_.store->load_statements_before(before, kPage);
    if (!page) return page.error();
    bool older = false;
    for (auto s = page->rbegin(); s != page->rend(); ++s) {
      const auto created = s_.keys.take_nonce(s->statement);
      if (created && *created < cutoff) older = true;
    }
    taken += page->size();
    if (older || page->size() < kPage) break;
    before = page->back().seq;
  }
  return {};
}

void StoreFollower::take_in(const RecordEntry& e) {
  s_.keys.take(e);
  s_.cosignatures.take(e);
  if (e.subject == "check") s_.probes.add(e.party, e.time);  // a dry run (PartyView::check)
  if (auto d = disclosed_by(e)) s_.disclosures.disclose(d->to, d->object);
}

// Take it all in before the next request, so that a revoked token stops
// working at once.
Status StoreFollower::follow() {
  if (needs_load_) {
    if (Status st = load(); !st) return st;
    needs_load_ = false;
    return {};
  }
  auto changed = s_.store->changed_elsewhere();
  if (!changed) return changed.error();
  return *changed ? catch_up() : Status{};
}

Status StoreFollower::catch_up() {
  store::ReadScope snapshot(*s_.store);  // the entries and the rows they wrote, as of one moment
  if (!snapshot.status()) return snapshot.status();
  auto head = s_.store->record_head();
  if (!head) return head.error();
  const int64_t known = s_.record.size();
  if (*head == known) return {};
  if (*head < known) return load();  // the store went back (restored from a backup): start over
  auto entries = s_.store->load_record(known, static_cast<size_t>(*head - known));
  if (!entries) return entries.error();
  auto changes = s_.store->load_changes(known);
  if (!changes) return changes.error();
  for (const RecordEntry& e : *entries) {
    if (Status st = s_.record.follow(e); !st) {
      needs_load_ = true;  // memory has taken part of what the store holds: load it all next time (and fail there)
      return st;
    }
    take_in(e);
  }
  for (const store::StoredObject& row : changes->objects) {
    auto v = volume_of(row);
    if (!v) return v.error();
    s_.world.put(std::move(*v));
  }
  for (const Notice& n : changes->notices) s_.keep(n);
  for (const Message& m : changes->messages) s_.keep_message(m);
  if (Status st = load_parties(); !st) return st;
  if (Status st = s_.record.follow_key(s_.options.key_file()); !st) return st;
  s_.publish(std::move(changes->events), touched_by(changes->objects, changes->notices, *entries));
  return {};
}

}  // namespace deconflict
