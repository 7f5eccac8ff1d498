// The catalogue of bad input (tests/data/bad_requests.json), each case sent
// to the real server on a connection of its own: malformed and truncated
// JSON, deep nesting, huge and non-finite numbers, wrong types, oversized
// bodies, a million vertices, bad rings, bytes that are not UTF-8, bad and
// duplicate headers, header injection, request smuggling, path traversal.
// Each gets the 4xx it names (or, where the case allows, a closed
// connection), nothing is stored, and the server goes on serving others.
// Slow clients and too many connections have tests of their own below.
//
// A case: {"name", "status" (null: any 4xx), "alt_status": [...], "code",
//          "method", "target", "headers": [[name, value]...], "body" |
//          "body_generate" | "raw", "no_auth", "closed_ok"}
// In body and raw, $TOKEN is a valid token and \xHH a byte.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "scratch_dir.hpp"
#include "server_harness.hpp"

namespace {

using namespace deconflict::testing;
using json = nlohmann::json;
const std::string kBin = DECONFLICT_BIN;

std::string decode_bytes(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() + 0 && s[i + 1] == 'x' && std::isxdigit(s[i + 2]) && std::isxdigit(s[i + 3])) {
      out += static_cast<char>(std::stoi(s.substr(i + 2, 2), nullptr, 16));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size()) s.replace(at, from.size(), to);
  return s;
}

// Bodies too big to keep in the file.
std::string generate(const std::string& spec) {
  const std::string kind = spec.substr(0, spec.find(':'));
  const size_t n = std::stoul(spec.substr(spec.find(':') + 1));
  const std::string props =
      R"("properties":{"kind":"patrol","radius_m":1000,"start":"2018-09-02T00:00:00Z","end":"2018-09-03T00:00:00Z"})";
  if (kind == "nested_arrays") {
    return R"({"type":"Feature","geometry":{"type":"Point","coordinates":)" + std::string(n, '[') +
           std::string(n, ']') + "}," + props + "}";
  }
  if (kind == "nested_objects") {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += "{\"a\":";
    return s + "1" + std::string(n, '}');
  }
  if (kind == "many_vertices") {  // a valid ring of n vertices on a 10 km circle
    std::string ring;
    for (size_t i = 0; i < n; ++i) {
      const double a = 2 * M_PI * static_cast<double>(i) / static_cast<double>(n);
      ring += "[" + std::to_string(38.6 + 0.1 * std::cos(a)) + "," + std::to_string(33.5 + 0.1 * std::sin(a)) + "],";
    }
    ring += "[" + std::to_string(38.7) + "," + std::to_string(33.5) + "]";
    return R"({"type":"Feature","geometry":{"type":"Polygon","coordinates":[[)" + ring + "]]}," + props + "}";
  }
  if (kind == "long_name") {
    return R"({"type":"Feature","geometry":{"type":"Point","coordinates":[38.6,33.5]},"properties":{"name":")" +
           std::string(n, 'a') +
           R"(","kind":"patrol","radius_m":1000,"start":"2018-09-02T00:00:00Z","end":"2018-09-03T00:00:00Z"}})";
  }
  if (kind == "long_message") return R"({"to":"coalition","text":")" + std::string(n, 'a') + "\"}";
  ADD_FAILURE() << "unknown generator " << spec;
  return "";
}

std::string request_bytes(const json& c, const std::string& token) {
  if (c.contains("raw")) return replace_all(decode_bytes(c["raw"].get<std::string>()), "$TOKEN", token);
  std::string body;
  if (c.contains("body")) body = replace_all(decode_bytes(c["body"].get<std::string>()), "$TOKEN", token);
  if (c.contains("body_generate")) body = generate(c["body_generate"]);
  std::string head = c["method"].get<std::string>() + " " +
                     replace_all(decode_bytes(c["target"].get<std::string>()), "$TOKEN", token) +
                     " HTTP/1.1\r\nHost: x\r\n";
  if (!c.value("no_auth", false)) head += "Authorization: Bearer " + token + "\r\n";
  for (const auto& h : c.value("headers", json::array())) {
    head += h[0].get<std::string>() + ": " + h[1].get<std::string>() + "\r\n";
  }
  if (c.contains("body") || c.contains("body_generate")) {
    head += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return head + "\r\n" + body;
}

struct Outcome {
  unsigned status = 0;  // 0: the connection closed without an answer
  json body;
};

Outcome send_raw(uint16_t port, const std::string& bytes) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  stream.expires_after(std::chrono::seconds(10));
  beast::error_code ec;
  asio::write(stream.socket(), asio::buffer(bytes), ec);  // the server may answer and close before reading it all
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  http::read(stream, buffer, parser, ec);
  if (ec && !parser.is_header_done()) return {};
  return {parser.get().result_int(), json::parse(parser.get().body(), nullptr, false)};
}

class BadRequests : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string db = (dir_ / "bad.db").string();
    token_ = run(kBin + " party add russia --db " + db + " 2>/dev/null");
    admin_ = run(kBin + " party add coalition --admin --db " + db + " 2>/dev/null");
    server_ = launch(kBin, {"serve", "--db", db, "--listen", "127.0.0.1:0", "--rate-limit", "0", "--request-timeout-s",
                            "2", "--max-connections", "32"});
    ASSERT_NE(server_.port, 0);
  }
  int64_t record_size() {
    return Client(server_.port).send(http::verb::get, "/v1/record/head", admin_).body.value("size", int64_t{-1});
  }

  ScratchDir dir_{"bad-requests"};
  std::string token_, admin_;
  Launched server_;
  Reaper reaper_{server_};
};

TEST_F(BadRequests, EachCaseOfTheCatalogueGetsItsClearErrorAndNothingIsStored) {
  std::ifstream in(std::string(DECONFLICT_SOURCE_DIR) + "/tests/data/bad_requests.json");
  const json cases = json::parse(in);
  ASSERT_GE(cases.size(), 100u);
  const int64_t before = record_size();
  ASSERT_GT(before, 0);
  for (const json& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const Outcome got = send_raw(server_.port, request_bytes(c, token_));
    if (got.status == 0) {
      EXPECT_TRUE(c.value("closed_ok", false)) << "the connection closed without an answer";
    } else if (c["status"].is_null()) {
      EXPECT_GE(got.status, 400u);
      EXPECT_LT(got.status, 500u);
    } else {
      std::vector<unsigned> allowed{c["status"].get<unsigned>()};
      for (const auto& s : c.value("alt_status", json::array())) allowed.push_back(s.get<unsigned>());
      EXPECT_NE(std::find(allowed.begin(), allowed.end(), got.status), allowed.end())
          << "got " << got.status << " " << got.body.dump();
    }
    if (got.status >= 400 && got.body.is_object() && got.body.contains("error")) {
      EXPECT_FALSE(got.body["error"].value("message", "").empty()) << "an error needs a message";
      if (c.contains("code")) {
        EXPECT_EQ(got.body["error"]["code"], c["code"]);
      }
    }
    ASSERT_EQ(Client(server_.port).send(http::verb::get, "/v1/health").status, 200u) << "the server stopped serving";
  }
  EXPECT_EQ(record_size(), before) << "a bad request changed the record";
  EXPECT_EQ(Client(server_.port).send(http::verb::get, "/v1/activities", token_).body["features"].size(), 0u);
}

// A client that trickles its request is cut off once the request timeout
// passes, while others are served meanwhile.
TEST_F(BadRequests, ASlowClientIsCutOffAndOthersAreServed) {
  asio::io_context ioc;
  tcp::socket slow(ioc);
  slow.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_.port));
  const std::string request = "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n";
  const auto begun = std::chrono::steady_clock::now();
  beast::error_code ec;
  for (size_t i = 0; i < request.size() && !ec; ++i) {
    asio::write(slow, asio::buffer(&request[i], 1), ec);
    EXPECT_EQ(Client(server_.port).send(http::verb::get, "/v1/health").status, 200u);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (std::chrono::steady_clock::now() - begun > std::chrono::seconds(8)) break;
  }
  char byte = 0;
  slow.read_some(asio::buffer(&byte, 1), ec);  // the server closed it
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_LT(std::chrono::steady_clock::now() - begun, std::chrono::seconds(6));
}

// Past --max-connections a new connection gets 503 overloaded and is closed;
// once connections close, new ones are served again.
TEST_F(BadRequests, TooManyConnectionsGet503AndTheServerRecovers) {
  std::vector<std::unique_ptr<Client>> held;
  for (int i = 0; i < 32; ++i) {
    held.push_back(std::make_unique<Client>(server_.port));
    ASSERT_EQ(held.back()->send(http::verb::get, "/v1/health").status, 200u) << i;
  }
  const Outcome refused = send_raw(server_.port, "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(refused.status, 503u);
  EXPECT_EQ(refused.body["error"]["code"], "overloaded");
  held.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Client(server_.port).send(http::verb::get, "/v1/health").status, 200u);
}

}  // namespace
