// The server's ticker logs an error that comes back at every tick once, then
// once every ten seconds with its count, at once when it changes, and one
// line when it stops (src/server/repeat_filter.hpp).
#include "server/repeat_filter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace deconflict::server {
namespace {

using std::chrono::milliseconds;

TEST(RepeatFilter, AnErrorAtEveryTickIsLoggedOnceEveryTenSecondsWithItsCount) {
  RepeatFilter filter(std::chrono::seconds(10));
  const RepeatFilter::Clock::time_point t0{};
  EXPECT_EQ(filter.take("", t0), std::nullopt);  // all well: nothing
  EXPECT_EQ(filter.take("store down", t0), "store down");
  std::vector<std::string> lines;
  for (int tick = 1; tick <= 250; ++tick) {  // 25 s of ticks every 100 ms
    if (auto line = filter.take("store down", t0 + milliseconds(100 * tick))) lines.push_back(*line);
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"store down (100 more times since the last line)",
                                             "store down (100 more times since the last line)"}));
  // Another error is logged at once, with the count of the one it replaces since its last line
  // (ticks 201 to 250); the end of errors in one line with the count since the last.
  EXPECT_EQ(filter.take("store damaged", t0 + milliseconds(25'100)),
            "store damaged (in place of: store down (50 more times since the last line))");
  EXPECT_EQ(filter.take("store damaged", t0 + milliseconds(25'200)), std::nullopt);
  EXPECT_EQ(filter.take("", t0 + milliseconds(25'300)), "no longer: store damaged (1 more time since the last line)");
  EXPECT_EQ(filter.take("", t0 + milliseconds(25'400)), std::nullopt);
  EXPECT_EQ(filter.take("store damaged", t0 + milliseconds(25'500)), "store damaged");
  EXPECT_EQ(filter.take("", t0 + milliseconds(25'600)), "no longer: store damaged");
}

}  // namespace
}  // namespace deconflict::server
