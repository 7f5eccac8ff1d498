// Enums named by a table of their names, indexed by value: the format's
// words for types, kinds and states.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace deconflict {

/// The value of E that `names` (indexed by value) calls `s`, from value
/// `first` on (1 where value 0 is "none" and is never written).
template <typename E, std::size_t N>
std::optional<E> parse_enum(const std::array<std::string_view, N>& names, std::string_view s, std::size_t first = 0) {
  for (std::size_t i = first; i < N; ++i) {
    if (names[i] == s) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace deconflict
