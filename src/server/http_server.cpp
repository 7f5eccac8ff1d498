#include "server/http_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <iostream>
#include <memory>

namespace deconflict::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Api& api, const ServerOptions& options)
      : stream_(std::move(socket)), api_(api), options_(options) {}

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(options_.limits.max_body_bytes);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(std::chrono::seconds(options_.idle_timeout_s));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted) {
      return close();
    }
    if (ec == http::error::body_limit) {
      return reply(error_response(make_error(ErrorCode::too_large, "the body exceeds " +
                                                                       std::to_string(options_.limits.max_body_bytes) +
                                                                       " bytes"),
                                  11, false),
                   "-", "-");
    }
    if (ec) {
      return reply(error_response(make_error(ErrorCode::usage, "malformed HTTP request: " + ec.message()), 11, false),
                   "-", "-");
    }
    const Request& req = parser_->get();
    started_ = std::chrono::steady_clock::now();
    std::string party = "-";
    Response res;
    try {
      res = api_.handle(req, party);
    } catch (const std::exception& e) {
      spdlog::error("internal error on {} {}: {}", std::string(req.method_string()), std::string(req.target()), e.what());
      res = error_response(make_error(ErrorCode::store_error, "internal error"), req.version(), false);
    }
    reply(std::move(res), std::string(req.method_string()) + " " + std::string(req.target()), party);
  }

  void reply(Response res, std::string what, std::string party) {
    res.set(http::field::server, "deconflict");
    res.set("X-Content-Type-Options", "nosniff");
    const auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
    // One access-log line per request; the token is never logged.
    spdlog::info("{} {} {} {}B {:.2f}ms {}", remote(), what, res.result_int(), res.body().size(), elapsed, party);
    response_ = std::make_shared<Response>(std::move(res));
    http::async_write(stream_, *response_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec || !self->response_->keep_alive()) return self->close();
      self->read();
    });
  }

  std::string remote() {
    beast::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    return ec ? "?" : ep.address().to_string();
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Response> response_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  Api& api_;
  const ServerOptions& options_;
};

class Listener {
 public:
  Listener(asio::io_context& ioc, tcp::endpoint endpoint, Api& api, const ServerOptions& options)
      : acceptor_(ioc), api_(api), options_(options) {
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
      if (!ec) std::make_shared<Session>(std::move(socket), api_, options_)->start();
      accept();
    });
  }

  tcp::acceptor acceptor_;
  Api& api_;
  const ServerOptions& options_;
};

}  // namespace

int serve(Service& service, const ServerOptions& options) {
  asio::io_context ioc(1);
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) {
    std::cerr << "deconflict: --listen: '" << options.host << "' is not an IP address\n";
    return 2;
  }
  Api api(service, options.limits, options.set_clock);
  std::unique_ptr<Listener> listener;
  try {
    listener = std::make_unique<Listener>(ioc, tcp::endpoint(address, options.port), api, options);
  } catch (const boost::system::system_error& e) {
    std::cerr << "deconflict: cannot listen on " << options.host << ":" << options.port << ": " << e.code().message()
              << "\n";
    return 4;
  }
  // Deadlines pass while nobody asks: look for overdue notices every second.
  asio::steady_timer ticker(ioc);
  std::function<void()> tick = [&] {
    ticker.expires_after(std::chrono::seconds(1));
    ticker.async_wait([&](beast::error_code wait_error) {
      if (wait_error) return;
      if (auto overdue = service.advance(); !overdue) spdlog::error("overdue check: {}", overdue.error().describe());
      tick();
    });
  };
  tick();
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int signal) {
    spdlog::info("signal {}: shutting down", signal);
    listener->stop();
    ticker.cancel();
    ioc.stop();
  });
  listener->start();
  const auto bound = listener->local();
  std::cerr << "deconflict: listening on http://" << bound.address().to_string() << ":" << bound.port() << std::endl;
  ioc.run();
  return 0;
}

}  // namespace deconflict::server
