// libFuzzer target: HTTP request handling. The bytes are parsed as an
// HTTP/1.1 request by Beast with the server's limits, then handled by the API
// (src/server/api.cpp) as the request of a party of a store that holds the
// At Tanf scenario. Every request must get an answer, never a crash. The
// store lives in /dev/shm, so that durable commits cost little.
#include <unistd.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "deconflict/service.hpp"
#include "format/feature_reader.hpp"
#include "server/api.hpp"

using namespace deconflict;
namespace http = boost::beast::http;

namespace {

struct World {
  std::unique_ptr<Service> service;
  std::unique_ptr<server::Api> api;
  std::string token;
};

World& world() {
  static World w = [] {
    World made;
    const auto dir = std::filesystem::path("/dev/shm") / ("deconflict-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    Options options;
    options.db_path = (dir / "fuzz.db").string();
    auto opened = Service::open(options);
    if (!opened) std::abort();
    made.service = std::move(*opened);
    auto text = format::read_file(std::string(DECONFLICT_SOURCE_DIR) + "/scenarios/at-tanf-2018.geojson");
    (void)made.service->import(std::move(format::read_features(*text)->volumes), ImportMode::create);
    made.token = *made.service->add_party("russia", "", false);
    (void)made.service->add_party("coalition", "", true);
    server::ApiLimits limits;
    limits.rate_per_s = 0;  // no rate limit: every input reaches the handlers
    made.api = std::make_unique<server::Api>(*made.service, limits);
    return made;
  }();
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World& w = world();
  // A token placeholder in the input becomes the real token, so that the
  // fuzzer reaches past authentication.
  std::string bytes(reinterpret_cast<const char*>(data), size);
  for (size_t at = 0; (at = bytes.find("$TOKEN", at)) != std::string::npos;) bytes.replace(at, 6, w.token);
  http::request_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  parser.header_limit(16 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(bytes), ec);
  if (ec || !parser.is_done()) return 0;
  std::string party;
  // A stream is the connection's, not the handler's.
  if (server::Api::is_stream(server::Api::route_of(parser.get()))) return 0;
  auto group = w.service->group();
  const auto response = w.api->handle(parser.get(), party);
  (void)group.commit();
  if (response.result_int() < 200 || response.result_int() > 599) std::abort();
  return 0;
}
