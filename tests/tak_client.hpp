// A TAK client for the tests of `serve --tak-port`: TAK's streaming protocol
// (XML, version 0) over TCP or TLS, as ATAK speaks it with "Use
// Authentication": an <auth> message, then CoT events both ways.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace deconflict::testing {

class TakClient {
 public:
  /// Connects; over TLS when `ca_file` (the certificate it trusts) is given.
  explicit TakClient(uint16_t port, const std::string& ca_file = "") : tls_(!ca_file.empty()) {
    namespace ssl = boost::asio::ssl;
    const auto at = boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port);
    if (!tls_) {
      plain_ = std::make_unique<boost::beast::tcp_stream>(ioc_);
      plain_->connect(at);
      return;
    }
    ctx_.load_verify_file(ca_file);
    secure_ = std::make_unique<boost::beast::ssl_stream<boost::beast::tcp_stream>>(ioc_, ctx_);
    secure_->set_verify_mode(ssl::verify_peer);
    boost::beast::get_lowest_layer(*secure_).connect(at);
    boost::beast::get_lowest_layer(*secure_).expires_after(std::chrono::seconds(5));
    boost::beast::error_code ec;
    secure_->handshake(ssl::stream_base::client, ec);
    if (ec) closed_ = true;
  }

  /// Sends TAK's <auth> message.
  void login(const std::string& username, const std::string& password) {
    send("<?xml version=\"1.0\" encoding=\"UTF-8\"?><auth><cot username=\"" + username + "\" password=\"" + password +
         "\" uid=\"ANDROID-test\" callsign=\"test\"/></auth>");
  }
  void send(const std::string& text) {
    boost::beast::error_code ec;
    if (tls_) {
      boost::asio::write(*secure_, boost::asio::buffer(text), ec);
    } else {
      boost::asio::write(plain_->socket(), boost::asio::buffer(text), ec);
    }
    if (ec) closed_ = true;
  }

  /// Reads until `done()` holds, the server closes the stream, or `timeout` passes; returns done().
  bool read_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!done() && !closed_ && std::chrono::steady_clock::now() < until) {
      read_some(until - std::chrono::steady_clock::now());
    }
    return done();
  }
  /// Reads for `d`: what arrives meanwhile.
  void read_for(std::chrono::milliseconds d) {
    read_until([] { return false; }, d);
  }

  /// Every event received, whole, in order.
  const std::vector<std::string>& events() const { return events_; }
  /// The uids on the map: drawn, and not deleted since.
  std::map<std::string, std::string> map() const {
    std::map<std::string, std::string> out;
    for (const std::string& e : events_) {
      const std::string uid = attribute(e, "uid");
      if (attribute(e, "type") == "t-x-d-d") {
        const size_t link = e.find("<link uid=\"");
        out.erase(e.substr(link + 11, e.find('"', link + 11) - link - 11));
      } else if (attribute(e, "type").starts_with("u-d-")) {
        out[uid] = e;
      }
    }
    return out;
  }
  size_t bytes() const { return bytes_; }
  bool closed() const { return closed_; }

  static std::string attribute(const std::string& event, const std::string& name) {
    const std::string mark = " " + name + "=\"";
    const size_t at = event.find(mark);
    if (at == std::string::npos) return "";
    return event.substr(at + mark.size(), event.find('"', at + mark.size()) - at - mark.size());
  }

 private:
  template <class Duration>
  void read_some(Duration left) {
    auto handler = [this](boost::beast::error_code ec, size_t n) {
      if (ec == boost::asio::error::operation_aborted) return;  // timed out (cancelled below)
      if (ec) {
        closed_ = true;
        return;
      }
      bytes_ += n;
      in_.append(chunk_, n);
      for (size_t end; (end = in_.find("</event>")) != std::string::npos;) {
        const size_t start = in_.find("<event");
        events_.push_back(in_.substr(start, end + 8 - start));
        in_.erase(0, end + 8);
      }
    };
    if (tls_) {
      secure_->async_read_some(boost::asio::buffer(chunk_), handler);
    } else {
      plain_->socket().async_read_some(boost::asio::buffer(chunk_), handler);
    }
    ioc_.restart();
    ioc_.run_for(std::chrono::duration_cast<std::chrono::milliseconds>(left));
    if (!ioc_.stopped()) {  // timed out: the read is cancelled
      if (tls_) {
        boost::beast::get_lowest_layer(*secure_).cancel();
      } else {
        plain_->socket().cancel();
      }
      ioc_.restart();
      ioc_.run();
    }
  }

  boost::asio::io_context ioc_;
  boost::asio::ssl::context ctx_{boost::asio::ssl::context::tls_client};
  bool tls_;
  std::unique_ptr<boost::beast::tcp_stream> plain_;
  std::unique_ptr<boost::beast::ssl_stream<boost::beast::tcp_stream>> secure_;
  char chunk_[16384];
  std::string in_;
  std::vector<std::string> events_;
  size_t bytes_ = 0;
  bool closed_ = false;
};

}  // namespace deconflict::testing
