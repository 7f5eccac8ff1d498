// The coordinates the indexes' boxes are kept in: floats rounded outwards
// (half the memory of doubles for a million entries, and a box that still
// holds what it bounds), and time on a scale comparable to the spatial
// coordinates.
#pragma once

#include <cmath>
#include <limits>
#include <numbers>

#include "deconflict/time.hpp"

namespace deconflict::index {

/// The largest float at most `v`.
inline float round_down(double v) {
  const auto f = static_cast<float>(v);
  return static_cast<double>(f) > v ? std::nextafter(f, -std::numeric_limits<float>::infinity()) : f;
}

/// The smallest float at least `v`.
inline float round_up(double v) {
  const auto f = static_cast<float>(v);
  return static_cast<double>(f) < v ? std::nextafter(f, std::numeric_limits<float>::infinity()) : f;
}

/// Time in (-1/2, 1/2), increasing with t. An R-tree splits along the
/// dimension with the largest spread, and raw seconds (with open windows at
/// year 9999) would make it split on time alone and lose all spatial
/// pruning. The map is monotonic, so overlapping windows still give
/// overlapping boxes; it is finest around kReferenceS and never loses
/// correctness elsewhere.
inline double time_coordinate(TimePoint t) {
  constexpr double kReferenceS = 1.6e9;  // 2020-09-13
  constexpr double kScaleS = 365.25 * 86400;
  return std::atan((to_seconds(t) - kReferenceS) / kScaleS) / std::numbers::pi;
}

}  // namespace deconflict::index
