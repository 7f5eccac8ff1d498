#include "server/pipeline.hpp"

#include <spdlog/spdlog.h>

namespace deconflict::server {

void CommitGroup::join() {
  if (open_) return;
  open_ = true;
  service_.begin_group();
  asio::post(line_, [this] { commit(); });
}

void CommitGroup::commit() {
  open_ = false;
  const Status st = service_.commit_group();
  if (!st) spdlog::error("group commit failed, {} answers become 500: {}", waiting_.size(), st.error().describe());
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& then : waiting) then(st.ok());
}

void Dispatcher::submit(const std::string& key, Job job) {
  auto& queue = waiting_[key];
  queue.push_back(std::move(job));
  if (queue.size() == 1) queue.front()();
}

void Dispatcher::finished(const std::string& key) {
  const auto it = waiting_.find(key);
  if (it == waiting_.end()) return;
  it->second.pop_front();
  if (it->second.empty()) {
    waiting_.erase(it);
  } else {
    it->second.front()();
  }
}

Pipeline::Pipeline(asio::io_context& io, Api& api, Service& service, PipelineOptions options)
    : io_(io), api_(api), options_(options), line_(1), line_work_(asio::make_work_guard(line_)),
      group_(service, line_), checks_(std::max(1u, options.check_threads)), line_thread_([this] { line_.run(); }) {}

Pipeline::~Pipeline() { stop(); }

void Pipeline::stop() {
  stopping_ = true;
  line_.stop();
  if (line_thread_.joinable()) line_thread_.join();
  checks_.stop();
  checks_.join();
}

void Pipeline::serve(const std::string& key, const Request& request, Reply reply) {
  dispatcher_.submit(key, [this, key, &request, reply = std::move(reply)]() mutable {
    asio::post(line_, [this, key, &request, reply = std::move(reply)]() mutable { prepare(key, request, std::move(reply)); });
  });
}

void Pipeline::prepare(const std::string& key, const Request& request, Reply reply) {
  auto prepared = std::make_shared<std::optional<Prepared>>(api_.prepare(request));
  if (!*prepared || stopping_) return handle(key, request, nullptr, std::move(reply));
  if (!(*prepared)->has_body || request.body().size() < options_.light_body_bytes) {
    Api::parse(request, **prepared);
    return parsed(key, request, std::move(prepared), std::move(reply));
  }
  asio::post(checks_, [this, key, &request, prepared, reply = std::move(reply)]() mutable {
    Api::parse(request, **prepared);
    asio::post(line_, [this, key, &request, prepared, reply = std::move(reply)]() mutable {
      parsed(key, request, std::move(prepared), std::move(reply));
    });
  });
}

void Pipeline::parsed(const std::string& key, const Request& request, Shared prepared, Reply reply) {
  api_.plan(**prepared);
  Precheck& ahead = (*prepared)->ahead;
  if (ahead.positions() <= options_.light_positions) {
    ahead.refine(&stopping_);
    return handle(key, request, &**prepared, std::move(reply));
  }
  measure(key, request, std::move(prepared), std::move(reply));
}

void Pipeline::measure(const std::string& key, const Request& request, Shared prepared, Reply reply) {
  asio::post(checks_, [this, key, &request, prepared, reply = std::move(reply)]() mutable {
    (*prepared)->ahead.refine(&stopping_);
    asio::post(line_, [this, key, &request, prepared, reply = std::move(reply)]() mutable {
      handle(key, request, &**prepared, std::move(reply));
    });
  });
}

void Pipeline::handle(const std::string& key, const Request& request, Prepared* prepared, Reply reply) {
  group_.join();
  auto party = std::make_shared<std::string>("-");
  auto res = std::make_shared<Response>();
  try {
    *res = api_.handle(request, *party, prepared);
  } catch (const std::exception& e) {
    spdlog::error("internal error on {} {}: {}", std::string(request.method_string()), std::string(request.target()),
                  e.what());
    *res = error_response(make_error(ErrorCode::store_error, "internal error"), request.version(), false);
  }
  asio::post(io_, [this, key] { dispatcher_.finished(key); });  // the party's next request may start
  group_.after([this, res, party, reply = std::move(reply)](bool committed) mutable {
    if (!committed) {
      *res = error_response(make_error(ErrorCode::store_error, "the change could not be stored"), res->version(), false);
    }
    asio::post(io_, [res, party, reply = std::move(reply)] { reply(std::move(*res), *party); });
  });
}

void Pipeline::open_stream(const std::string& key, const Request& request, StreamReply reply) {
  dispatcher_.submit(key, [this, key, &request, reply = std::move(reply)]() mutable {
    asio::post(line_, [this, key, &request, reply = std::move(reply)]() mutable {
      group_.join();
      asio::post(io_, [this, key] { dispatcher_.finished(key); });
      group_.after([this, &request, reply = std::move(reply)](bool) mutable {
        auto party = std::make_shared<std::string>("-");
        auto start = std::make_shared<std::variant<StreamStart, Response>>(api_.open_stream(request, *party));
        asio::post(io_, [start, party, reply = std::move(reply)] { reply(start, *party); });
      });
    });
  });
}

void Pipeline::on_line(std::function<void()> job) {
  asio::post(line_, [this, job = std::move(job)] {
    group_.join();
    job();
  });
}

}  // namespace deconflict::server
