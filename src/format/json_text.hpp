// JSON text from clients and files, before it becomes a value: nesting depth
// is bounded, since nlohmann::json copies and compares nested values
// recursively and a text of 100,000 brackets would overflow the stack.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "deconflict/status.hpp"

namespace deconflict::format {

/// How deep JSON may nest. GeoJSON needs 6 levels (a MultiPolygon's
/// positions in a Feature in a FeatureCollection); properties get room to spare.
inline constexpr int kMaxJsonDepth = 64;

/// Ok, or invalid_input when arrays and objects nest deeper than `max_depth`
/// (brackets inside strings do not count). One pass, no allocation.
Status check_json_depth(std::string_view text, int max_depth = kMaxJsonDepth);

/// The value of a JSON text from outside: invalid_input when it is not JSON
/// or nests too deep.
Result<nlohmann::json> parse_json(std::string_view text);

}  // namespace deconflict::format
