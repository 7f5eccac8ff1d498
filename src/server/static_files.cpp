#include "server/static_files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace deconflict::server {
namespace {

namespace fs = std::filesystem;

std::string content_type_of(const fs::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".png") return "image/png";
  if (ext == ".svg") return "image/svg+xml";
  return "application/octet-stream";
}

// URL path -> file under the web root: the page, and what it takes from npm.
std::map<std::string, std::string> page_files(const fs::path& root) {
  std::map<std::string, std::string> out{
      {"/", "index.html"},
      {"/vendor/leaflet.js", "node_modules/leaflet/dist/leaflet.js"},
      {"/vendor/leaflet.css", "node_modules/leaflet/dist/leaflet.css"},
      {"/vendor/topojson-client.min.js", "node_modules/topojson-client/dist/topojson-client.min.js"},
      {"/vendor/geographiclib-geodesic.min.js", "node_modules/geographiclib-geodesic/geographiclib-geodesic.min.js"},
      {"/vendor/countries-50m.json", "node_modules/world-atlas/countries-50m.json"},
  };
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string ext = entry.path().extension().string();
    if (entry.is_regular_file() && (ext == ".js" || ext == ".css" || ext == ".svg")) {
      out["/" + entry.path().filename().string()] = entry.path().filename().string();
    }
  }
  for (const auto& entry : fs::directory_iterator(root / "node_modules/leaflet/dist/images", ec)) {
    out["/vendor/images/" + entry.path().filename().string()] =
        "node_modules/leaflet/dist/images/" + entry.path().filename().string();
  }
  return out;
}

}  // namespace

StaticFiles::StaticFiles(const std::string& web_root) {
  const fs::path root(web_root);
  for (const auto& [url, relative] : page_files(root)) {
    std::ifstream in(root / relative, std::ios::binary);
    if (!in) {
      missing_ += (missing_.empty() ? "" : ", ") + relative;
      continue;
    }
    std::ostringstream body;
    body << in.rdbuf();
    files_[url] = {content_type_of(relative), body.str()};
  }
}

std::optional<Response> StaticFiles::serve(const Request& req) const {
  if (req.method() != http::verb::get && req.method() != http::verb::head) return std::nullopt;
  std::string_view path(req.target().data(), req.target().size());
  path = path.substr(0, path.find('?'));
  const auto it = files_.find(std::string(path));
  if (it == files_.end()) return std::nullopt;
  Response r{http::status::ok, req.version()};
  r.set(http::field::content_type, it->second.content_type);
  r.set(http::field::cache_control, "no-cache");
  // The page talks only to this server and is never framed.
  r.set("Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  r.set("X-Frame-Options", "DENY");
  r.set("Referrer-Policy", "no-referrer");
  r.keep_alive(req.keep_alive());
  if (req.method() == http::verb::get) r.body() = it->second.body;
  r.prepare_payload();
  return r;
}

}  // namespace deconflict::server
