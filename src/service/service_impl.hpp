// The state behind the Service facade, shared by the files that implement it
// (service.cpp: objects and parties; line_service.cpp: the line;
// record_service.cpp: the record). Each part of the state has its owner, a
// small class with its own invariants: the world (objects and their index),
// the parties, the notices, the disclosures, the probes, the record writer,
// the event outbox and the follower of other writers. Impl holds them and
// the steps of a change that touch several at once (stage, note, commit).
//
// Not thread-safe: every call comes from the one thread that calls the
// service (the server's line thread). Readers elsewhere see only what a
// PartyView or the facade hands them.
#pragma once

#include <memory>
#include <unordered_map>

#include "deconflict/notice.hpp"
#include "deconflict/service.hpp"
#include "engine/world.hpp"
#include "format/feature_reader.hpp"
#include "format/feature_writer.hpp"
#include "record/crypto.hpp"
#include "record/http_signature.hpp"
#include "service/cosignatures.hpp"
#include "service/disclosure.hpp"
#include "service/event_outbox.hpp"
#include "service/notice_book.hpp"
#include "service/party_keys.hpp"
#include "service/party_registry.hpp"
#include "service/precheck_state.hpp"
#include "service/probe_log.hpp"
#include "service/record_writer.hpp"
#include "service/store_follower.hpp"
#include "store/store.hpp"

namespace deconflict {

/// How a change comes to commit_declared: a party's declaration, or the
/// operator's import (which may lie in the past, keeps a zone's answers and
/// `notified` as given, makes no probes: no party asked), with its notices
/// or stored unchecked.
struct Declaration {
  bool imported = false;
  bool checked = true;
};

/// The ids of the objects a change wrote or disclosed to a party
/// (Published::touched): those it stores, those its notices are about, and
/// those its record's disclosure entries show.
std::vector<std::string> touched_by(const std::vector<store::StoredObject>& objects, const std::vector<Notice>& notices,
                                    const std::vector<RecordEntry>& record);

struct Service::Impl {
  Options options;
  std::unique_ptr<store::Store> store;
  engine::World world;
  PartyRegistry parties;
  PartyKeys keys{options.signature_window_s};  // the parties' signing keys, and the act being signed
  Cosignatures cosignatures;                   // of checkpoints, by parties and witnesses
  NoticeBook notices;
  Disclosures disclosures;  // what each party was shown of others' objects (notified, or by its conflicts)
  ProbeLog probes;
  std::vector<Message> messages;  // oldest first
  // Each party's messages, sent and received: positions in `messages`, oldest first.
  std::unordered_map<std::string, std::vector<size_t>> messages_of;
  void keep_message(Message m) {
    messages_of[m.from_party].push_back(messages.size());
    if (m.to_party != m.from_party) messages_of[m.to_party].push_back(messages.size());
    messages.push_back(std::move(m));
  }
  RecordWriter record;
  EventOutbox outbox;
  /// The store's sync of group commits, once deferred (Service::defer_group_syncs).
  std::function<Status()> group_sync;
  StoreFollower follower{*this};

  /// Records a notice's new state in memory (after its commit): a party
  /// notified of an activity has been shown it.
  void keep(const Notice& n) {
    notices.keep(n);
    disclosures.disclose(n.to_party, n.activity_id);
  }

  /// Gives each event the opaque id its party sees (sealed under the current key).
  void name_events(std::vector<Event>& events) const {
    for (Event& e : events) e.id = record.seal_event(e.seq, e.party);
  }

  /// Commits the batch with its record entries; then the chain moves on and
  /// the outbox takes its events.
  Status commit(store::WriteBatch& batch) {
    if (Status st = store->write(batch); !st) return st;
    record.accept(batch.record);
    for (const RecordEntry& e : batch.record) {
      keys.take_keys(e);
      cosignatures.take(e);
    }
    publish(std::move(batch.events), touched_by(batch.upserts, batch.notices, batch.record));
    return {};
  }
  /// A group that will not be durable (abandoned, or its commit failed): its
  /// events are dropped, and memory, which holds its changes, is loaded from
  /// the store before the next request.
  void forget_group() {
    outbox.drop();
    follower.reload_before_next();
  }
  void publish(std::vector<Event> events, std::vector<std::string> touched) {
    name_events(events);
    outbox.publish(std::move(events), std::move(touched));
  }

  /// Adds the record entry of one step of the change to the batch.
  void note(store::WriteBatch& batch, const std::string& party, const std::string& action,
            const nlohmann::ordered_json& data, std::string subject, std::string audience) {
    // The party's signed request goes into the entry of the act it signed (a
    // key's entry is about the key its data names).
    std::string statement =
        keys.claim(party, action, record::act_subject(action, subject, data.value("public_key", std::string())));
    record.note(batch, now(), party, action, data, std::move(subject), std::move(audience), std::move(statement));
  }
  /// Ok when `party` may make this act now: it has no keys, or the request it
  /// presented (PartyView::present) is a valid signature of this act.
  Status signed_act(const std::string& party, const std::string& action, const std::string& subject) const {
    return keys.require(party, action, subject);
  }
  /// The signature clock's Unix time, in seconds.
  int64_t signature_now_s() const {
    const TimePoint t =
        options.signature_clock
            ? options.signature_clock()
            : TimePoint(std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  }

  /// An object's new row and the record entry of its change (readable by those
  /// who may see the object), from one writing of its Feature; `unchecked`
  /// (an import that sent no notices) says so on the record.
  void stage_object(store::WriteBatch& batch, const std::string& party, const PreparedVolume& v, const char* change,
                    TimePoint now, bool unchecked = false) {
    const nlohmann::ordered_json feature = format::to_feature(v);
    batch.upserts.push_back(row_of(v, feature, now));
    nlohmann::ordered_json data = {{"feature", feature}};
    if (unchecked) data["notices"] = "not sent: imported unchecked";
    note(batch, party, std::string(type_name(v.type)) + "." + change, data, v.id, v.party);
  }

  /// The record entry of a step on a notice, readable by its two parties.
  void note_notice(store::WriteBatch& batch, const std::string& party, const Notice& n, const char* step) {
    note(batch, party, std::string("notice.") + step, {{"notice", format::to_json(n)}}, n.id,
         n.from_party + " " + n.to_party);
  }

  /// The store's row for a volume, as of `now`, with its bounding cap (read
  /// back when the store is opened, rather than computed again).
  static store::StoredObject row_of(const PreparedVolume& v, TimePoint now) {
    return row_of(v, format::to_feature(v), now);
  }
  static store::StoredObject row_of(const PreparedVolume& v, const nlohmann::ordered_json& feature, TimePoint now) {
    return {v.id, std::string(type_name(v.type)), v.party, v.version, feature.dump(), now, v.cap()};
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

  TimePoint now() const {
    if (options.clock) return options.clock();
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  }

  /// Takes the store's write lock for a change and brings the world up to the
  /// store's head first, so that the change is checked against every earlier
  /// one, whichever process or node made it.
  Status lock_for_write() {
    auto took = store->lock();
    if (!took) return took.error();
    return *took ? follower.catch_up() : Status{};
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

  /// Records the first delivery of each of these notices to `party` (those to
  /// it that never reached it), with their record entries and an event to
  /// each sender, in one commit; nothing (and no lock) when none is new.
  Status deliver(const std::string& party, const std::vector<std::string>& notice_ids, Delivery via);

  /// Ok, or why the volume is beyond this line's limits (its radius or buffer).
  Status admissible(const Volume& v) const;
  /// Ok, or why an activity that starts before the line's time may not be
  /// declared (or moved) now; `old` is the version it replaces, if any.
  Status timely(const Volume& v, const Volume* old) const;
  /// Checks an object, makes its notices, disclosures and probes, and commits
  /// them with it (declare, replace and import).
  Result<Declared> commit_declared(PreparedVolume v, const Precheck* ahead, uint64_t& spent, Declaration how = {});
  /// One notice per activity that `met` (conflicts seen from a site or
  /// zone) names: to the activity's party about the object (a site declared
  /// over it), or, `to_owner`, from the activity's party to the object's (a
  /// zone the party just accepted, which its activity enters).
  std::vector<Notice> notices_about(const Volume& object, const std::vector<Conflict>& met, TimePoint at,
                                    bool to_owner = false);
  /// A zone's proposal to each party it is to bind that has not answered it
  /// (and is an active party of the line): answered by accepting or declining the zone.
  std::vector<Notice> proposals(const Volume& zone, TimePoint at);
  /// True when `v` says what the stored `old` says (the server's own fields aside).
  static bool unchanged(const Volume& old, const Volume& v);
  /// Closes the open (pending or overdue) notices about an activity, as
  /// superseded (replaced) or withdrawn, with their record entries.
  void close_notices(store::WriteBatch& batch, const std::string& activity_id, NoticeState closed);
  /// The activity with the state `current` (the notices of its version) give
  /// it, its row staged; nothing when the state stays.
  std::optional<PreparedVolume> restated(store::WriteBatch& batch, const PreparedVolume& activity,
                                         const std::vector<const Notice*>& current, TimePoint at);
  /// The activities whose state new notices about them change, with their
  /// rows staged (their state follows the notices of their version).
  std::vector<PreparedVolume> restate(store::WriteBatch& batch, const std::vector<Notice>& sent, TimePoint at);
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
  /// the work is added to `spent`, the meter of the request that made the
  /// check (PartyView::work_spent). What `ahead` measured for this activity
  /// is not measured again.
  Result<std::vector<Conflict>> checked(const PreparedVolume& activity, const engine::CheckContext& context,
                                        uint64_t& spent, const Precheck* ahead) const {
    return within_budget(activity, spent, ahead, [&](geo::Work& work, const index::Measured* measured) {
      return world.check(activity, context, work, measured);
    });
  }
  Result<std::vector<Conflict>> checked(const PreparedVolume& activity, uint64_t& spent, const Precheck* ahead,
                                        uint64_t budget = 0) const {
    return within_budget(
        activity, spent, ahead,
        [&](geo::Work& work, const index::Measured* measured) {
          return world.check(activity, context_for(activity), work, measured);
        },
        budget);
  }
  /// The activities a site or zone meets (World::met_by), within the same
  /// budget, added to `spent`.
  Result<std::vector<Conflict>> met(const PreparedVolume& object, TimePoint at, uint64_t& spent,
                                    const Precheck* ahead) const {
    return within_budget(object, spent, ahead, [&](geo::Work& work, const index::Measured* measured) {
      return world.met_by(object, at, work, measured);
    });
  }
  /// What `search` finds with Options::max_check_work, its work added to
  /// `spent`; too_complex about `v` once the budget is spent. A precheck of
  /// `v` lends its measurements and has spent its part of the budget (its
  /// work was counted when the caller's view took it: PartyView's constructor).
  /// `budget`, when not 0, takes the place of Options::max_check_work.
  template <typename Search>
  Result<std::vector<Conflict>> within_budget(const Volume& v, uint64_t& spent, const Precheck* ahead, Search&& search,
                                              uint64_t budget = 0) const {
    const Precheck::State* pre = ahead && ahead->state_ && ahead->state_->serves(v) ? ahead->state_.get() : nullptr;
    if (pre && pre->work.exhausted()) return too_complex(v);
    const uint64_t allowed = budget ? budget : options.max_check_work;
    geo::Work work(allowed - (pre ? std::min(pre->work.used(), allowed) : 0));
    std::vector<Conflict> out = search(work, pre ? &pre->measured : nullptr);
    spent += work.used();
    if (work.exhausted()) return too_complex(v);
    return out;
  }
  /// A precheck of `query` at `at`: its candidates pinned, nothing measured yet.
  Precheck plan(std::shared_ptr<const PreparedVolume> query, TimePoint at) const {
    auto state = std::make_unique<Precheck::State>();
    state->fingerprint = geometric_fingerprint(*query);
    state->candidates = world.plan(*query, at);
    state->work = geo::Work(options.max_check_work);
    state->query = std::move(query);
    return Precheck(std::move(state));
  }
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
