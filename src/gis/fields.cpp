// Reading GIS field values as deconflict's properties (see fields.hpp).
#include "gis/fields.hpp"

#include <ogr_core.h>
#include <ogr_feature.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "deconflict/time.hpp"

namespace deconflict::gis::detail {
namespace {

using nlohmann::json;

std::string trimmed(std::string_view s) {
  const size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string_view::npos) return {};
  const size_t b = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(a, b - a + 1));
}

Result<json> fail(std::string message) { return make_error(ErrorCode::invalid_input, std::move(message)); }

std::string shown(const json& raw) { return raw.is_string() ? "'" + raw.get<std::string>() + "'" : raw.dump(); }

Result<json> as_text(const json& raw) {
  if (raw.is_string()) return raw;
  if (raw.is_number_integer()) return json(std::to_string(raw.get<long long>()));
  if (raw.is_number_float()) {
    const double d = raw.get<double>();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 1e15) {
      return json(std::to_string(static_cast<long long>(d)));
    }
  }
  return fail("expected text, got " + shown(raw));
}

Result<json> as_number(const json& raw) {
  if (raw.is_number()) return raw;
  if (raw.is_string()) {
    const std::string s = trimmed(raw.get<std::string>());
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(d)) return json(d);
  }
  return fail(shown(raw) + " is not a number");
}

// A time GDAL parsed: its fields, with TZFlag 100 for UTC and 100 ± n for
// n quarter hours east or west; 0 (unknown) and 1 (local) say no zone.
Result<json> rfc3339_of(const OGRField& f, const json& raw) {
  const int tz = f.Date.TZFlag;
  if (tz <= 1) return fail(shown(raw) + " has no time zone: say which (append Z for UTC)");
  const int offset_min = (tz - 100) * 15;
  char buf[64];
  const double sec = f.Date.Second;
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02d:%02d", f.Date.Year, f.Date.Month, f.Date.Day,
                f.Date.Hour, f.Date.Minute, static_cast<int>(sec),
                static_cast<int>(std::lround((sec - std::floor(sec)) * 1000)) % 1000, offset_min < 0 ? '-' : '+',
                std::abs(offset_min) / 60, std::abs(offset_min) % 60);
  auto t = parse_rfc3339(buf);
  if (!t) return fail(shown(raw) + " is not a valid time: " + t.error().message);
  return json(format_rfc3339(*t));
}

Result<json> as_time(const json& raw) {
  if (!raw.is_string()) return fail("expected a time, got " + shown(raw));
  const std::string s = trimmed(raw.get<std::string>());
  if (auto t = parse_rfc3339(s)) return json(format_rfc3339(*t));
  OGRField f;
  if (!OGRParseDate(s.c_str(), &f, 0))
    return fail(shown(raw) + " is not a time (RFC 3339, or a date as GDAL writes one)");
  if (s.size() <= 10) return fail(shown(raw) + " is a date without a time of day");
  return rfc3339_of(f, raw);
}

// "a,b", "a; b", "a b", GDAL's "(2:a,b)" or a JSON array's text.
Result<json> as_list(const json& raw) {
  if (raw.is_array()) {
    json out = json::array();
    for (const json& item : raw) {
      auto t = as_text(item);
      if (!t) return t;
      out.push_back(*t);
    }
    return out;
  }
  if (!raw.is_string()) return fail("expected a list of party ids, got " + shown(raw));
  std::string s = trimmed(raw.get<std::string>());
  if (!s.empty() && s.front() == '[') {
    const json parsed = json::parse(s, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_array()) return fail(shown(raw) + " is not a JSON array");
    return as_list(parsed);
  }
  if (s.size() > 2 && s.front() == '(' && s.back() == ')' && s.find(':') != std::string::npos) {
    s = s.substr(s.find(':') + 1, s.size() - s.find(':') - 2);
  }
  json out = json::array();
  std::string item;
  for (char c : s + ",") {
    if (c == ',' || c == ';' || std::isspace(static_cast<unsigned char>(c))) {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  return out;
}

Result<json> as_object(const json& raw) {
  if (raw.is_object()) return raw;
  if (raw.is_string()) {
    const json parsed = json::parse(raw.get<std::string>(), nullptr, false);
    if (!parsed.is_discarded() && parsed.is_object()) return parsed;
  }
  return fail(shown(raw) + " is not a JSON object");
}

}  // namespace

const std::vector<Property>& properties() {
  using K = ValueKind;
  static const std::vector<Property> all = {
      {"id", K::text, {"id"}},
      {"type", K::text, {"type"}},
      {"party", K::text, {"party"}},
      {"kind", K::text, {"kind"}},
      {"name", K::text, {"name"}},
      {"description", K::text, {"description", "descriptio"}},  // Shapefile cuts names at 10 characters
      {"radius_m", K::number, {"radius_m"}},
      {"buffer_m", K::number, {"buffer_m"}},
      {"altitude", K::object, {"altitude"}},
      {"lower_m", K::number, {"lower_m"}},
      {"upper_m", K::number, {"upper_m"}},
      {"start", K::time, {"start", "begin"}},  // KML's TimeSpan is begin/end
      {"end", K::time, {"end"}},
      {"permitted", K::list, {"permitted"}},
      {"notice_h", K::number, {"notice_h"}},
      {"agreed_by", K::list, {"agreed_by"}},
      {"accepted", K::list, {"accepted"}},
      {"declined", K::list, {"declined"}},
      {"share", K::share, {"share"}},
      {"notified", K::time, {"notified"}},
      {"version", K::number, {"version"}},
      {"state", K::text, {"state"}},
      {"position", K::position, {"position", "mgrs"}},
  };
  return all;
}

const Property* property_named(std::string_view name) {
  for (const Property& p : properties()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

json raw_value(const OGRFeature& feature, int index) {
  if (!feature.IsFieldSetAndNotNull(index)) return nullptr;
  switch (feature.GetFieldDefnRef(index)->GetType()) {
    case OFTInteger:
    case OFTInteger64:
      return feature.GetFieldAsInteger64(index);
    case OFTReal:
      return feature.GetFieldAsDouble(index);
    case OFTStringList: {
      json out = json::array();
      for (char** s = feature.GetFieldAsStringList(index); s && *s; ++s) out.push_back(*s);
      return out;
    }
    default:
      return feature.GetFieldAsString(index);  // dates as "2018/09/07 04:00:00+00"
  }
}

Result<json> coerce(const Property& p, const json& raw) {
  switch (p.kind) {
    case ValueKind::text:
    case ValueKind::position:
      return as_text(raw);
    case ValueKind::number:
      return as_number(raw);
    case ValueKind::time:
      return as_time(raw);
    case ValueKind::list:
      return as_list(raw);
    case ValueKind::share:
      if (raw.is_string() && trimmed(raw.get<std::string>()) == "all") return json("all");
      return as_list(raw);
    case ValueKind::object:
      return as_object(raw);
  }
  return fail("unreadable");
}

}  // namespace deconflict::gis::detail
