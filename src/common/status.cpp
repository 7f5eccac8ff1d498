#include "deconflict/status.hpp"

#include <array>

namespace deconflict {

std::string_view code_name(ErrorCode code) {
  static constexpr std::array<std::string_view, 17> names{
      "invalid_input", "not_found",   "forbidden",    "version_conflict",   "already_exists",   "store_error",
      "io_error",      "usage",       "unauthorized", "too_large",          "limit_exceeded",   "rate_limited",
      "overloaded",    "probe_limit", "too_complex",  "method_not_allowed", "store_unavailable"};
  return names[static_cast<size_t>(code)];
}

}  // namespace deconflict
