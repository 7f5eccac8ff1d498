// Bad input gets a clear error, never a crash: thousands of random mutations
// of a valid scenario are read, and whatever is accepted is checked.
#include <gtest/gtest.h>

#include <random>

#include "engine/world.hpp"
#include "format/feature_reader.hpp"

namespace deconflict {
namespace {

std::string mutate(std::string text, std::mt19937_64& rng) {
  static const char* const kTokens[] = {"1e999",   "-",        "[",      "]",           "{",
                                        "}",       "\"",       ",",      "NaN",         "null",
                                        "-91",     "0",        "1e-320", "\"Polygon\"", "\"activity\"",
                                        "\\u0000", "\xff\xfe", "true"};
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    const size_t at = rng() % text.size();
    switch (rng() % 4) {
      case 0:
        text[at] = static_cast<char>(rng() % 256);
        break;
      case 1:
        text.erase(at, 1 + rng() % 8);
        break;
      case 2:
        text.insert(at, kTokens[rng() % std::size(kTokens)]);
        break;
      default:
        text.resize(at);
        break;  // truncated
    }
  }
  return text;
}

TEST(Robustness, MutatedInputIsRejectedOrReadNeverCrashes) {
  auto original = format::read_file(std::string(DECONFLICT_SOURCE_DIR) + "/scenarios/at-tanf-2018.geojson");
  ASSERT_TRUE(original.ok());
  std::mt19937_64 rng(11);
  int accepted = 0, rejected = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string text = mutate(*original, rng);
    for (bool skip : {false, true}) {
      auto batch = format::read_features(text, {skip});
      if (!batch) {
        EXPECT_FALSE(batch.error().describe().empty());
        ++rejected;
        continue;
      }
      ++accepted;
      engine::World world;
      std::vector<const PreparedVolume*> activities;
      for (PreparedVolume& v : batch->volumes) {
        if (v.id.empty()) v.id = "anonymous-" + std::to_string(activities.size());
        const PreparedVolume& stored = world.put(std::move(v));
        if (stored.type == ObjectType::activity) activities.push_back(&stored);
      }
      for (const PreparedVolume* a : activities) (void)world.check(*a, {a->window.start});
    }
  }
  EXPECT_GT(accepted, 100);
  EXPECT_GT(rejected, 1000);
}

}  // namespace
}  // namespace deconflict
