#include "server/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>

namespace deconflict::server {

void CommitGroup::join() {
  if (group_) return;
  group_.emplace(service_.group());
  opened_.fetch_add(1, std::memory_order_relaxed);
  to_line_([this] { commit(); });
}

void CommitGroup::commit() {
  const uint64_t number = newest();
  auto committed = group_->commit_unsynced();
  group_.reset();
  auto waiting = std::move(waiting_);
  waiting_.clear();
  if (!committed) {
    const Status st = committed.error();
    spdlog::error("group commit failed, {} answers become errors: {}", waiting.size(), st.error().describe());
    for (auto& then : waiting) then(st);
    settled_.settle(number, false);
    return;
  }
  const bool wrote = committed->wrote;
  auto answer = [this, number, published = std::move(committed->published), waiting = std::move(waiting)] {
    service_.publish_synced(published);
    for (auto& then : waiting) then(Status{});
    settled_.settle(number, true);
  };
  if (syncs_) {
    syncs_->after_sync(std::move(answer), wrote);
  } else {
    answer();
  }
}

void Settlements::when_settled(uint64_t number, std::function<void(bool committed)> then) {
  bool committed = true;
  {
    std::lock_guard lock(mutex_);
    if (number > settled_through_) {
      readers_.emplace(number, std::move(then));
      return;
    }
    committed = !failed_.count(number);
  }
  then(committed);
}

void Settlements::settle(uint64_t number, bool committed) {
  std::vector<std::pair<std::function<void(bool)>, bool>> ready;
  {
    std::lock_guard lock(mutex_);
    if (!committed) failed_.insert(number);
    settled_ahead_.insert(number);
    while (!settled_ahead_.empty() && *settled_ahead_.begin() == settled_through_ + 1) {
      settled_ahead_.erase(settled_ahead_.begin());
      ++settled_through_;
    }
    const auto end = readers_.upper_bound(settled_through_);
    for (auto it = readers_.begin(); it != end; ++it)
      ready.emplace_back(std::move(it->second), !failed_.count(it->first));
    readers_.erase(readers_.begin(), end);
    if (settled_through_ > kFailuresKept) {
      failed_.erase(failed_.begin(), failed_.lower_bound(settled_through_ - kFailuresKept));
    }
  }
  for (auto& [then, ok] : ready) then(ok);
}

GroupSyncs::GroupSyncs(std::function<Status()> sync, ToLine to_line)
    : sync_(std::move(sync)), to_line_(std::move(to_line)), thread_([this] { run(); }) {}

void GroupSyncs::after_sync(std::function<void()> then, bool wrote) {
  bool at_once = false;
  {
    std::lock_guard lock(mutex_);
    at_once = !wrote && unanswered_ == 0;
    if (!at_once) {
      waiting_.push_back({std::move(then), wrote});
      ++unanswered_;
    }
  }
  if (at_once) return then();
  wake_.notify_one();
}

void GroupSyncs::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void GroupSyncs::run() {
  for (;;) {
    std::vector<Waiting> synced;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (waiting_.empty()) return;  // stopping, nothing to sync
      synced.swap(waiting_);
    }
    // Groups that wrote nothing waited only for the syncs before them, which
    // this thread made before taking them.
    const bool wrote = std::any_of(synced.begin(), synced.end(), [](const Waiting& w) { return w.wrote; });
    if (Status st = wrote ? sync_() : Status{}; !st) {
      spdlog::critical("{}; stopping at once, without answering the {} groups that waited for it",
                       st.error().describe(), synced.size());
      std::_Exit(70);
    }
    for (auto& w : synced) to_line_(std::move(w.then));
    std::lock_guard lock(mutex_);
    unanswered_ -= synced.size();
  }
}

void Turns::take(const std::string& party, Job job) {
  auto& queue = waiting_[party];
  queue.push_back(std::move(job));
  if (queue.size() == 1) queue.front()();
}

void Turns::done(const std::string& party) {
  const auto it = waiting_.find(party);
  if (it == waiting_.end()) return;
  it->second.pop_front();
  if (it->second.empty()) {
    waiting_.erase(it);
  } else {
    it->second.front()();
  }
}

Pipeline::Pipeline(asio::io_context& io, Api& api, Service& service, PipelineOptions options)
    : io_(io),
      api_(api),
      service_(service),
      options_(options),
      line_(1),
      line_work_(asio::make_work_guard(line_)),
      syncs_(options.sync_aside ? [&]() -> std::unique_ptr<GroupSyncs> {
        auto sync = service.defer_group_syncs();
        return sync ? std::make_unique<GroupSyncs>(std::move(sync), [this](auto job) { to_line(std::move(job)); })
                    : nullptr;
      }()
                                : nullptr),
      group_(service, [this](auto job) { to_line(std::move(job)); }, syncs_.get()),
      checks_(std::max(1u, options.check_threads)),
      reads_(std::max(1u, options.read_threads)),
      line_thread_([this] { line_.run(); }) {}

Pipeline::~Pipeline() { stop(); }

void Pipeline::stop() {
  stopping_ = true;
  line_.stop();
  if (line_thread_.joinable()) line_thread_.join();
  if (syncs_) syncs_->stop();
  checks_.stop();
  checks_.join();
  reads_.stop();
  reads_.join();
}

namespace {

// The answer `handle` gives, or 500 when it throws (a broken invariant: the
// operator's log says which request).
template <typename Handle>
Response guarded(const Request& request, Handle&& handle) {
  try {
    return handle();
  } catch (const std::exception& e) {
    spdlog::error("internal error on {} {}: {}", std::string(request.method_string()), std::string(request.target()),
                  e.what());
    return error_response(make_error(ErrorCode::store_error, "internal error"), request.version(), false);
  }
}

}  // namespace

void Pipeline::serve(const Request& request, const Route* route, Reply reply) {
  if (options_.read_threads > 0 && Api::aside(route)) return read_aside(request, std::move(reply));
  serve_on_line(request, std::move(reply));
}

void Pipeline::serve_on_line(const Request& request, Reply reply) {
  to_line([this, &request, reply = std::move(reply)]() mutable { admit(request, std::move(reply)); });
}

void Pipeline::read_aside(const Request& request, Reply reply) {
  bool post = false;
  {
    std::lock_guard lock(reads_mutex_);
    reads_waiting_.push_back({&request, std::move(reply)});
    post = !std::exchange(follow_posted_, true);
  }
  if (post) to_line([this] { follow_for_reads(); });
}

// One look at the store serves every read that arrived before it began: what
// another process or node committed before a read arrived (a token revoked,
// an object declared) is in memory when the read is answered, as it would be
// on the line thread.
void Pipeline::follow_for_reads() {
  std::vector<Read> reads;
  {
    std::lock_guard lock(reads_mutex_);
    reads.swap(reads_waiting_);
    follow_posted_ = false;
  }
  const Status followed = service_.follow();
  for (Read& r : reads) {
    if (!followed || stopping_) {  // the line thread answers it, the store's error included
      admit(*r.request, std::move(r.reply));
      continue;
    }
    asio::post(reads_, [this, r = std::move(r)]() mutable { read(*r.request, std::move(r.reply)); });
  }
}

void Pipeline::read(const Request& request, Reply reply) {
  std::optional<Response> res;
  std::string party = "-";
  uint64_t seen = 0;
  {
    std::shared_lock held(lock_);
    if (!stopping_ && service_.reads_aside()) {
      seen = group_.newest();
      res = guarded(request, [&] { return api_.handle_aside(request, party); });
    }
  }
  // A deadline passed or memory is being reloaded: the line thread answers.
  if (!res) return serve_on_line(request, std::move(reply));
  auto answer = std::make_shared<Response>(std::move(*res));
  group_.when_settled(seen, [this, &request, answer, party, reply = std::move(reply)](bool committed) mutable {
    if (!committed) return serve_on_line(request, std::move(reply));  // what it read may never have been stored
    asio::post(io_, [answer, party, reply = std::move(reply)] { reply(std::move(*answer), party); });
  });
}

void Pipeline::admit(const Request& request, Reply reply) {
  auto signature = std::make_shared<std::optional<CheckedSignature>>();
  if (stopping_ || !api_.signs_as_a_party(request)) return prepare(request, std::move(signature), std::move(reply));
  // A signed act of an authenticated party: its Ed25519 signature (50 to
  // 130 us, and its body's SHA-256) is checked in the pool, and a small body
  // parsed there in the same trip, so that the line thread, which every
  // party waits on, only looks up its key and nonce, and the I/O thread only
  // moves bytes. Not in the party's turn: both are short and bounded (the
  // body is small), and a party's creates would otherwise wait on each
  // other's signatures one at a time.
  auto prepared = std::make_shared<std::optional<Prepared>>(api_.prepare(request));
  const bool parse = *prepared && (*prepared)->has_body && request.body().size() < options_.light_body_bytes;
  asio::post(checks_, [this, &request, signature, prepared, parse, reply = std::move(reply)]() mutable {
    *signature = api_.check_signature(request);
    if (parse) Api::parse(request, **prepared);
    to_line([this, &request, signature, prepared, parse, reply = std::move(reply)]() mutable {
      if (parse) return parsed(request, prepared, signature, std::move(reply));
      take_prepared(request, std::move(prepared), std::move(signature), std::move(reply));
    });
  });
}

void Pipeline::in_pool(const std::string& party, std::function<void()> work, std::function<void()> then) {
  turns_.take(party, [this, party, work = std::move(work), then = std::move(then)]() mutable {
    asio::post(checks_, [this, party, work = std::move(work), then = std::move(then)]() mutable {
      work();
      to_line([this, party, then = std::move(then)] {
        turns_.done(party);
        then();
      });
    });
  });
}

void Pipeline::prepare(const Request& request, Signed signature, Reply reply) {
  take_prepared(request, std::make_shared<std::optional<Prepared>>(api_.prepare(request)), std::move(signature),
                std::move(reply));
}

void Pipeline::take_prepared(const Request& request, Shared prepared, Signed signature, Reply reply) {
  if (!*prepared || stopping_) return handle(request, nullptr, signature, std::move(reply));
  if (!(*prepared)->has_body || request.body().size() < options_.light_body_bytes) {
    Api::parse(request, **prepared);
    return parsed(request, std::move(prepared), std::move(signature), std::move(reply));
  }
  in_pool((*prepared)->caller.id, [&request, prepared] { Api::parse(request, **prepared); },
          [this, &request, prepared, signature, reply = std::move(reply)]() mutable {
            parsed(request, prepared, signature, std::move(reply));
          });
}

void Pipeline::parsed(const Request& request, Shared prepared, Signed signature, Reply reply) {
  if (!(*prepared)->to_draw.empty()) {  // GET /v1/cot: outlines drawn in the party's turn in the pool
    return in_pool((*prepared)->caller.id, [this, prepared] { api_.draw(**prepared); },
                   [this, &request, prepared, signature, reply = std::move(reply)]() mutable {
                     handle(request, &**prepared, signature, std::move(reply));
                   });
  }
  api_.plan(**prepared);
  Precheck& ahead = (*prepared)->ahead;
  if (ahead.positions() <= options_.light_positions) {
    ahead.refine(&stopping_);
    return handle(request, &**prepared, signature, std::move(reply));
  }
  in_pool((*prepared)->caller.id, [this, prepared] { (*prepared)->ahead.refine(&stopping_); },
          [this, &request, prepared, signature, reply = std::move(reply)]() mutable {
            handle(request, &**prepared, signature, std::move(reply));
          });
}

void Pipeline::handle(const Request& request, Prepared* prepared, const Signed& signature, Reply reply) {
  group_.join();
  auto party = std::make_shared<std::string>("-");
  auto res = std::make_shared<Response>(
      guarded(request, [&] { return api_.handle(request, *party, prepared, *signature ? &**signature : nullptr); }));
  group_.after([this, res, party, reply = std::move(reply)](const Status& committed) mutable {
    if (!committed) {
      // The connection may have broken while the commit was on its way: the
      // change may be stored, and the client is told to look before retrying.
      const bool lost = committed.error().code == ErrorCode::store_unavailable;
      *res = error_response(make_error(lost ? ErrorCode::store_unavailable : ErrorCode::store_error,
                                       lost ? "the connection to the store was lost while committing: read whether "
                                              "the change was stored before sending it again"
                                            : "the change could not be stored"),
                            res->version(), false);
    }
    asio::post(io_, [res, party, reply = std::move(reply)] { reply(std::move(*res), *party); });
  });
}

void Pipeline::open_stream(const Request& request, StreamReply reply) {
  to_line([this, &request, reply = std::move(reply)]() mutable {
    group_.join();
    group_.after([this, &request, reply = std::move(reply)](const Status&) mutable {
      auto party = std::make_shared<std::string>("-");
      auto start = std::make_shared<std::variant<StreamStart, Response>>(api_.open_stream(request, *party));
      asio::post(io_, [start, party, reply = std::move(reply)] { reply(start, *party); });
    });
  });
}

void Pipeline::when_read_is_durable(const std::string& turn, std::function<void()> work,
                                    std::function<void(const Status&)> done) {
  group_.after([this, turn, work = std::move(work), done = std::move(done)](const Status& committed) mutable {
    if (!committed || !work || stopping_) {
      return asio::post(io_, [committed, done = std::move(done)] { done(committed); });
    }
    in_pool(turn, std::move(work), [this, done = std::move(done)]() mutable {
      asio::post(io_, [done = std::move(done)] { done(Status{}); });
    });
  });
}

void Pipeline::on_line(std::function<void()> job) {
  to_line([this, job = std::move(job)] {
    group_.join();
    job();
  });
}

}  // namespace deconflict::server
