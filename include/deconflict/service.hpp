// The facade of the deconflict library: one object that the CLI, the server
// and the tests use, and that holds every rule.
//
//   Options options;
//   options.db_path = "deconflict.db";
//   auto service = Service::open(options);                 // Result<std::unique_ptr<Service>>
//   auto batch = format::read_features(text);              // or PreparedVolume::prepare(volume)
//   auto imported = (*service)->import(std::move(batch->volumes), ImportMode::create);
//   for (const Conflict& c : *(*service)->conflicts("russia.strikes")) ...   // the operator sees all
//   PartyView russia = (*service)->as(caller);            // what one party may see and do
//
// A change is validated, written to the store in one transaction, and only
// then applied to the in-memory world. The service owns its store and world.
//
// Threads: use one service from one thread at a time, with one exception,
// reads beside that thread. While the service's thread calls nothing (the
// caller's lock: the server's LineLock, src/server/line_lock.hpp) and
// reads_aside() holds, any number of threads may call at once
// authenticate_known(), now(), as() without a precheck, and these PartyView
// reads, which touch memory only: list(), page(), find(), feature_text(),
// conflict_page(), message_page(), keys(), and the record's key and origin.
// Everything else (the store's connection, the writes) is the service's thread's.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "deconflict/conflict.hpp"
#include "deconflict/event.hpp"
#include "deconflict/notice.hpp"
#include "deconflict/party.hpp"
#include "deconflict/party_view.hpp"
#include "deconflict/prepared_volume.hpp"
#include "deconflict/record.hpp"
#include "deconflict/status.hpp"
#include "deconflict/volume.hpp"

namespace deconflict {

class StoreFollower;

struct Options {
  /// Where the store is: the path of an embedded SQLite file, created when
  /// missing, or a PostgreSQL URL (postgresql://...) that several nodes share.
  /// Default "deconflict.db".
  std::string db_path = "deconflict.db";
  /// The clock; default the system clock. Tests and replays inject their own.
  std::function<TimePoint()> clock;
  /// How long a notified party has to answer when no zone's notice_h says. Default 24 h.
  std::chrono::milliseconds default_notice{std::chrono::hours(24)};
  /// How many objects one party may have through declare (not bulk import). Default 100,000.
  size_t max_objects_per_party = 100'000;
  /// How many positions (vertices) one party's objects may have in all,
  /// through declare: what one party may make the server hold in memory
  /// (about 150 bytes a position). Default 2,000,000 (about 300 MiB).
  size_t max_positions_per_party = 2'000'000;
  /// The record's Ed25519 signing key (mode 0600), created with the record.
  /// Default: db_path + ".key"; required with PostgreSQL, where every node
  /// signs with the same key.
  std::string key_path;
  /// The largest radius_m or buffer_m of an object, in metres: a volume
  /// larger than a theatre serves no deconfliction and costs every check.
  /// Default 500 km.
  double max_radius_m = 500'000;
  /// How many dry runs (POST /v1/check) one party may make in any 24 hours;
  /// beyond that they are refused (probe_limit). Each may tell one bit of what
  /// is hidden from the party (DESIGN §6.3), whether or not it meets anything,
  /// so each counts: docs/security.md gives what this allows. Default 20.
  size_t max_probes_per_day = 20;
  /// The most geometric work one check may take (a dry run, a declaration's
  /// check against the stored world, or a site's against the activities it
  /// meets), in geo::Work units (about 5 ns each; an exact geodesic solution
  /// is 100). A check over it is refused (too_complex) and nothing is
  /// stored. Default 50,000,000: about a quarter of a second on one core.
  uint64_t max_check_work = 50'000'000;
  /// The most geometric work one page of conflicts (PartyView::conflict_page,
  /// GET /v1/conflicts) may take, all its activities together: it runs on the
  /// thread that serves every party in turn. Default 2,000,000 (about 10 ms).
  uint64_t max_page_work = 2'000'000;
  /// How many threads read the stored objects when the store is opened (they
  /// are independent, so opening a large store scales with cores), beside the
  /// thread that fetches the pages, which joins them once it has the next;
  /// as many hash the record's Merkle tree. 0 means one per core. Default 0.
  unsigned load_threads = 0;
  /// How far a signed request's `created` may be from the server's clock, in
  /// seconds (RFC 9421 signatures of parties with keys, DESIGN §7); a nonce is
  /// remembered twice as long. Default 300.
  int64_t signature_window_s = 300;
  /// The clock against which signatures' `created` is judged: the real time,
  /// whatever the line's clock says (a replay's simulated clock included).
  /// Default the system clock.
  std::function<TimePoint()> signature_clock;

  std::string key_file() const { return key_path.empty() ? db_path + ".key" : key_path; }
  /// Ok, or the first option that is not valid.
  Status validate() const;
};

/// A longitude/latitude box in degrees; west > east crosses the antimeridian.
struct BoundingBox {
  double west_deg = -180, south_deg = -90, east_deg = 180, north_deg = 90;
  Status validate() const;
  /// "west,south,east,north" in degrees, validated; a usage error names `field`.
  static Result<BoundingBox> parse(std::string_view text, const std::string& field);
};

struct ListFilter {
  std::optional<ObjectType> type;
  std::optional<std::string> party;
  std::optional<BoundingBox> bbox;  // every object whose bounds (its reach's lon/lat box) meet this box
  std::optional<TimePoint> start;   // objects active at some time in [start, end)
  std::optional<TimePoint> end;
  /// Objects whose volume (its geometry widened by its radius or buffer)
  /// comes within `within` of `point`, measured on WGS84 like every
  /// separation (to 1 m); within 0 is what lies at the point.
  struct Near {
    LatLon point;
    Metres within;
    Status validate() const;
  };
  std::optional<Near> near;
};

/// One page of a list (PartyView::page): objects in id order after a cursor.
struct ListPage {
  std::vector<const Volume*> volumes;
  /// Each volume's Feature text (as feature_text() gives it), made while
  /// the page was sized: valid as long as its volume.
  std::vector<std::string_view> texts;
  std::optional<std::string> next;  // the cursor of the next page; none on the last
};

/// One page of the conflicts of the activities a party may see
/// (PartyView::conflict_page): activities in force, in id order after a cursor.
struct ConflictPage {
  struct Item {
    std::string activity_id;
    std::vector<Conflict> conflicts;  // as PartyView::conflicts gives them
    std::optional<Error> error;       // why they are not known (too_complex): the rest of the page is
  };
  std::vector<Item> items;
  std::optional<std::string> next;  // the cursor of the next page; none on the last
};

/// One page of a party's inbox (PartyView::inbox), oldest first.
struct NoticePage {
  std::vector<Notice> notices;
  std::optional<std::string> next;  // the cursor of the next page (a notice id); none on the last
};

/// One page of a party's messages, sent and received (PartyView::message_page), oldest first.
struct MessagePage {
  std::vector<Message> messages;
  std::optional<std::string> next;  // the cursor of the next page (a message id); none on the last
};

/// How much one page may hold: a list is never answered whole, so that no
/// request's answer grows with what the line holds.
struct PageLimits {
  static constexpr size_t kMaxItems = 1000;             // objects (or record entries) a page holds at most
  static constexpr size_t kMaxBytes = 4 * 1024 * 1024;  // and their text (one item at least, whatever its size)
};

enum class ImportMode {
  create,   // an id that is already stored is an error
  replace,  // an id that is already stored is replaced (its version goes up)
};

/// What declaring an object on the line gave.
struct Declared {
  const Volume* volume = nullptr;   // the stored object; valid until the next change
  std::vector<Conflict> conflicts;  // an activity's conflicts
  std::vector<Notice> notices;      // the notices sent for it, one per affected party
};

/// Whether an import goes through the line (DESIGN §6): each object checked
/// like a declaration of its party, with its notices and disclosures; or is
/// stored as given, unchecked and telling no one, which its record entries say.
enum class ImportNotices { send, none };

struct ImportResult {
  std::vector<std::string> created;
  std::vector<std::string> replaced;
  size_t notices = 0;  // sent for the imported objects
};

class Service {
 public:
  static Result<std::unique_ptr<Service>> open(const Options& options);
  ~Service();

  /// The operator's bulk path: stores the volumes in one transaction (all or
  /// nothing), in the order given. A volume without an id gets a fresh one; an
  /// activity without `notified` is notified now. With ImportNotices::send
  /// each goes through the line as its party's declaration would (checked
  /// against the world and the volumes before it, notices sent, the
  /// activity's state derived from them, conflicts disclosed), except that it
  /// may lie in the past and a zone keeps the answers given; with none it is
  /// stored unchecked, an activity `clear`, and its record entry says that
  /// no notices were sent.
  Result<ImportResult> import(std::vector<PreparedVolume> volumes, ImportMode mode,
                              ImportNotices notices = ImportNotices::send);

  /// Stored volumes that pass the filter, sorted by id.
  std::vector<const Volume*> list(const ListFilter& filter) const;
  const Volume* find(const std::string& id) const;
  /// The volume as a GeoJSON Feature (format::to_feature), written once and
  /// kept with the volume: lists are answered by joining these.
  std::string_view feature_text(const Volume& v) const;

  /// The conflicts of one stored activity with everything else stored.
  Result<std::vector<Conflict>> conflicts(const std::string& activity_id) const;
  /// The conflicts of every stored activity, in the order the activities were
  /// notified (then by id): the timeline of what the line had to carry.
  std::vector<Conflict> all_conflicts() const;
  /// Checks an activity that is not stored, seeing everything (the
  /// operator's view); nothing is written.
  std::vector<Conflict> check(const PreparedVolume& activity) const;

  /// The service as `caller` sees it: the only way to act or read for a party.
  /// With `ahead`, its checks use what was measured there, and its work is
  /// charged to the caller now.
  PartyView as(const Party& caller, const Precheck* ahead = nullptr);

  /// Group commit: while a Group is open, changes are applied and visible at
  /// once but made durable together by its commit(), with one store sync;
  /// their events are held until then. A caller must not tell anyone about a
  /// change before commit() succeeds. If it fails, or the group is destroyed
  /// uncommitted, the group's changes are gone: the service reloads from the
  /// store (at once, or before its next request). One group at a time.
  ///
  ///   Service::Group group = service.group();
  ///   ... changes ...
  ///   if (Status st = group.commit(); !st) tell every waiting caller it failed;
  class Group {
   public:
    Group(Group&& o) noexcept : service_(std::exchange(o.service_, nullptr)) {}
    Group& operator=(Group&&) = delete;
    ~Group();
    Status commit();
    /// As commit(), but once defer_group_syncs() is in force it returns
    /// before the group is durable and hands back the group's events instead
    /// of publishing them: the caller publishes them with publish_synced()
    /// after a sync begun after this call, and tells nobody of the group's
    /// changes before. Without deferred syncs, the group is durable.
    struct Committed {
      Published published;
      bool wrote = false;  // false: the group wrote nothing, and there is nothing of its own to sync
    };
    Result<Committed> commit_unsynced();

   private:
    friend class Service;
    explicit Group(Service& s);
    Service* service_;  // null once committed or moved from
  };
  [[nodiscard]] Group group();
  /// Lets a group's commit return before it is durable where the store
  /// allows it (SQLite: the log written, not yet synced), so that the
  /// service's thread goes on while the disk syncs. Returns the sync, to be
  /// called on another thread: every group committed before it was called is
  /// durable when it returns. Empty when the store syncs every commit itself
  /// (PostgreSQL); then nothing changes.
  std::function<Status()> defer_group_syncs();
  /// Publishes the events of groups that commit_unsynced() handed back, once
  /// synced, in the order of their commits.
  void publish_synced(const Published& published);

  /// Records that these notices to `party` were pushed on one of its open
  /// event streams (the server's event hub saw them go out); those that had
  /// reached it before, or are not to it, are left as they are.
  Status delivered(const std::string& party, const std::vector<std::string>& notice_ids, Delivery via);

  /// Registers a party and returns its bearer token. The token is shown only
  /// here: the store keeps its hash.
  Result<std::string> add_party(const std::string& id, const std::string& name, bool admin);
  /// Revokes a party's token; its objects stay.
  Status revoke_party(const std::string& id);
  /// Every party, sorted by id.
  std::vector<Party> parties() const;
  /// The active party that holds this token, or not_found. Parties added or
  /// revoked in the store by another process take effect here at once.
  Result<Party> authenticate(std::string_view token);

  /// The same from memory alone, without looking at the store: for a read
  /// beside the service's thread, after a follow() begun once its request
  /// had arrived (so that a token revoked before it is refused).
  Result<Party> authenticate_known(std::string_view token) const;

  /// Takes in what other processes or nodes wrote to the store since the
  /// last look (done before every authentication too). Cheap when nothing changed.
  Status follow();
  /// True when a read may be served beside the service's thread now (see
  /// Threads above): memory holds what the store holds (no reload pending
  /// after a failed commit) and no deadline has passed unmarked (advance()
  /// has nothing to do), so a read answered from memory is the present's.
  bool reads_aside() const;
  /// Ok when the store answers and this service is up to date with it.
  Status health();
  /// Ok when a change could be written now (Store::writable): for load
  /// balancers that send writes only where they can land.
  Status writable();

  size_t size() const;
  TimePoint now() const;

  /// Marks every pending notice of a current activity version whose deadline
  /// has passed as overdue, and returns those notices (an escalation to both
  /// sides). Asked before every request; cheap when nothing is due.
  Result<std::vector<Notice>> advance();
  /// Called after every commit with the events it made, for live streams.
  void on_events(std::function<void(const std::vector<Event>&)> listener);
  /// Called after every commit, and after taking in what others wrote, with
  /// the ids of the objects it wrote or disclosed (Published::touched): a
  /// live view redraws those its party may see. Not called for a full reload.
  void on_touched(std::function<void(const std::vector<std::string>&)> listener);
  /// True when `party` is registered and not revoked (streams of others close).
  bool active(const std::string& party) const;

  // The record (DESIGN §7, docs/record.md).

  /// The public key that signs the record now, in hex.
  std::string record_key() const;
  /// The name of this record as a log: its checkpoints' origin line and the
  /// key name of their signatures ("deconflict/" and the first 16 hex digits
  /// of the key the record starts with).
  std::string log_origin() const;
  /// How many entries the record holds.
  int64_t record_size() const;
  /// The signed tree head of the first `size` entries (0: all), dated by its
  /// last entry: the operator's view (a party's is PartyView::tree_head).
  Result<TreeHead> tree_head(int64_t size) const;
  /// Replaces the signing key: a key.rotate entry signed by the old key names
  /// the new one, which signs from then on. Returns the new public key.
  Result<std::string> rotate_key(const std::string& acting_party);

 private:
  friend class PartyView;      // answers for one caller from the state below
  friend class StoreFollower;  // keeps the state below equal to the store
  struct Impl;
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace deconflict
