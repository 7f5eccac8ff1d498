// The way a request takes through the server's threads (docs/architecture.md,
// "Threads"):
//
//   - the I/O thread runs every connection, the event hub and the answers to
//     health requests;
//   - the line thread makes every call into the Api and the Service that
//     changes anything, or reads the store, one at a time and in order, so
//     that writes keep one order (the record is one chain); each of its jobs
//     holds the LineLock alone;
//   - the read threads answer the reads of memory (lists, objects, a page of
//     conflicts: Api::aside) beside it, holding the LineLock shared: after a
//     look at the store begun once the read arrived, from the world as the
//     line left it, and only once what they read is durable;
//   - the check pool parses large features and measures checks ahead
//     (include/deconflict/precheck.hpp), so that a long check delays nobody
//     else: the line thread only plans it before and finishes it after.
//
// A party has at most one job in the pool at once, so one party holds at
// most one thread of it however many connections it opens; its other jobs
// wait their turn (its light requests do not: they never leave the line).
//
//   Pipeline pipeline(io, api, service, {.check_threads = 2});
//   pipeline.serve(request, Api::route_of(request), [](Response r, std::string party) { ... });  // I/O thread
//
// Every member is called on the I/O thread unless it says otherwise.
#pragma once

// clang-format off: Boost.Asio's headers use std::exchange without including <utility>.
#include <utility>
// clang-format on
#include <atomic>
#include <boost/asio.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "deconflict/service.hpp"
#include "server/api.hpp"
#include "server/line_lock.hpp"

namespace deconflict::server {

namespace asio = boost::asio;

// The disk's syncs of committed groups, on a thread of their own (where the
// store allows: Service::defer_group_syncs), so that the line thread handles
// the next group while the last one syncs. One sync covers every group
// committed before it began; a group's answers and events wait for it. A
// failed sync ends the process: what it wrote may or may not be on the disk,
// and nothing answered may rest on it (the store is read again on restart).
/// Runs a job on the line thread (holding the LineLock alone).
using ToLine = std::function<void(std::function<void()>)>;

class GroupSyncs {
 public:
  GroupSyncs(std::function<Status()> sync, ToLine to_line);
  ~GroupSyncs() { stop(); }
  GroupSyncs(const GroupSyncs&) = delete;
  GroupSyncs& operator=(const GroupSyncs&) = delete;

  /// Runs `then` on the line thread once a sync begun after this call has
  /// returned. A group that `wrote` nothing needs no sync of its own, only
  /// those of the groups before it: with none waiting, `then` runs at once.
  /// Line thread only.
  void after_sync(std::function<void()> then, bool wrote);
  /// Syncs what is waiting, then joins the thread.
  void stop();

 private:
  void run();

  std::function<Status()> sync_;
  ToLine to_line_;
  std::mutex mutex_;
  std::condition_variable wake_;
  struct Waiting {
    std::function<void()> then;
    bool wrote;
  };
  std::vector<Waiting> waiting_;
  size_t unanswered_ = 0;  // handed to after_sync, not yet posted back
  bool stopping_ = false;
  std::thread thread_;
};

// Which commit groups have settled (each durable and answered, or failed),
// and the reads beside the line thread that wait for them. Groups settle out
// of order when one fails while those before it wait for their sync.
// Thread-safe.
class Settlements {
 public:
  /// Calls `then(committed)` once group `number` and every group before it
  /// have settled, `committed` false when group `number` failed: at once, or
  /// on the thread that settles the last of them. `then` must only hand work on.
  void when_settled(uint64_t number, std::function<void(bool committed)> then);
  /// Group `number` is durable (`committed`) or failed.
  void settle(uint64_t number, bool committed);

 private:
  static constexpr uint64_t kFailuresKept = 1024;
  std::mutex mutex_;
  uint64_t settled_through_ = 0;      // every group up to this one has settled
  std::set<uint64_t> settled_ahead_;  // settled while one before it had not
  std::set<uint64_t> failed_;         // the groups that failed among the last kFailuresKept
  std::multimap<uint64_t, std::function<void(bool)>> readers_;
};

// Group commit: the requests the line thread handles between two commits
// share one durable store transaction. Each is applied at once (so a later
// one sees an earlier one), but its answer waits until the group is
// committed; then all are sent, or all get the commit's error if it failed
// (503 when the connection to the store was lost, else 500; the service has
// reloaded). Line thread only, but for newest() and when_settled().
//
// Groups are numbered from 1 as they open. A read beside the line thread
// notes the newest group (what it read may hold that group's changes, applied
// before its commit) and is answered once that group has settled: durable, or
// failed (then it is read again on the line thread).
class CommitGroup {
 public:
  /// `syncs`, if given, syncs each committed group (else the commit does).
  CommitGroup(Service& service, ToLine to_line, GroupSyncs* syncs)
      : service_(service), to_line_(std::move(to_line)), syncs_(syncs) {}

  /// Joins the open group, opening one (and scheduling its commit) if needed.
  void join();
  /// Runs `then` on the line thread once the group is committed, with the commit's status.
  void after(std::function<void(const Status&)> then) { waiting_.push_back(std::move(then)); }

  /// The newest group's number: the open one's, else the last one's (0 before
  /// the first). Any thread holding the LineLock (shared or alone).
  uint64_t newest() const { return opened_.load(std::memory_order_relaxed); }
  /// Calls `then(committed)` once group `number` and every group before it
  /// have settled (Settlements). Any thread; `then` runs at once or on the
  /// line thread, and must only hand work on.
  void when_settled(uint64_t number, std::function<void(bool committed)> then) {
    settled_.when_settled(number, std::move(then));
  }

 private:
  void commit();

  Service& service_;
  ToLine to_line_;
  GroupSyncs* syncs_;
  std::optional<Service::Group> group_;  // open between join() and commit()
  std::vector<std::function<void(const Status&)>> waiting_;
  std::atomic<uint64_t> opened_{0};  // groups opened so far: the open one's number while open
  Settlements settled_;
};

// At most one job in the pool per party, in the order given; the others wait
// their turn. Line thread only: a job calls done(party) on the line thread
// when it has left the pool, and the party's next job starts.
class Turns {
 public:
  using Job = std::function<void()>;
  void take(const std::string& party, Job job);
  void done(const std::string& party);

 private:
  std::map<std::string, std::deque<Job>> waiting_;  // the front of each is in the pool
};

struct PipelineOptions {
  unsigned check_threads = 2;  // the pool that parses features and measures checks
  /// A check that compares fewer positions than this (Precheck::positions)
  /// is measured on the line thread: less than a millisecond, not worth a hop.
  uint64_t light_positions = 20'000;
  /// A body smaller than this is parsed on the line thread.
  size_t light_body_bytes = 16 * 1024;
  /// Sync committed groups on a thread of their own (GroupSyncs) where the
  /// store allows it, rather than in each commit on the line thread.
  bool sync_aside = true;
  /// Threads that answer reads of memory beside the line thread (Api::aside);
  /// 0: every request on the line thread.
  unsigned read_threads = 2;
};

class Pipeline {
 public:
  using Reply = std::function<void(Response, std::string party)>;
  using StreamReply = std::function<void(std::shared_ptr<std::variant<StreamStart, Response>>, std::string party)>;

  Pipeline(asio::io_context& io, Api& api, Service& service, PipelineOptions options);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  /// Serves a request: a read of memory by a read thread, else its check
  /// measured ahead if it has one, then handled on the line thread. `reply`
  /// is called on the I/O thread once what the request changed, or read, is
  /// durable. `request` must live until then; `route` is Api::route_of(request).
  void serve(const Request& request, const Route* route, Reply reply);
  /// Opens an event stream once the open group is durable (its backlog holds
  /// nothing uncommitted); `reply` on the I/O thread.
  void open_stream(const Request& request, StreamReply reply);
  /// Runs `job` on the line thread within the open group (the ticker's work).
  void on_line(std::function<void()> job);
  /// The rest of a read whose answer must wait until what it read is
  /// durable (a TAK stream's), read on the line thread within the open
  /// group: once the group is committed, `work` (if any) in the pool in
  /// `turn`'s turn; then `done` on the I/O thread with the commit's status
  /// (`work` is skipped when the commit failed: what was read may never have
  /// been stored). Reads of one turn are done in the order they were read.
  /// Line thread only (inside an on_line job).
  void when_read_is_durable(const std::string& turn, std::function<void()> work,
                            std::function<void(const Status&)> done);
  /// Stops: measurements in progress end at once, nothing more is handled.
  /// Joins the threads; what was answered had been committed.
  void stop();

 private:
  using Shared = std::shared_ptr<std::optional<Prepared>>;
  using Signed = std::shared_ptr<std::optional<CheckedSignature>>;  // checked in the pool, if signed
  // Line thread, in the order a request takes them (admit may have the I/O
  // thread check a signature before prepare).
  void admit(const Request& request, Reply reply);
  void prepare(const Request& request, Signed signature, Reply reply);
  /// The rest of prepare() once the request is prepared (or refused): its
  /// body parsed here or in the pool, or handled at once.
  void take_prepared(const Request& request, Shared prepared, Signed signature, Reply reply);
  void parsed(const Request& request, Shared prepared, Signed signature, Reply reply);
  void handle(const Request& request, Prepared* prepared, const Signed& signature, Reply reply);
  /// Reads beside the line: queued until the line thread has looked at the
  /// store (follow_for_reads), then answered by a read thread (read).
  void read_aside(const Request& request, Reply reply);
  void follow_for_reads();                         // line thread
  void read(const Request& request, Reply reply);  // a read thread
  /// Has the line thread answer the request (admit), from any thread.
  void serve_on_line(const Request& request, Reply reply);
  /// Runs `job` on the line thread, holding the LineLock alone.
  template <typename Job>
  void to_line(Job job) {
    asio::post(line_, [this, job = std::move(job)]() mutable {
      std::unique_lock held(lock_);
      job();
    });
  }
  /// Runs `work` in the pool in the party's turn, then `then` on the line thread.
  void in_pool(const std::string& party, std::function<void()> work, std::function<void()> then);

  asio::io_context& io_;
  Api& api_;
  Service& service_;
  PipelineOptions options_;
  LineLock lock_;
  asio::io_context line_;
  asio::executor_work_guard<asio::io_context::executor_type> line_work_;
  std::unique_ptr<GroupSyncs> syncs_;  // when the store's group syncs are deferred
  CommitGroup group_;
  Turns turns_;
  std::atomic<bool> stopping_{false};
  asio::thread_pool checks_;
  asio::thread_pool reads_;
  // Reads that wait for the line thread's next look at the store.
  struct Read {
    const Request* request;
    Reply reply;
  };
  std::mutex reads_mutex_;
  std::vector<Read> reads_waiting_;
  bool follow_posted_ = false;  // a follow_for_reads() is on its way
  std::thread line_thread_;
};

}  // namespace deconflict::server
