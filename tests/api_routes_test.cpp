// The route table (src/server/api.cpp) against the document that describes
// the API (docs/openapi.yaml, built in): every route is documented, every
// documented operation is routed, with the same method and path.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

#include "server/api.hpp"
#include "server/openapi.hpp"

namespace deconflict::server {
namespace {

using Operations = std::set<std::pair<std::string, std::string>>;  // {METHOD, path}

Operations documented() {
  Operations out;
  std::istringstream in{std::string(openapi_yaml())};
  const std::regex path(R"(^  (/\S*):\s*$)"), method(R"(^    (get|post|put|delete|patch):)");
  std::string line, current;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, path)) {
      current = m[1];
    } else if (!line.empty() && line[0] != ' ') {
      current.clear();  // a new top-level section ends `paths`
    } else if (!current.empty() && std::regex_search(line, m, method)) {
      std::string verb = m[1];
      for (char& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.emplace(verb, current);
    }
  }
  return out;
}

Operations routed() {
  Operations out;
  for (const Route& r : Api::routes()) out.emplace(std::string(http::to_string(r.method)), std::string(r.path));
  return out;
}

TEST(Routes, EveryRouteIsDocumentedAndEveryDocumentedOperationRouted) {
  const Operations doc = documented(), table = routed();
  ASSERT_GT(doc.size(), 30u) << "the document's paths were not read";
  for (const auto& [verb, path] : table)
    EXPECT_TRUE(doc.count({verb, path})) << "undocumented: " << verb << " " << path;
  for (const auto& [verb, path] : doc) EXPECT_TRUE(table.count({verb, path})) << "not routed: " << verb << " " << path;
}

TEST(Routes, NoTwoRoutesShareAMethodAndPath) { EXPECT_EQ(routed().size(), Api::routes().size()); }

// Guards the table's flags: what a route measures ahead and whether it writes.
TEST(Routes, OnlyRoutesThatCheckAreMeasuredAheadAndEveryChangeWrites) {
  for (const Route& r : Api::routes()) {
    const std::string name = std::string(http::to_string(r.method)) + " " + std::string(r.path);
    // Reading the inbox writes the receipts of what it delivers.
    EXPECT_EQ(r.effect == Effect::writes, r.method != http::verb::get || r.path == "/v1/notices") << name;
    // Served beside the line thread: reads of memory that measure nothing
    // ahead. The record, its proofs and events are read from the store.
    const bool of_store = r.path.starts_with("/v1/record/") || r.path == "/v1/record" || r.path == "/v1/events" ||
                          r.path.ends_with("/proof") || r.access == Access::open;
    if (r.effect != Effect::writes) {
      EXPECT_EQ(r.effect == Effect::reads_store, of_store && r.path != "/v1/record/key") << name;
    }
    EXPECT_EQ(Api::aside(&r), r.effect == Effect::reads && r.measures == Measures::nothing) << name;
    if (r.measures == Measures::body) {
      EXPECT_NE(r.method, http::verb::get) << name;
    }
    EXPECT_EQ(r.handle == nullptr, r.access == Access::open) << name;
  }
}

}  // namespace
}  // namespace deconflict::server
