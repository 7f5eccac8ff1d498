#include "format/json_text.hpp"

namespace deconflict::format {

Status check_json_depth(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return make_error(ErrorCode::invalid_input,
                          "JSON nested deeper than " + std::to_string(max_depth) + " levels is not accepted");
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return {};
}

Result<nlohmann::json> parse_json(std::string_view text) {
  if (Status st = check_json_depth(text); !st) return st.error();
  auto value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded()) return make_error(ErrorCode::invalid_input, "the body is not valid JSON");
  return value;
}

}  // namespace deconflict::format
