// The state behind the Service facade, shared by the files that implement it
// (service.cpp: objects and parties; line_service.cpp: the line).
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <unordered_map>

#include "deconflict/notice.hpp"
#include "deconflict/service.hpp"
#include "engine/world.hpp"
#include "format/feature_reader.hpp"
#include "format/feature_writer.hpp"
#include "record/chain.hpp"
#include "record/crypto.hpp"
#include "service/disclosure.hpp"
#include "service/notice_book.hpp"
#include "service/party_registry.hpp"
#include "service/precheck_state.hpp"
#include "store/store.hpp"

namespace deconflict {

struct Service::Impl {
  Options options;
  std::unique_ptr<store::Store> store;
  engine::World world;
  PartyRegistry parties;
  NoticeBook notices;
  Disclosures disclosures;  // what each party was shown of others' objects (notified, or by its conflicts)
  std::map<std::string, std::deque<TimePoint>> probes;  // by party: its dry runs of the last day, oldest first

  /// Records a notice's new state in memory (after its commit): a party
  /// notified of an activity has been shown it.
  void keep(const Notice& n) {
    notices.keep(n);
    disclosures.disclose(n.to_party, n.activity_id);
  }
  std::vector<Message> messages;  // oldest first
  std::function<void(const std::vector<Event>&)> listener;

  std::optional<record::Chain> chain;
  std::optional<record::Sealer> event_ids;  // seals events' seqs into the ids parties see

  /// Gives each event the opaque id its party sees (sealed under the current key).
  void name_events(std::vector<Event>& events) const {
    for (Event& e : events) e.id = event_ids->seal(e.seq, e.party);
  }
  void use_signing_key() { event_ids.emplace(chain->key().derive("deconflict event ids")); }

  /// Commits the batch with its record entries; then the chain moves on and
  /// the listener hears of its events.
  Status commit(store::WriteBatch& batch) {
    if (Status st = store->write(batch); !st) return st;
    chain->accept(batch.record);
    publish(batch.events);
    return {};
  }

  /// Hands committed events to the listener, or holds them until the open
  /// group is durable.
  void publish(std::vector<Event> events) {
    name_events(events);
    if (grouping) {
      held_events.insert(held_events.end(), events.begin(), events.end());
    } else if (listener && !events.empty()) {
      listener(events);
    }
  }
  bool grouping = false;
  bool needs_load = false;         // the world may hold what the store does not (a failed group commit)
  std::vector<Event> held_events;  // of the open group, published when it is durable

  /// Adds the record entry of one step of the change to the batch.
  void note(store::WriteBatch& batch, const std::string& party, const std::string& action,
            const nlohmann::ordered_json& data, std::string subject, std::string audience) {
    const RecordEntry* last = batch.record.empty() ? nullptr : &batch.record.back();
    batch.record.push_back(chain->next(last, now(), party, action, data, std::move(subject), std::move(audience)));
  }

  /// An object's new row and the record entry of its change (readable by those
  /// who may see the object), from one writing of its Feature.
  void stage_object(store::WriteBatch& batch, const std::string& party, const Volume& v, const char* change,
                    TimePoint now) {
    const nlohmann::ordered_json feature = format::to_feature(v);
    batch.upserts.push_back(row_of(v, feature, now));
    note(batch, party, std::string(type_name(v.type)) + "." + change, {{"feature", feature}}, v.id, v.party);
  }

  /// The record entry of a step on a notice, readable by its two parties.
  void note_notice(store::WriteBatch& batch, const std::string& party, const Notice& n, const char* step) {
    note(batch, party, std::string("notice.") + step, {{"notice", format::to_json(n)}}, n.id,
         n.from_party + " " + n.to_party);
  }

  /// The store's row for a volume, as of `now`.
  static store::StoredObject row_of(const Volume& v, TimePoint now) { return row_of(v, format::to_feature(v), now); }
  static store::StoredObject row_of(const Volume& v, const nlohmann::ordered_json& feature, TimePoint now) {
    return {v.id, std::string(type_name(v.type)), v.party, v.version, feature.dump(), now};
  }

  Event event(const std::string& party, const char* type, const nlohmann::ordered_json& data) {
    return {0, party, type, data.dump(), now(), {}};
  }

  /// A new id: the prefix and 128 random bits from libsodium's generator, so
  /// that no id tells anything of another, nor of the ones to come.
  static std::string fresh_id(const char* prefix) { return prefix + record::random_hex(16); }

  bool visible(const std::string& party, const Volume& v) const { return disclosures.visible(party, v); }
  Disclosures::Finder finder() const {
    return [this](const std::string& id) { return world.find(id); };
  }

  /// Takes in a record entry that changes what parties were shown or probed
  /// (on open, and when following other writers).
  void take_in(const RecordEntry& e) {
    if (e.subject == "check") probes[e.party].push_back(e.time);  // a dry run (PartyView::check)
    if (e.subject != "disclosure") return;
    const auto data = nlohmann::json::parse(e.data, nullptr, false);
    if (!data.is_object()) return;
    disclosures.disclose(data.value("to", ""), data.value("object", ""));
  }

  /// How many dry runs `party` made in the 24 hours before `now` (older ones are forgotten).
  size_t probes_in_day(const std::string& party, TimePoint now) {
    auto it = probes.find(party);
    if (it == probes.end()) return 0;
    while (!it->second.empty() && it->second.front() <= now - std::chrono::hours(24)) it->second.pop_front();
    return it->second.size();
  }

  TimePoint now() const {
    if (options.clock) return options.clock();
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  }

  static Result<Volume> volume_of(const store::StoredObject& row) {
    auto v = format::read_stored_feature(row.feature);
    if (!v) return make_error(ErrorCode::store_error, "stored object is not valid: " + v.error().describe(), row.id);
    v->version = row.version;
    return v;
  }

  // Every stored object, fetched a page at a time (so that the rows' text is
  // never all in memory at once), each page read by options.load_threads
  // threads while the next one is fetched.
  Result<std::vector<std::unique_ptr<Volume>>> load_volumes() {
    constexpr size_t kPage = 8192;
    const unsigned threads =
        options.load_threads > 0 ? options.load_threads : std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::unique_ptr<Volume>> volumes;
    auto page = store->load_objects_page("", kPage);
    for (;;) {
      if (!page) return page.error();
      store::ObjectPage rows = std::move(*page);
      const bool last = rows.objects.size() < kPage;
      const size_t first = volumes.size();
      volumes.resize(first + rows.objects.size());
      Status read;
      std::thread reader([&] { read = read_rows(rows.objects, volumes.data() + first, threads); });
      if (!last) page = store->load_objects_page(rows.next, kPage);
      reader.join();
      if (!read) return read.error();
      if (last) return volumes;
    }
  }

  // Reads rows[i] into out[i], the rows split between `threads` threads.
  static Status read_rows(std::vector<store::StoredObject>& rows, std::unique_ptr<Volume>* out, unsigned threads) {
    const size_t n = rows.size(), per = (n + threads - 1) / threads;
    std::vector<Status> failed(threads);
    const auto read_part = [&](unsigned t) {
      for (size_t i = t * per; i < std::min(n, (t + 1) * per); ++i) {
        auto v = volume_of(rows[i]);
        if (!v) {
          failed[t] = v.error();
          return;
        }
        out[i] = std::make_unique<Volume>(std::move(*v));
        std::string().swap(rows[i].feature);
      }
    };
    std::vector<std::thread> helpers;
    for (unsigned t = 1; t < threads && t * per < n; ++t) helpers.emplace_back(read_part, t);
    read_part(0);
    for (std::thread& h : helpers) h.join();
    for (const Status& st : failed) {
      if (!st) return st;
    }
    return {};
  }

  Status load() {
    if (Status st = start_record(); !st) return st;
    store::ReadScope snapshot(*store);  // every table as of one moment
    if (!snapshot.status()) return snapshot.status();
    auto volumes = load_volumes();
    if (!volumes) return volumes.error();
    // The world (maps and R-tree) is built beside the reading of the rest,
    // which does not touch it; the thread is joined however this returns.
    std::jthread build_world([this, v = std::move(*volumes)]() mutable { world.assign(std::move(v)); });
    notices.clear();
    disclosures.clear();
    probes.clear();
    if (Status st = load_parties(); !st) return st;
    if (Status st = load_record(); !st) return st;
    if (auto changed = store->changed_elsewhere(); !changed) return changed.error();  // from here on
    auto stored_notices = store->load_notices();
    if (!stored_notices) return stored_notices.error();
    for (const Notice& n : *stored_notices) keep(n);
    auto stored_messages = store->load_messages();
    if (!stored_messages) return stored_messages.error();
    messages = std::move(*stored_messages);
    return {};
  }

  // A new store's record starts with a record.start entry naming a new key;
  // under the write lock, so that of several nodes opening one new database
  // only one starts it.
  Status start_record() {
    auto head = store->record_head();
    if (!head || *head > 0) return head ? Status{} : Status(head.error());
    auto took = store->lock();
    if (!took) return took.error();
    head = store->record_head();
    if (!head || *head > 0) {
      store->unlock();
      return head ? Status{} : Status(head.error());
    }
    auto key = record::SigningKey::load(options.key_file(), true);
    if (!key) {
      store->unlock();
      return key.error();
    }
    chain.emplace(std::move(*key));
    use_signing_key();
    store::WriteBatch batch;
    note(batch, "deconflict", "record.start", {{"algorithm", "Ed25519"}, {"public_key", chain->key().public_hex()}},
         "record", "*");
    return commit(batch);
  }

  // The chain's head and tree from the stored record, and the key that signs next.
  Status load_record() {
    auto hashes = store->load_record_hashes();
    if (!hashes) return hashes.error();
    auto key = record::SigningKey::load(options.key_file(), false);
    if (!key) return key.error();
    chain.emplace(std::move(*key));
    use_signing_key();
    for (const std::string& h : *hashes) chain->append_hash(h);
    auto key_entries = store->load_record_about("record");
    if (!key_entries) return key_entries.error();
    for (const RecordEntry& e : *key_entries) chain->note_key(e);
    for (const char* subject : {"disclosure", "check"}) {
      auto entries = store->load_record_about(subject);
      if (!entries) return entries.error();
      for (const RecordEntry& e : *entries) take_in(e);
    }
    return follow_key();
  }

  Status load_parties() {
    auto stored = store->load_parties();
    if (!stored) return stored.error();
    parties.clear();
    for (store::StoredParty& p : *stored) parties.remember(std::move(p));
    return {};
  }

  // Others write to the store too: a CLI command beside a server (parties
  // added and revoked, imports, a key rotated), other nodes on one PostgreSQL
  // database. Take it all in before the next request, so that a revoked token
  // stops working at once.
  Status follow_store() {
    if (needs_load) {
      if (Status st = load(); !st) return st;
      needs_load = false;
      return {};
    }
    auto changed = store->changed_elsewhere();
    if (!changed) return changed.error();
    return *changed ? catch_up() : Status{};
  }

  // Follows the record from the last entry this service knows to the store's
  // head: the entries extend the chain, and the rows they wrote replace ours.
  Status catch_up() {
    store::ReadScope snapshot(*store);  // the entries and the rows they wrote, as of one moment
    if (!snapshot.status()) return snapshot.status();
    auto head = store->record_head();
    if (!head) return head.error();
    const int64_t known = chain->size();
    if (*head == known) return {};
    if (*head < known) return load();  // the store went back (restored from a backup): start over
    auto entries = store->load_record(known, static_cast<size_t>(*head - known));
    if (!entries) return entries.error();
    auto changes = store->load_changes(known);
    if (!changes) return changes.error();
    for (const RecordEntry& e : *entries) {
      chain->append_hash(e.hash);
      if (e.subject == "record") chain->note_key(e);
      take_in(e);
    }
    for (const store::StoredObject& row : changes->objects) {
      auto v = volume_of(row);
      if (!v) return v.error();
      world.put(std::move(*v));
    }
    for (const Notice& n : changes->notices) keep(n);
    messages.insert(messages.end(), changes->messages.begin(), changes->messages.end());
    if (Status st = load_parties(); !st) return st;
    if (Status st = follow_key(); !st) return st;
    publish(changes->events);
    return {};
  }

  // Another process rotated the record's key: this one signs with the new key
  // from the shared key file, or not at all.
  Status follow_key() {
    if (chain->current_key() == chain->key().public_hex()) return {};
    auto key = record::SigningKey::load(options.key_file(), false);
    if (key && key->public_hex() == chain->current_key()) {
      chain->use_key(std::move(*key));
      use_signing_key();
      return {};
    }
    return make_error(ErrorCode::store_error,
                      "'" + options.key_file() + "' does not hold the record's signing key " + chain->current_key(),
                      "key");
  }

  /// Takes the store's write lock for a change and brings the world up to the
  /// store's head first, so that the change is checked against every earlier
  /// one, whichever process or node made it.
  Status lock_for_write() {
    auto took = store->lock();
    if (!took) return took.error();
    return *took ? catch_up() : Status{};
  }

  /// The write lock for the length of one change (see lock_for_write); a
  /// change that fails before writing gives it back.
  class WriteScope {
   public:
    explicit WriteScope(Impl& s) : s_(s), status_(s.lock_for_write()) {}
    ~WriteScope() { s_.store->unlock(); }
    WriteScope(const WriteScope&) = delete;
    WriteScope& operator=(const WriteScope&) = delete;
    const Status& status() const { return status_; }

   private:
    Impl& s_;
    Status status_;
  };

  static Party to_party(const store::StoredParty& p) { return {p.id, p.name, p.admin, p.created, p.revoked}; }

  /// Ok, or why the volume is beyond this line's limits (its radius or buffer).
  Status admissible(const Volume& v) const;
  /// Ok, or why an activity that starts before the line's time may not be
  /// declared (or moved) now; `old` is the version it replaces, if any.
  Status timely(const Volume& v, const Volume* old) const;
  /// Checks an object, makes its notices, disclosures and probes, and commits
  /// them with it (declare and replace).
  Result<Declared> commit_declared(Volume v, const Precheck* ahead);
  /// One notice per activity that `met` (conflicts seen from a site or
  /// zone) names: to the activity's party about the object (a site declared
  /// over it), or, `to_owner`, from the activity's party to the object's (a
  /// zone the party just accepted, which its activity enters).
  std::vector<Notice> notices_about(const Volume& object, const std::vector<Conflict>& met, TimePoint at,
                                    bool to_owner = false);
  /// True when `v` says what the stored `old` says (the server's own fields aside).
  static bool unchanged(const Volume& old, const Volume& v);
  /// Closes the open (pending or overdue) notices about an activity, as
  /// superseded (replaced) or withdrawn, with their record entries.
  void close_notices(store::WriteBatch& batch, const std::string& activity_id, NoticeState closed);
  /// The activity with the state `current` (the notices of its version) give
  /// it, its row staged; nothing when the state stays.
  std::optional<Volume> restated(store::WriteBatch& batch, const Volume& activity,
                                 const std::vector<const Notice*>& current, TimePoint at);
  /// The activities whose state new notices about them change, with their
  /// rows staged (their state follows the notices of their version).
  std::vector<Volume> restate(store::WriteBatch& batch, const std::vector<Notice>& sent, TimePoint at);
  /// Record entries for the others' activities that a declaration's conflicts
  /// show its party; returns their ids.
  std::vector<std::string> stage_disclosures(store::WriteBatch& batch, const Volume& activity,
                                             const std::vector<Conflict>& conflicts);
  /// A record entry and an event for each owner of hidden volumes that
  /// `prober` met, naming the prober, the volumes and the rules.
  void stage_probes(store::WriteBatch& batch, const std::string& prober, const std::vector<Conflict>& hidden,
                    const std::string& activity_id);

  engine::CheckContext context_for(const Volume& activity) const { return {activity.notified.value_or(now())}; }

  /// An activity's conflicts with the world, within Options::max_check_work;
  /// the work is charged to `payer`, the party whose request made the check.
  /// What `ahead` measured for this activity is not measured again.
  Result<std::vector<Conflict>> checked(const Volume& activity, const engine::CheckContext& context,
                                        const std::string& payer, const Precheck* ahead) const {
    return within_budget(activity, payer, ahead, [&](geo::Work& work, const index::Measured* measured) {
      return world.check(activity, context, work, measured);
    });
  }
  Result<std::vector<Conflict>> checked(const Volume& activity, const std::string& payer, const Precheck* ahead) const {
    return checked(activity, context_for(activity), payer, ahead);
  }
  /// The activities a site or zone meets (World::met_by), within the same
  /// budget, charged to `payer`.
  Result<std::vector<Conflict>> met(const Volume& object, TimePoint at, const std::string& payer,
                                    const Precheck* ahead) const {
    return within_budget(object, payer, ahead, [&](geo::Work& work, const index::Measured* measured) {
      return world.met_by(object, at, work, measured);
    });
  }
  /// What `search` finds with Options::max_check_work, its work charged to
  /// `payer`; too_complex about `v` once the budget is spent. A precheck of
  /// `v` lends its measurements and has spent its part of the budget (its
  /// work was charged when the caller's view took it: Service::as).
  template <typename Search>
  Result<std::vector<Conflict>> within_budget(const Volume& v, const std::string& payer, const Precheck* ahead,
                                              Search&& search) const {
    const Precheck::State* pre = ahead && ahead->state_ && ahead->state_->serves(v) ? ahead->state_.get() : nullptr;
    if (pre && pre->work.exhausted()) return too_complex(v);
    geo::Work work(options.max_check_work - (pre ? std::min(pre->work.used(), options.max_check_work) : 0));
    std::vector<Conflict> out = search(work, pre ? &pre->measured : nullptr);
    work_spent[payer] += work.used();
    if (work.exhausted()) return too_complex(v);
    return out;
  }
  /// A precheck of `query` at `at`: its candidates pinned, nothing measured yet.
  Precheck plan(std::shared_ptr<const Volume> query, TimePoint at) const {
    auto state = std::make_unique<Precheck::State>();
    state->fingerprint = geometric_fingerprint(*query);
    state->candidates = world.plan(*query, at);
    state->work = geo::Work(options.max_check_work);
    state->query = std::move(query);
    return Precheck(std::move(state));
  }
  mutable std::unordered_map<std::string, uint64_t> work_spent;  // by party, since start
  /// Whether the party may hold v's positions, `replaced` of its own going.
  Status within_positions(const Volume& v, size_t replaced) const {
    const size_t after = world.positions_of(v.party) - replaced + v.geometry.position_count();
    if (after <= options.max_positions_per_party) return {};
    return make_error(ErrorCode::limit_exceeded, "the party's objects would have " + std::to_string(after) +
                                                     " positions, more than its limit of " +
                                                     std::to_string(options.max_positions_per_party));
  }
  static Error too_complex(const Volume& v) {
    return make_error(ErrorCode::too_complex,
                      "checking this " + std::string(type_name(v.type)) +
                          " against what it may meet takes more work than one request may: use fewer positions, a "
                          "smaller radius or buffer, or a shorter time window",
                      "geometry");
  }
};

}  // namespace deconflict
