#include "record/canonical.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

namespace deconflict::record {
namespace {

// UTF-8 to UTF-16 code units, for ordering member names as RFC 8785 §3.2.3 says.
std::u16string utf16(const std::string& s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out += static_cast<char16_t>(0xD800 + (cp >> 10));
      out += static_cast<char16_t>(0xDC00 + (cp & 0x3FF));
    } else {
      out += static_cast<char16_t>(cp);
    }
  }
  return out;
}

void write_string(const std::string& s, std::string& out) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

template <typename json>
Status write(const json& v, std::string& out) {
  switch (v.type()) {
    case json::value_t::null:
      out += "null";
      return {};
    case json::value_t::boolean:
      out += v.template get<bool>() ? "true" : "false";
      return {};
    // RFC 8785 §3.2.2.3: every number is an IEEE 754 double, so an integer
    // beyond 2^53 is written as the double nearest to it (as JSON.parse would
    // read it), not digit for digit.
    case json::value_t::number_integer:
      out += ecmascript_number(static_cast<double>(v.template get<int64_t>()));
      return {};
    case json::value_t::number_unsigned:
      out += ecmascript_number(static_cast<double>(v.template get<uint64_t>()));
      return {};
    case json::value_t::number_float: {
      const double x = v.template get<double>();
      if (!std::isfinite(x)) return make_error(ErrorCode::invalid_input, "a canonical number must be finite");
      out += ecmascript_number(x);
      return {};
    }
    case json::value_t::string:
      write_string(v.template get_ref<const std::string&>(), out);
      return {};
    case json::value_t::array: {
      out += '[';
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        if (Status st = write(v[i], out); !st) return st;
      }
      out += ']';
      return {};
    }
    case json::value_t::object: {
      std::vector<std::pair<std::u16string, typename json::const_iterator>> members;
      for (auto it = v.begin(); it != v.end(); ++it) members.emplace_back(utf16(it.key()), it);
      std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      for (size_t i = 0; i < members.size(); ++i) {
        if (i) out += ',';
        write_string(members[i].second.key(), out);
        out += ':';
        if (Status st = write(members[i].second.value(), out); !st) return st;
      }
      out += '}';
      return {};
    }
    default:
      return make_error(ErrorCode::invalid_input, "binary values have no canonical JSON form");
  }
}

}  // namespace

std::string ecmascript_number(double x) {
  if (x == 0) return "0";  // and -0
  std::string out = x < 0 ? "-" : "";
  // The shortest digits that round-trip, in scientific form: d[.ddd]e±n.
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, std::fabs(x), std::chars_format::scientific);
  const std::string sci(buf, end);
  const size_t e = sci.find('e');
  std::string digits = sci.substr(0, 1) + (e > 1 ? sci.substr(2, e - 2) : "");
  const int exponent = std::stoi(sci.substr(e + 1));
  const int k = static_cast<int>(digits.size()), n = exponent + 1;  // ECMA-262 Number::toString's k and n
  if (k <= n && n <= 21) return out + digits + std::string(n - k, '0');
  if (0 < n && n <= 21) return out + digits.substr(0, n) + "." + digits.substr(n);
  if (-6 < n && n <= 0) return out + "0." + std::string(-n, '0') + digits;
  const std::string exp = (n - 1 >= 0 ? "+" : "-") + std::to_string(std::abs(n - 1));
  return out + digits.substr(0, 1) + (k > 1 ? "." + digits.substr(1) : "") + "e" + exp;
}

Result<std::string> canonical(const nlohmann::json& value) {
  std::string out;
  if (Status st = write(value, out); !st) return st.error();
  return out;
}

Result<std::string> canonical(const nlohmann::ordered_json& value) {
  std::string out;
  if (Status st = write(value, out); !st) return st.error();
  return out;
}

}  // namespace deconflict::record
