// The map page's files (web/ and the npm packages it uses), read once at
// start and served from memory by exact path: nothing outside the list can be
// asked for, so no path can climb out of the web root.
#pragma once

#include <map>
#include <string>

#include "server/api.hpp"

namespace deconflict::server {

class StaticFiles {
 public:
  /// Reads the page from `web_root`; files that are missing are left out
  /// (missing() names them, so that the server can say what to install).
  explicit StaticFiles(const std::string& web_root);

  /// The file for GET `path` with the page's security headers, or nothing.
  std::optional<Response> serve(const Request& req) const;
  const std::string& missing() const { return missing_; }

 private:
  struct File {
    std::string content_type;
    std::string body;
  };
  std::map<std::string, File> files_;  // by URL path
  std::string missing_;
};

}  // namespace deconflict::server
