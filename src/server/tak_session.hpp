// One TAK client's stream (`serve --tak-listen`), over TCP or TLS: TAK's
// streaming protocol, version 0 (gis/tak_stream.hpp). The client opens with
// TAK's <auth> message, its username the party's id and its password the
// party's token, within the time a request has; then it is sent the party's
// view as drawings (TakFeed), a page whenever what it was sent is half read,
// and each change to its view as it is committed: a drawing again, or a
// `t-x-d-d` for one that is withdrawn, retired or gone from its view. Its
// pings are answered; nothing else it sends is read, kept or passed on.
//
// A stream that falls max_stream_queue_bytes behind is closed (its client
// reconnects and is sent the view again), as is the stream of a party that
// is revoked. Streams count towards the party's --max-streams-per-party.
// I/O thread only.
#pragma once

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include "gis/tak_stream.hpp"
#include "server/event_hub.hpp"
#include "server/http_server.hpp"
#include "server/pipeline.hpp"
#include "server/tak_feed.hpp"

namespace deconflict::server {

template <class Stream>
class TakSession : public StreamSink, public std::enable_shared_from_this<TakSession<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, boost::beast::ssl_stream<boost::beast::tcp_stream>>;
  static constexpr size_t kMaxAuthBytes = 8 * 1024;    // TAK's <auth> is a few hundred bytes
  static constexpr size_t kMaxEventBytes = 64 * 1024;  // one event of the client's, read only for its type

 public:
  TakSession(Stream stream, TakFeed& feed, EventHub& hub, Pipeline& pipeline, const ServerOptions& options,
             std::shared_ptr<size_t> open_count)
      : stream_(std::move(stream)),
        retry_(stream_.get_executor()),
        feed_(feed),
        hub_(hub),
        pipeline_(pipeline),
        options_(options),
        open_count_(std::move(open_count)) {
    ++*open_count_;
  }
  ~TakSession() override { --*open_count_; }
  TakSession(const TakSession&) = delete;
  TakSession& operator=(const TakSession&) = delete;

  void start() {
    tcp_layer().expires_after(std::chrono::seconds(options_.request_timeout_s));
    if constexpr (kTls) {
      stream_.async_handshake(boost::asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](boost::beast::error_code ec) {
                                if (ec) return self->close("TLS handshake failed: " + ec.message());
                                self->read_auth();
                              });
    } else {
      read_auth();
    }
  }

  bool closed() const override { return closed_; }
  void end() override { close("the party is revoked"); }
  void push(std::string) override {}
  bool takes_drawings() const override { return true; }

  void show(const std::shared_ptr<const TakBatch>& batch) override {
    for (const TakItem& item : batch->items) show(item, batch->now);
  }

 private:
  // The first message, TAK's <auth>, whole within request_timeout_s.
  void read_auth() {
    read([self = this->shared_from_this()] {
      const auto end = gis::message_end(self->in_, "</auth>");
      if (!end) {
        if (self->in_.size() > kMaxAuthBytes)
          return self->close("no <auth> in its first " + std::to_string(kMaxAuthBytes) + " bytes");
        return self->read_auth();
      }
      auto auth = gis::read_tak_auth(std::string_view(self->in_).substr(0, *end));
      self->in_.erase(0, *end);
      if (!auth) return self->close(auth.error().message);
      self->login(std::move(*auth));
    });
  }

  void login(gis::TakAuth auth) {
    pipeline_.on_line([this, self = this->shared_from_this(), auth = std::move(auth)] {
      auto party = std::make_shared<Result<Party>>(feed_.login(auth));
      pipeline_.when_read_is_durable("", {}, [self, party](const Status& committed) {
        if (*party) self->party_ = (*party)->id;  // watched: unwatched when this session goes
        if (!committed) return self->close("the store: " + committed.error().message);
        if (!*party) return self->close("not let in: " + party->error().message);
        self->opened();
      });
    });
  }

  void opened() {
    if (hub_.full(party_)) {
      return close("the party has " + std::to_string(options_.max_streams_per_party) + " streams open already");
    }
    spdlog::info("{} TAK stream of {} open", remote(), party_);
    tcp_layer().expires_never();
    hub_.subscribe(party_, this->shared_from_this());
    paging_ = page_asked_ = true;
    next_page();
    read_events();
  }

  // The next page of the party's view, after `after_`.
  void next_page() {
    pipeline_.on_line([this, self = this->shared_from_this(), party = party_, after = after_] {
      auto batch = std::make_shared<Result<TakBatch>>(feed_.page(party, after));
      auto draw = [&feed = feed_, batch] {
        if (*batch) feed.draw(**batch);
      };
      pipeline_.when_read_is_durable(party, draw, [self, batch](const Status& committed) {
        if (self->closed_) return;
        if (!committed) return self->close("the store: " + committed.error().message);
        if (!*batch && batch->error().code == ErrorCode::rate_limited) return self->page_later();
        if (!*batch) return self->close(batch->error().message);
        self->paging_ = (*batch)->next.has_value();
        if (self->paging_) self->after_ = *(*batch)->next;
        self->show(std::make_shared<const TakBatch>(std::move(**batch)));
        self->page_asked_ = false;
        self->page_when_read();
      });
    });
  }

  // A party over its rate is sent the rest of its view a second later.
  void page_later() {
    retry_.expires_after(std::chrono::seconds(1));
    retry_.async_wait([self = this->shared_from_this()](boost::beast::error_code ec) {
      if (!ec && !self->closed_) self->next_page();
    });
  }

  // The next page is asked for once what was sent is half read.
  void page_when_read() {
    if (paging_ && !page_asked_ && queued_bytes_ <= options_.max_stream_queue_bytes / 2) {
      page_asked_ = true;
      next_page();
    }
  }

  // Batches come in the order they were planned (TakFeed), so each shows
  // the object as it is now: drawn again, and what it no longer has deleted.
  // A version and state already on the client's map (a page and a change
  // planned around one commit) are not sent again.
  void show(const TakItem& item, TimePoint now) {
    const auto before = shown_.find(item.id);
    if (before != shown_.end() && item.volume && item.drawing && before->second.version == item.volume->version &&
        before->second.state == item.volume->state) {
      return;
    }
    std::vector<std::string> uids = item.drawing ? item.drawing->uids : std::vector<std::string>{};
    if (before != shown_.end()) {
      for (const std::string& uid : before->second.uids) {
        if (std::find(uids.begin(), uids.end(), uid) == uids.end()) send(gis::cot_delete(uid, now));
      }
    }
    // The kept drawing itself is queued (its text is shared with the cache, not copied).
    if (item.drawing) send(std::shared_ptr<const std::string>(item.drawing, &item.drawing->events));
    if (uids.empty() || !item.volume) {
      if (before != shown_.end()) shown_.erase(before);
    } else {
      shown_[item.id] = Shown{item.volume->version, item.volume->state, std::move(uids)};
    }
  }

  // What the client sends after its <auth>: pings are answered, the rest
  // is dropped unread.
  void read_events() {
    read([self = this->shared_from_this()] {
      while (auto end = gis::message_end(self->in_, "</event>")) {
        if (gis::is_ping(std::string_view(self->in_).substr(0, *end))) self->send(gis::cot_pong(wall_clock()));
        self->in_.erase(0, *end);
      }
      if (self->in_.size() > kMaxEventBytes) return self->close("an event of more than 64 KiB");
      self->read_events();
    });
  }

  template <class Then>
  void read(Then then) {
    stream_.async_read_some(boost::asio::buffer(chunk_),
                            [self = this->shared_from_this(), then](boost::beast::error_code ec, size_t n) mutable {
                              if (ec) return self->close("");
                              self->in_.append(self->chunk_.data(), n);
                              then();
                            });
  }

  // Queues bytes; a client that falls max_stream_queue_bytes behind is
  // closed: it is sent its view again when it reconnects.
  void send(std::string bytes) { send(std::make_shared<const std::string>(std::move(bytes))); }
  void send(std::shared_ptr<const std::string> bytes) {
    if (closed_) return;
    if (queued_bytes_ + bytes->size() > options_.max_stream_queue_bytes) return close("fell behind");
    queued_bytes_ += bytes->size();
    queue_.push_back(std::move(bytes));
    if (queue_.size() == 1) write_next();
  }

  void write_next() {
    boost::asio::async_write(stream_, boost::asio::buffer(*queue_.front()),
                             [self = this->shared_from_this()](boost::beast::error_code ec, size_t) {
                               if (ec) return self->close("");
                               self->queued_bytes_ -= self->queue_.front()->size();
                               self->queue_.pop_front();
                               self->page_when_read();
                               if (!self->queue_.empty()) self->write_next();
                             });
  }

  static TimePoint wall_clock() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  }

  std::string remote() {
    boost::beast::error_code ec;
    const auto ep = tcp_layer().socket().remote_endpoint(ec);
    return ec ? "?" : ep.address().to_string();
  }

  void close(const std::string& why) {
    if (closed_) return;
    if (!why.empty()) spdlog::info("{} TAK stream {} closed: {}", remote(), party_.empty() ? "-" : party_, why);
    closed_ = true;
    retry_.cancel();
    // Closed while the server runs (not destroyed at its end, when the line is gone).
    if (!party_.empty()) pipeline_.on_line([&feed = feed_, party = party_] { feed.unwatch(party); });
    boost::beast::error_code ec;
    tcp_layer().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    tcp_layer().socket().close(ec);
  }

  boost::beast::tcp_stream& tcp_layer() { return boost::beast::get_lowest_layer(stream_); }

  Stream stream_;
  boost::asio::steady_timer retry_;  // the next page, when the party is over its rate
  TakFeed& feed_;
  EventHub& hub_;
  Pipeline& pipeline_;
  const ServerOptions& options_;
  std::shared_ptr<size_t> open_count_;  // the listeners' count of open connections
  std::string party_;                   // once let in
  std::string in_;                      // read, not yet taken
  std::array<char, 4096> chunk_{};
  std::deque<std::shared_ptr<const std::string>> queue_;
  size_t queued_bytes_ = 0;  // in queue_
  struct Shown {
    int version = 0;
    State state = State::none;
    std::vector<std::string> uids;  // on the client's map
  };
  std::unordered_map<std::string, Shown> shown_;  // by object
  std::string after_;                             // the view's next page starts after this id
  bool paging_ = false;                           // the view is not all sent yet
  bool page_asked_ = true;                        // the next page is on its way
  bool closed_ = false;
};

}  // namespace deconflict::server
