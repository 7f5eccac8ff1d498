// An activity for the library's tests: a circle at (lon, 33.5) on 2 September
// 2018, prepared as a declaration would be.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "deconflict/prepared_volume.hpp"
#include "format/feature_reader.hpp"

namespace deconflict::testing {

inline PreparedVolume point_activity(const std::string& id, const std::string& party, double lon, double radius_m,
                                     const std::string& kind = "patrol") {
  const nlohmann::json f = {{"type", "Feature"},
                            {"geometry", {{"type", "Point"}, {"coordinates", {lon, 33.5}}}},
                            {"properties",
                             {{"id", id},
                              {"type", "activity"},
                              {"party", party},
                              {"kind", kind},
                              {"radius_m", radius_m},
                              {"start", "2018-09-02T00:00:00Z"},
                              {"end", "2018-09-03T00:00:00Z"}}}};
  auto v = format::read_feature(f);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().describe());
  return std::move(*v);
}

}  // namespace deconflict::testing
