#include "server/http_server.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "server/access_log.hpp"
#include "server/event_hub.hpp"
#include "server/pipeline.hpp"
#include "server/repeat_filter.hpp"
#include "server/static_files.hpp"
#include "server/tak_feed.hpp"
#include "server/tak_session.hpp"

namespace deconflict::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection: plain TCP (Stream = beast::tcp_stream) or TLS (TlsStream).
template <class Stream>
class Session : public StreamSink, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Session(Stream stream, Api& api, EventHub& hub, Pipeline& pipeline, const HealthWatch& health, AccessLog& access,
          const ServerOptions& options, std::shared_ptr<size_t> open_count)
      : stream_(std::move(stream)),
        api_(api),
        access_(access),
        hub_(hub),
        pipeline_(pipeline),
        health_(health),
        options_(options),
        heartbeat_(stream_.get_executor()),
        open_count_(std::move(open_count)) {
    ++*open_count_;
  }
  ~Session() { --*open_count_; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void end() override { close(); }

  /// Queues bytes on an open event stream. A stream whose reader has fallen
  /// max_stream_queue_bytes behind is told so and ends: what it has not been
  /// sent is dropped (the frame being written stays), and its client resumes
  /// from its Last-Event-ID, so that no reader holds the server's memory.
  void push(std::string bytes) override {
    if (closed_ || ending_) return;
    if (queued_bytes_ + bytes.size() > options_.max_stream_queue_bytes) {
      while (queue_.size() > 1) {
        queued_bytes_ -= queue_.back().size();
        queue_.pop_back();
      }
      return end_behind();
    }
    enqueue(std::move(bytes));
  }

  // The last frame of a stream that is behind; the stream closes once it is sent.
  void end_behind() {
    enqueue("event: closed\ndata: {\"reason\":\"the stream fell behind; reconnect with Last-Event-ID\"}\n\n");
    ending_ = true;
  }

  void enqueue(std::string bytes) {
    queued_bytes_ += bytes.size();
    queue_.push_back(std::move(bytes));
    if (queue_.size() == 1) write_next();
  }
  bool closed() const override { return closed_; }

  void start() {
    remote_ = peer_address();
    if constexpr (kTls) {  // the handshake, within the time a request has
      tcp_layer().expires_after(std::chrono::seconds(options_.request_timeout_s));
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) {
          spdlog::warn("{} TLS handshake failed: {}", self->remote(), ec.message());
          return self->close();
        }
        self->read();
      });
    } else {
      read();
    }
  }

 private:
  // A connection may wait idle_timeout_s for its next request; once the
  // first byte of a request is in, the whole request has request_timeout_s to
  // arrive, so that a client trickling bytes cannot hold a connection.
  void read() {
    parser_.emplace();
    parser_->body_limit(options_.limits.max_body_bytes);
    parser_->header_limit(16 * 1024);
    if (buffer_.size() > 0) return read_request();  // pipelined: the next request is already here
    tcp_layer().expires_after(std::chrono::seconds(options_.idle_timeout_s));
    stream_.async_read_some(buffer_.prepare(4096), [self = this->shared_from_this()](beast::error_code ec, size_t n) {
      if (ec) return self->close();
      self->buffer_.commit(n);
      self->read_request();
    });
  }

  void read_request() {
    tcp_layer().expires_after(std::chrono::seconds(options_.request_timeout_s));
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == beast::error::timeout) {
      spdlog::warn("{} request not complete within {} s: connection closed", remote(), options_.request_timeout_s);
      return close();
    }
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted) return close();
    if (ec == http::error::body_limit) {
      return reply(
          error_response(make_error(ErrorCode::too_large,
                                    "the body exceeds " + std::to_string(options_.limits.max_body_bytes) + " bytes"),
                         11, false),
          "-", "-");
    }
    if (ec) {
      return reply(error_response(make_error(ErrorCode::usage, "malformed HTTP request: " + ec.message()), 11, false),
                   "-", "-");
    }
    const Request& req = parser_->get();
    started_ = std::chrono::steady_clock::now();
    const std::string what = std::string(req.method_string()) + " " + std::string(req.target());
    // Health is answered here, from the line's last look, whatever the line is doing.
    const Route* route = Api::route_of(req);
    if (Api::is_health(route)) return reply(api_.health_response(health_.now(), req), what, "-");
    auto self = this->shared_from_this();
    if (Api::is_stream(route)) {
      return pipeline_.open_stream(req, [self](std::shared_ptr<std::variant<StreamStart, Response>> start,
                                               std::string party) { self->open_stream(*start, std::move(party)); });
    }
    pipeline_.serve(req, route,
                    [self, what](Response res, std::string party) { self->reply(std::move(res), what, party); });
  }

  void reply(Response res, std::string what, std::string party) {
    res.set(http::field::server, "deconflict");
    res.set("X-Content-Type-Options", "nosniff");
    const auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
    // One access-log line per request; the token is never logged.
    access_.add(
        fmt::format("{} {} {} {}B {:.2f}ms {}", remote(), what, res.result_int(), res.body().size(), elapsed, party));
    response_ = std::make_shared<Response>(std::move(res));
    http::async_write(stream_, *response_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec || !self->response_->keep_alive()) return self->close();
      self->read();
    });
  }

  // GET /v1/events: a server-sent event stream, first what was missed, then
  // live events, with a comment every 15 s so idle connections stay open.
  void open_stream(std::variant<StreamStart, Response>& start, std::string party) {
    const Request& req = parser_->get();
    const std::string what = "GET " + std::string(req.target());
    if (auto* error = std::get_if<Response>(&start)) return reply(std::move(*error), what, party);
    auto& stream = std::get<StreamStart>(start);
    if (hub_.full(stream.party)) {
      const Error e =
          make_error(ErrorCode::limit_exceeded, "this party has " + std::to_string(options_.max_streams_per_party) +
                                                    " event streams open already; close one first");
      return reply(error_response(e, req.version(), false), what, party);
    }
    access_.add(fmt::format("{} {} 200 stream {} events missed {}", remote(), what, stream.backlog.size(), party));
    tcp_layer().expires_never();
    push(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n");
    // What was missed, as much as half the queue holds; the rest on the next
    // connection, after the last event this one sent.
    std::vector<const Event*> sent;
    for (const Event& e : stream.backlog) {
      std::string frame = Api::frame(e);
      if (queued_bytes_ + frame.size() > options_.max_stream_queue_bytes / 2) {
        hub_.pushed(stream.party, sent);
        return end_behind();
      }
      push(std::move(frame));
      sent.push_back(&e);
    }
    hub_.pushed(stream.party, sent);
    hub_.subscribe(stream.party, this->shared_from_this());
    watch_for_close();
    beat();
  }

  void write_next() {
    asio::async_write(stream_, asio::buffer(queue_.front()),
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) return self->close();
                        self->queued_bytes_ -= self->queue_.front().size();
                        self->queue_.pop_front();
                        if (!self->queue_.empty()) return self->write_next();
                        if (self->ending_) self->close();
                      });
  }

  // The client sends nothing more on a stream; a read ends when it goes away.
  void watch_for_close() {
    stream_.async_read_some(asio::buffer(sink_), [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->close();
      self->watch_for_close();
    });
  }

  void beat() {
    heartbeat_.expires_after(std::chrono::seconds(15));
    heartbeat_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      self->push(": keep-alive\n\n");
      self->beat();
    });
  }

  // The peer's address, asked of the socket once (a system call) rather than
  // for each line of the access log.
  std::string peer_address() {
    beast::error_code ec;
    const auto ep = tcp_layer().socket().remote_endpoint(ec);
    return ec ? "?" : ep.address().to_string();
  }
  const std::string& remote() const { return remote_; }

  void close() {
    if (closed_) return;
    closed_ = true;
    heartbeat_.cancel();
    beast::error_code ec;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp_layer().socket().close(ec);
  }

  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(stream_); }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Response> response_;
  std::string remote_;  // the peer's address, for the log
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  Api& api_;
  AccessLog& access_;
  EventHub& hub_;
  Pipeline& pipeline_;
  const HealthWatch& health_;
  const ServerOptions& options_;
  asio::steady_timer heartbeat_;
  std::shared_ptr<size_t> open_count_;  // the listener's count of open connections
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;  // in queue_
  std::array<char, 512> sink_{};
  bool closed_ = false;
  bool ending_ = false;  // the last frame is queued: close once it is sent
};

// Accepts connections on one port and hands each to `accepted`, up to
// max_connections open on every port together.
class Listener {
 public:
  using Accepted = std::function<void(tcp::socket)>;
  /// `http`: a connection over the limit is told so in HTTP before it is closed.
  Listener(asio::io_context& ioc, tcp::endpoint endpoint, const ServerOptions& options,
           std::shared_ptr<size_t> open_count, bool http, Accepted accepted)
      : acceptor_(ioc), options_(options), open_(std::move(open_count)), http_(http), accepted_(std::move(accepted)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }

  tcp::endpoint local() const { return acceptor_.local_endpoint(); }
  void start() { accept(); }
  void stop() {
    beast::error_code ec;
    acceptor_.close(ec);
  }

 private:
  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec && *open_ >= options_.max_connections) {
        refuse(std::move(socket));
      } else if (!ec) {
        accepted_(std::move(socket));
      }
      accept();
    });
  }

  // Over the limit: a short 503 that fits the socket's buffer, then closed,
  // so that a flood of connections cannot take the server's memory or files.
  void refuse(tcp::socket socket) {
    spdlog::warn("{} open connections: one more refused", *open_);
    auto sock = std::make_shared<tcp::socket>(std::move(socket));
    if (!http_) {
      beast::error_code ignored;
      sock->close(ignored);
      return;
    }
    auto res = std::make_shared<Response>(error_response(
        make_error(ErrorCode::overloaded, "the server has its limit of " + std::to_string(options_.max_connections) +
                                              " open connections; try again later"),
        11, false));
    res->set(http::field::retry_after, "1");
    http::async_write(*sock, *res, [sock, res](beast::error_code, size_t) {
      beast::error_code ignored;
      sock->shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  tcp::acceptor acceptor_;
  const ServerOptions& options_;
  std::shared_ptr<size_t> open_;
  bool http_;
  Accepted accepted_;
};

// Makes a connection's session on `socket`: over TLS with `tls`, else plain TCP.
template <template <class> class SessionOf, class... Args>
void start_session(tcp::socket socket, ssl::context* tls, Args&... args) {
  if (tls) {
    std::make_shared<SessionOf<TlsStream>>(TlsStream(beast::tcp_stream(std::move(socket)), *tls), args...)->start();
  } else {
    std::make_shared<SessionOf<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), args...)->start();
  }
}

// The server's TLS context from PEM files: TLS 1.2 and later only.
std::optional<ssl::context> tls_context(const ServerOptions& options) {
  ssl::context ctx(ssl::context::tls_server);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  beast::error_code ec;
  ctx.use_certificate_chain_file(options.tls_cert, ec);
  if (ec) {
    std::cerr << "deconflict: --tls-cert: cannot use '" << options.tls_cert << "': " << ec.message() << "\n";
    return std::nullopt;
  }
  ctx.use_private_key_file(options.tls_key, ssl::context::pem, ec);
  if (ec) {
    std::cerr << "deconflict: --tls-key: cannot use '" << options.tls_key << "': " << ec.message() << "\n";
    return std::nullopt;
  }
  return ctx;
}

}  // namespace

int serve(Service& service, const ServerOptions& options) {
  asio::io_context ioc(1);
  AccessLog access(ioc);  // outlives every session: it writes their last lines when serve() returns
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) {
    std::cerr << "deconflict: --listen: '" << options.host << "' is not an IP address\n";
    return 2;
  }
  Api api(service, options.limits, options.set_clock);
  StaticFiles page(options.web_root);
  if (!page.missing().empty()) {
    std::cerr << "deconflict: the map page is incomplete (missing " << page.missing()
              << "); run scripts/install-web.sh\n";
  }
  api.serve_page(&page);
  Pipeline* line = nullptr;  // set below, before any request is taken
  // A notice pushed on a stream has reached its party: recorded on the line thread.
  EventHub hub(
      [&api, &line](const std::string& party, std::vector<std::string> ids) {
        line->on_line([&api, party, ids = std::move(ids)] { api.delivered(party, ids); });
      },
      options.max_streams_per_party);
  HealthWatch health(api.health());
  // Events are made on the line thread, inside a commit; the hub is the I/O thread's.
  service.on_events(
      [&](const std::vector<Event>& events) { asio::post(ioc, [&hub, events] { hub.publish(events); }); });
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    std::cerr << "deconflict: --tls-cert and --tls-key go together\n";
    return 2;
  }
  std::optional<ssl::context> tls;
  if (!options.tls_cert.empty() && !(tls = tls_context(options))) return 2;
  PipelineOptions threads;
  threads.check_threads = options.check_threads;
  threads.read_threads = options.read_threads;
  Pipeline pipeline(ioc, api, service, threads);
  line = &pipeline;
  TakFeed tak(service, api.drawings(), api.rate());
  // Touched objects are told on the line thread once durable; each TAK
  // party's view of them is planned there and shown once drawn.
  service.on_touched([&](const std::vector<std::string>& ids) {
    pipeline.on_line([&, ids] {
      for (auto& planned : tak.touched(ids)) {
        const std::string party = planned.first;  // named: lambdas do not capture structured bindings in clang 14
        auto batch = std::make_shared<TakBatch>(std::move(planned.second));
        pipeline.when_read_is_durable(
            party, [&tak, batch] { tak.draw(*batch); },
            [&hub, party, batch](const Status& committed) {
              if (committed) hub.show(party, batch);
            });
      }
    });
  });
  auto open = std::make_shared<size_t>(0);  // connections open on every port
  ssl::context* tls_of = tls ? &*tls : nullptr;
  std::unique_ptr<Listener> listener, tak_listener;
  try {
    listener = std::make_unique<Listener>(
        ioc, tcp::endpoint(address, options.port), options, open, true, [&](tcp::socket socket) {
          start_session<Session>(std::move(socket), tls_of, api, hub, pipeline, health, access, options, open);
        });
    if (options.tak_port) {
      tak_listener = std::make_unique<Listener>(
          ioc, tcp::endpoint(address, *options.tak_port), options, open, false, [&](tcp::socket socket) {
            start_session<TakSession>(std::move(socket), tls_of, tak, hub, pipeline, options, open);
          });
    }
  } catch (const boost::system::system_error& e) {
    std::cerr << "deconflict: cannot listen on " << options.host << ": " << e.code().message() << "\n";
    return 4;
  }
  // Deadlines pass and other nodes write while nobody asks here: every
  // 100 ms, the line thread takes in what others wrote (its events reach open
  // streams), looks for overdue notices and for revoked parties, and every
  // half second looks at the store's health. Each costs next to nothing when
  // there is nothing to do.
  asio::steady_timer ticker(ioc);
  unsigned ticks = 0;
  RepeatFilter follow_errors(std::chrono::seconds(10)), overdue_errors(std::chrono::seconds(10));
  const auto log_repeated = [](RepeatFilter& filter, const char* what, const Status& st) {
    if (auto said = filter.take(st ? "" : st.error().describe(), RepeatFilter::Clock::now())) {
      if (st) {
        spdlog::info("{}: {}", what, *said);
      } else {
        spdlog::error("{}: {}", what, *said);
      }
    }
  };
  std::function<void()> tick = [&] {
    ticker.expires_after(std::chrono::milliseconds(100));
    ticker.async_wait([&](beast::error_code wait_error) {
      if (wait_error) return;
      const bool look_at_health = ++ticks % 5 == 0;
      pipeline.on_line([&, look_at_health] {
        log_repeated(follow_errors, "following the store", service.follow());
        // A revoked party's streams close at once (it may have been revoked by another process or node).
        auto active = std::make_shared<std::set<std::string>>();
        for (const Party& p : service.parties()) {
          if (!p.revoked) active->insert(p.id);
        }
        asio::post(ioc, [&hub, active] {
          hub.close_unless([&](const std::string& party) { return active->count(party) > 0; });
        });
        const auto overdue = service.advance();
        log_repeated(overdue_errors, "overdue check", overdue ? Status{} : Status(overdue.error()));
        if (look_at_health) health.looked(api.health());
      });
      tick();
    });
  };
  tick();
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int signal) {
    spdlog::info("signal {}: shutting down", signal);
    listener->stop();
    if (tak_listener) tak_listener->stop();
    ticker.cancel();
    ioc.stop();
  });
  listener->start();
  if (tak_listener) {
    tak_listener->start();
    const auto tak_bound = tak_listener->local();
    std::cerr << "deconflict: TAK streams on " << (tls ? "ssl" : "tcp") << "://" << tak_bound.address().to_string()
              << ":" << tak_bound.port() << std::endl;
  }
  const auto bound = listener->local();
  // One write (std::cerr flushes after each <<): whoever watches the log for
  // this line must not read half of its URL.
  std::cerr << ("deconflict: listening on " + std::string(tls ? "https" : "http") + "://" +
                bound.address().to_string() + ":" + std::to_string(bound.port()) + "\n")
            << std::flush;
  ioc.run();
  pipeline.stop();  // what is being measured ends now; what was answered was committed
  service.on_events({});
  service.on_touched({});
  return 0;
}

}  // namespace deconflict::server
