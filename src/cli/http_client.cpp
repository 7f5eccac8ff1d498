#include "cli/http_client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <regex>

#include "record/http_signature.hpp"

namespace deconflict::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpClient::Connection {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  std::string host, port, token;
};

HttpClient::HttpClient(std::unique_ptr<Connection> c) : connection_(std::move(c)) {}
HttpClient::~HttpClient() {
  if (!connection_) return;
  beast::error_code ec;
  connection_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

Result<std::unique_ptr<HttpClient>> HttpClient::connect(const std::string& url, std::string token) {
  static const std::regex form(R"(http://([^/:]+|\[[^\]]+\]):([0-9]+)/?)");
  std::smatch m;
  if (!std::regex_match(url, m, form)) {
    return make_error(ErrorCode::usage, "expected http://HOST:PORT, for example http://127.0.0.1:8080", "--url");
  }
  auto c = std::make_unique<Connection>();
  c->host = m[1];
  c->port = m[2];
  c->token = std::move(token);
  try {
    tcp::resolver resolver(c->ioc);
    c->stream.expires_after(std::chrono::seconds(30));
    c->stream.connect(resolver.resolve(c->host, c->port));
  } catch (const boost::system::system_error& e) {
    return make_error(ErrorCode::io_error, "cannot connect to " + url + ": " + e.code().message(), "--url");
  }
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(c)));
}

Result<nlohmann::json> HttpClient::get(const std::string& target) { return send("GET", target, nullptr); }

Result<nlohmann::json> HttpClient::send(const std::string& method, const std::string& target,
                                        const nlohmann::json& body, const std::string& token,
                                        const record::SigningKey* signer) {
  auto text = exchange(method, target, body.is_null() ? std::string() : body.dump(), "application/json", token, signer);
  if (!text) return text.error();
  auto answer = nlohmann::json::parse(*text, nullptr, false);
  if (answer.is_discarded()) return make_error(ErrorCode::io_error, method + " " + target + ": the answer is not JSON");
  return answer;
}

Result<std::string> HttpClient::exchange(const std::string& method, const std::string& target, const std::string& body,
                                         const std::string& content_type, const std::string& token,
                                         const record::SigningKey* signer) {
  Connection& c = *connection_;
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  const std::string authority = c.host + ":" + c.port;
  req.set(http::field::host, authority);
  req.set(http::field::authorization, "Bearer " + (token.empty() ? c.token : token));
  if (!body.empty()) {
    req.set(http::field::content_type, content_type);
    req.body() = body;
  }
  if (signer) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto h =
        record::sign_request(method, "http://" + authority + target, req.body(), *signer,
                             std::chrono::duration_cast<std::chrono::seconds>(now).count(), record::random_hex(16));
    req.set("Content-Digest", h.content_digest);
    req.set("Signature-Input", h.signature_input);
    req.set("Signature", h.signature);
  }
  req.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 << 20);
  try {
    c.stream.expires_after(std::chrono::seconds(60));
    http::write(c.stream, req);
    http::read(c.stream, c.buffer, parser);
  } catch (const boost::system::system_error& e) {
    return make_error(ErrorCode::io_error, method + " " + target + ": " + e.code().message());
  }
  const auto& res = parser.get();
  if (res.result_int() / 100 != 2) {
    const auto answer = nlohmann::json::parse(res.body(), nullptr, false);
    const std::string why = answer.is_object() && answer.contains("error") ? answer["error"].value("message", "")
                                                                           : std::string(res.reason());
    const ErrorCode code = res.result() == http::status::not_found  ? ErrorCode::not_found
                           : res.result() == http::status::conflict ? ErrorCode::already_exists
                                                                    : ErrorCode::io_error;
    return make_error(code, method + " " + target + ": " + std::to_string(res.result_int()) + " " + why);
  }
  return res.body();
}

}  // namespace deconflict::cli
