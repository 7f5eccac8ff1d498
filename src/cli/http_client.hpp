// A small HTTP/1.1 client for the CLI's commands that talk to a running
// server (`record verify --url`, `party key`, the replay): requests with a
// bearer token, signed acts, JSON back, one keep-alive connection. Not
// thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "deconflict/status.hpp"
#include "record/crypto.hpp"

namespace deconflict::cli {

class HttpClient {
 public:
  /// `url` is http://HOST:PORT (a trailing slash is allowed).
  static Result<std::unique_ptr<HttpClient>> connect(const std::string& url, std::string token);
  ~HttpClient();

  /// GET target; the JSON body of a 200, else the server's error.
  Result<nlohmann::json> get(const std::string& target);
  /// Any request with a text body (empty: none); the body of a 2xx as it
  /// came, else the server's error (already_exists for a 409).
  Result<std::string> exchange(const std::string& method, const std::string& target, const std::string& body,
                               const std::string& content_type = "text/plain; charset=utf-8",
                               const std::string& token = "", const record::SigningKey* signer = nullptr);
  /// Any request with a JSON body, as `token`'s party (default: the client's),
  /// signed with `signer` when given (RFC 9421, record/http_signature.hpp).
  /// The JSON body of a 2xx, else the server's error (its code and message).
  Result<nlohmann::json> send(const std::string& method, const std::string& target, const nlohmann::json& body,
                              const std::string& token = "", const record::SigningKey* signer = nullptr);

 private:
  struct Connection;
  explicit HttpClient(std::unique_ptr<Connection> c);
  std::unique_ptr<Connection> connection_;
};

}  // namespace deconflict::cli
