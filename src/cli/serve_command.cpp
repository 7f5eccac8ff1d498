// deconflict serve --db PATH --listen HOST:PORT
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "cli/cli.hpp"
#include "server/http_server.hpp"

namespace deconflict::cli {
namespace {

struct ServeArgs {
  StoreArgs store;
  std::string listen = "127.0.0.1:8080";
  size_t max_body_bytes = 1 << 20;
};

int run_serve(const ServeArgs& a) {
  server::ServerOptions options;
  const size_t colon = a.listen.rfind(':');
  int port = -1;
  try {
    port = colon == std::string::npos ? -1 : std::stoi(a.listen.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (port < 0 || port > 65535) {
    return fail(make_error(ErrorCode::usage, "expected HOST:PORT, for example 127.0.0.1:8080", "--listen"));
  }
  options.host = a.listen.substr(0, colon);
  options.port = static_cast<uint16_t>(port);
  options.limits.max_body_bytes = a.max_body_bytes;
  auto service = open_service(a.store);
  if (!service) return fail(service.error());
  spdlog::set_default_logger(spdlog::stderr_logger_mt("deconflict"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %v", spdlog::pattern_time_type::utc);
  return server::serve(**service, options);
}

}  // namespace

Runner add_serve(CLI::App& app) {
  auto a = std::make_shared<ServeArgs>();
  add_store_options(app, a->store);
  app.add_option("--listen", a->listen, "HOST:PORT to listen on (port 0 picks a free one)")->capture_default_str();
  app.add_option("--max-body-bytes", a->max_body_bytes, "Largest request body accepted (413 beyond)")
      ->capture_default_str();
  app.footer("Serves the HTTP/JSON API of docs/http-api.md until SIGINT or SIGTERM; one access-log line per request "
             "on standard error.");
  return [a] { return run_serve(*a); };
}

}  // namespace deconflict::cli
