// The service as one party sees it: the one disclosure layer (DESIGN §6.3, §8).
//
//   auto caller = service.authenticate(token);        // Result<Party>
//   PartyView view = service.as(*caller);
//   for (const Volume* v : view.list(filter)) ...     // only what the caller may see
//   auto conflicts = view.check(activity);            // a dry run, redacted and counted as probes
//
// Every method answers for the caller alone: objects it may not see are absent
// (not_found, exactly as for an id that does not exist), conflicts with what
// was not disclosed to it are redacted, and notices, messages, events and
// record entries are its own. Front ends (the server, the CLI, the map) call
// nothing else on a party's behalf, so none of them can forget to redact.
//
// A view is a small value (the service, the caller and the work its calls
// have cost) and borrows the service: use it on the service's thread (or, for
// the reads Service names as such, beside it), and not after the service is gone.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "deconflict/conflict.hpp"
#include "deconflict/event.hpp"
#include "deconflict/notice.hpp"
#include "deconflict/party.hpp"
#include "deconflict/precheck.hpp"
#include "deconflict/prepared_volume.hpp"
#include "deconflict/record.hpp"
#include "deconflict/status.hpp"
#include "deconflict/volume.hpp"

namespace deconflict {

class Service;
struct ListFilter;
struct ListPage;
struct ConflictPage;
struct NoticePage;
struct MessagePage;
struct Declared;

namespace detail {
struct NearTest;  // a list's `near`, made exact (src/service/service.cpp)
}  // namespace detail
namespace engine {
class StoredVolume;  // a volume in the world (src/engine/stored_volume.hpp)
}  // namespace engine

class PartyView {
 public:
  /// Service::as makes views; `ahead` (may be null) lends its measurements to
  /// this view's checks (include/deconflict/precheck.hpp) and must outlive it.
  PartyView(Service& service, Party caller, const Precheck* ahead = nullptr)
      : service_(&service), caller_(std::move(caller)), ahead_(ahead), spent_(ahead ? ahead->work() : 0) {}

  const Party& caller() const { return caller_; }
  /// The geometric work (geo::Work units) this view's checks and lists have
  /// cost, what `ahead` measured included: the server charges the request's
  /// party by it. A view's own count, so that requests of one party served
  /// on several threads at once are each charged what they cost.
  uint64_t work_spent() const { return spent_; }

  // Objects.

  /// The objects the caller may see that pass the filter, sorted by id.
  std::vector<const Volume*> list(const ListFilter& filter) const;
  /// The objects of list() whose ids sort after `after`, at most `limit`
  /// (and PageLimits) of them, with the cursor of the next page. The
  /// distances of a `near` filter are charged to Options::max_page_work: a
  /// page that spends it ends early (perhaps empty) with a cursor to go on
  /// from; too_complex only when a single distance would cost more.
  Result<ListPage> page(const ListFilter& filter, const std::string& after, size_t limit) const;
  /// The object, or not_found when it does not exist, is of another type or
  /// is hidden from the caller (the same answer for all three).
  Result<const Volume*> find(ObjectType type, const std::string& id) const;
  /// The object as a GeoJSON Feature text (kept with the object: lists join these).
  std::string_view feature_text(const Volume& v) const;
  /// One of the objects this view gave (list, page, find), kept alive for
  /// another thread to read while the world moves on.
  std::shared_ptr<const Volume> pin(const Volume& v) const;

  // Checks.

  /// The conflicts of a stored activity the caller may see: its own party
  /// sees them all, what was not disclosed to it redacted; another party sees
  /// only those with what it may see.
  Result<std::vector<Conflict>> conflicts(const std::string& activity_id) const;
  /// The conflicts of the activities in force the caller may see whose ids
  /// sort after `after`: at most `limit` (and PageLimits) activities, and no
  /// more than Options::max_page_work of work in all. An activity whose check
  /// alone costs more is given with a too_complex error (its own conflicts()
  /// may take a whole check's budget). The map's view of the line, in as many
  /// requests as it has pages, each of bounded cost.
  ConflictPage conflict_page(const std::string& after, size_t limit) const;
  /// A dry run of declaring `activity` (nothing of it is stored). A conflict
  /// with a volume not disclosed to the caller says only that one exists, with
  /// which party and rule, and the volume's owner is told who asked. Every
  /// dry run is recorded and counted (each may tell one bit of what is
  /// hidden); beyond Options::max_probes_per_day in 24 hours it is probe_limit.
  Result<std::vector<Conflict>> check(const PreparedVolume& activity);

  /// Plans measuring ahead what checking `v` (an activity's conflicts, or
  /// the activities a site or zone meets) will measure; `v` must outlive the
  /// precheck. See include/deconflict/precheck.hpp.
  Precheck plan(const PreparedVolume& v) const;
  /// The same for a stored object the caller may see (its conflicts, its
  /// acceptance, its retirement); nothing to measure for any other id.
  Precheck plan(const std::string& id) const;

  // The line.

  /// Declares one of the caller's objects: checked, notified and committed at once.
  Result<Declared> declare(PreparedVolume v);
  /// Replaces one of the caller's objects at version `if_match`.
  Result<Declared> replace(PreparedVolume v, int if_match);
  /// Accepts (or declines, with an optional `text` saying why) a zone that
  /// names the caller in its agreed_by: an accepted zone binds the caller
  /// (zone-entry, short-notice); its owner is told, and the proposal in the
  /// caller's inbox is accepted or declined with it.
  Result<const Volume*> answer_zone(const std::string& zone_id, bool accept, const std::string& text = {});
  /// Withdraws one of the caller's activities, or retires one of its zones
  /// or sites: from now on it conflicts with nothing, its open notices are
  /// closed, and every party it concerned gets a `withdrawn` or `retired`
  /// event. Returns those parties.
  Result<std::vector<std::string>> withdraw(ObjectType type, const std::string& id);
  /// The notices to or from the caller, optionally in one state, oldest first.
  std::vector<Notice> notices(std::optional<NoticeState> state) const;
  /// The caller's inbox, a page at a time: the notices() after the one whose
  /// id is `after` (empty: from the first), at most `limit` (and
  /// PageLimits::kMaxItems) of them. Those sent to the caller that never
  /// reached it before are delivered now: each records when (and that it was
  /// by the inbox), on the record, and its sender is told (a `delivered`
  /// event); so a read writes at most a page of receipts. usage when `after`
  /// is not one of the caller's notices (the same for one that does not
  /// exist and another party's); an error when the receipts cannot be stored.
  Result<NoticePage> inbox(std::optional<NoticeState> state, const std::string& after, size_t limit);
  /// Acknowledges or objects to a notice sent to the caller.
  Result<Notice> answer(const std::string& notice_id, NoticeState answer, const std::string& text);
  /// A free-text message to another party, optionally about an object the caller may see.
  Result<Message> send_message(const std::string& to, const std::string& text, const std::string& about);
  /// The messages to or from the caller whose order comes after `after`
  /// (one of the caller's own message ids; usage error otherwise, the same
  /// for one that does not exist), at most `limit` (and PageLimits) of them,
  /// oldest first, with the cursor of the next page. Costs what it returns
  /// and the caller's own messages, never anyone else's.
  Result<MessagePage> message_page(const std::string& after, size_t limit) const;
  /// The caller's events after the one whose id is `after` (empty: from the
  /// first; "now": none, for a stream that wants only what comes), oldest first.
  Result<std::vector<Event>> events(std::string_view after, size_t limit) const;

  // Signed acts (DESIGN §7).

  /// The signed request (RFC 9421) the caller's next act is made by, or none
  /// for an unsigned one; the server presents every act's request before
  /// making it. unauthorized, naming why, when the signature is not by one of
  /// the caller's keys, is not valid for this request, is not fresh or is a
  /// replay. Once the caller has keys, its acts (declare, replace, withdraw,
  /// retire, answer a zone or a notice, message, add or revoke a key) are
  /// refused unless the request presented signs that very act.
  Status present(std::optional<Statement> statement);
  /// The same for a statement checked already (StatementChecker::check, on
  /// another thread): only what depends on the service is left to decide.
  Status present(VerifiedStatement statement);
  /// The caller's keys in force.
  std::vector<PartyKey> keys() const;
  /// Registers an Ed25519 public key (64 hex digits) of the caller's, named
  /// for people. The first needs only the caller's token; later ones are acts
  /// signed by a key already registered.
  Result<PartyKey> add_key(const std::string& public_key, const std::string& name);
  /// Revokes one of the caller's keys (not_found for any other).
  Status revoke_key(const std::string& public_key);

  // The record.

  /// Entries with seq > after, oldest first, at most `limit`; those the caller
  /// may not read are redacted to their seq, chain hash and signature.
  Result<std::vector<RecordEntry>> record(int64_t after, size_t limit) const;
  /// The signed head of the first `size` entries (0: all); its time is that of
  /// the last of them the caller may read, so that it dates nothing hidden.
  Result<TreeHead> tree_head(int64_t size) const;
  /// That entry `seq` is in the record of `size` entries (0: all).
  Result<InclusionProof> inclusion(int64_t seq, int64_t size) const;
  /// That the record of `from` entries is a prefix of the record of `to` (0: all).
  Result<ConsistencyProof> consistency(int64_t from, int64_t to) const;
  /// The C2SP checkpoint (a signed note: origin, size, root) of the first
  /// `size` entries (0: all), signed by the record's key, with the
  /// cosignatures parties and witnesses gave it.
  Result<std::string> checkpoint(int64_t size) const;
  /// Takes the caller's cosignature (C2SP tlog-cosignature, Ed25519, under
  /// its party id as key name, by one of its registered keys) of a checkpoint
  /// this record signed: it is recorded (checkpoint.cosign, readable by all)
  /// and served with that checkpoint from then on. Returns the size cosigned.
  /// invalid_input for a note that is not this record's checkpoint of its
  /// size; unauthorized when no line is a valid cosignature by the caller.
  Result<int64_t> cosign(const std::string& note);
  /// The entries of a notice sent and answered, under one head; for its two parties.
  Result<NoticeProof> prove_notice(const std::string& notice_id) const;

 private:
  Result<std::vector<Conflict>> conflicts_within(const std::string& activity_id, uint64_t budget) const;
  /// What the caller may see of a list's candidates (near: asks the index for its box only).
  std::vector<const engine::StoredVolume*> visible_candidates(const ListFilter& filter,
                                                              const detail::NearTest* near) const;
  Service* service_;
  Party caller_;
  const Precheck* ahead_ = nullptr;
  mutable uint64_t spent_ = 0;  // work_spent(); const reads measure too
};

}  // namespace deconflict
