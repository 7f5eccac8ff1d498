#include "format/feature_reader.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string_view>
#include <unordered_set>

#include "deconflict/party.hpp"
#include "deconflict/time.hpp"
#include "format/feature_steps.hpp"
#include "geo/shape.hpp"

namespace deconflict::format {
namespace detail {

Error invalid(std::string field, std::string message) {
  return make_error(ErrorCode::invalid_input, std::move(message), std::move(field));
}

}  // namespace detail

namespace {

using detail::invalid;
using nlohmann::json;

std::string at(const std::string& base, size_t i) { return base + "[" + std::to_string(i) + "]"; }

std::string describe_number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

std::string json_type(const json& j) { return j.type_name(); }

Result<double> finite_number(const json& j, const std::string& field) {
  if (!j.is_number()) return invalid(field, "expected a number, got " + json_type(j));
  const double v = j.get<double>();
  if (!std::isfinite(v)) return invalid(field, "number is not finite");
  return v;
}

Result<LatLon> read_position(const json& j, const std::string& field) {
  if (!j.is_array()) return invalid(field, "a position must be an array [longitude, latitude], got " + json_type(j));
  if (j.size() < 2 || j.size() > 3) {
    return invalid(field, "a position must have 2 or 3 numbers, got " + std::to_string(j.size()));
  }
  auto lon = finite_number(j[0], field);
  if (!lon) return lon.error();
  auto lat = finite_number(j[1], field);
  if (!lat) return lat.error();
  if (j.size() == 3) {
    if (auto h = finite_number(j[2], field); !h) return h.error();
  }
  if (*lat < -90 || *lat > 90) return invalid(field, "latitude " + describe_number(*lat) + " is outside [-90, 90]");
  if (*lon < -180 || *lon > 180) {
    return invalid(field, "longitude " + describe_number(*lon) + " is outside [-180, 180]");
  }
  return LatLon{*lat, *lon};
}

// How many positions a geometry may still have, of how many in all.
struct Budget {
  size_t left;
  size_t limit;
};

Result<std::vector<LatLon>> read_positions(const json& j, const std::string& field, Budget& budget) {
  if (!j.is_array()) return invalid(field, "expected an array of positions, got " + json_type(j));
  if (j.size() > budget.left) {
    return invalid(field, "too many positions (at most " + std::to_string(budget.limit) + " in one geometry)");
  }
  budget.left -= j.size();
  std::vector<LatLon> out;
  out.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    auto p = read_position(j[i], at(field, i));
    if (!p) return p.error();
    out.push_back(*p);
  }
  return out;
}

Result<std::vector<std::vector<LatLon>>> read_rings(const json& j, const std::string& field, Budget& budget) {
  if (!j.is_array()) return invalid(field, "expected an array of rings, got " + json_type(j));
  if (j.empty()) return invalid(field, "a polygon needs at least one ring");
  std::vector<std::vector<LatLon>> rings;
  for (size_t r = 0; r < j.size(); ++r) {
    auto ring = read_positions(j[r], at(field, r), budget);
    if (!ring) return ring.error();
    rings.push_back(std::move(*ring));
  }
  return rings;
}

Result<Geometry> read_geometry(const json& j, size_t max_positions) {
  if (j.is_null()) return invalid("geometry", "missing");
  if (!j.is_object()) return invalid("geometry", "expected an object, got " + json_type(j));
  const auto type = j.find("type");
  if (type == j.end()) return invalid("geometry.type", "missing");
  if (!type->is_string()) return invalid("geometry.type", "expected a string, got " + json_type(*type));
  const auto coords = j.find("coordinates");
  const std::string name = type->get<std::string>();
  const std::string field = "geometry.coordinates";
  if (name != "Point" && name != "LineString" && name != "Polygon" && name != "MultiPolygon") {
    return invalid("geometry.type",
                   "unsupported geometry type '" + name + "' (use Point, LineString, Polygon or MultiPolygon)");
  }
  if (coords == j.end()) return invalid(field, "missing");
  Budget budget{max_positions, max_positions};
  Geometry g;
  if (name == "Point") {
    auto p = read_position(*coords, field);
    if (!p) return p.error();
    g.type = GeometryType::point;
    g.parts = {{{*p}}};
  } else if (name == "LineString") {
    auto line = read_positions(*coords, field, budget);
    if (!line) return line.error();
    if (line->size() < 2) return invalid(field, "a LineString needs at least 2 positions");
    g.type = GeometryType::line_string;
    g.parts = {{std::move(*line)}};
  } else if (name == "Polygon") {
    auto rings = read_rings(*coords, field, budget);
    if (!rings) return rings.error();
    g.type = GeometryType::polygon;
    g.parts = {std::move(*rings)};
  } else {
    if (!coords->is_array()) return invalid(field, "expected an array of polygons, got " + json_type(*coords));
    if (coords->empty()) return invalid(field, "a MultiPolygon needs at least one polygon");
    g.type = GeometryType::multi_polygon;
    for (size_t p = 0; p < coords->size(); ++p) {
      auto rings = read_rings((*coords)[p], at(field, p), budget);
      if (!rings) return rings.error();
      g.parts.push_back(std::move(*rings));
    }
  }
  return g;
}

Result<std::string> read_string(const json& props, const char* key, bool required) {
  const auto it = props.find(key);
  const std::string field = std::string("properties.") + key;
  if (it == props.end() || it->is_null()) {
    if (required) return invalid(field, "missing");
    return std::string();
  }
  if (!it->is_string()) return invalid(field, "expected a string, got " + json_type(*it));
  return it->get<std::string>();
}

Result<std::vector<std::string>> read_party_list(const json& j, const std::string& field) {
  if (!j.is_array()) return invalid(field, "expected an array of party ids, got " + json_type(j));
  std::vector<std::string> out;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string() || !is_party_id(j[i].get<std::string>())) {
      return invalid(at(field, i), "expected a party id (a lowercase slug)");
    }
    out.push_back(j[i].get<std::string>());
  }
  return out;
}

Result<std::optional<TimePoint>> read_time(const json& props, const char* key) {
  const std::string field = std::string("properties.") + key;
  const auto it = props.find(key);
  if (it == props.end() || it->is_null()) return std::optional<TimePoint>();
  if (!it->is_string()) return invalid(field, "expected an RFC 3339 string, got " + json_type(*it));
  auto t = parse_rfc3339(it->get<std::string>());
  if (!t) return invalid(field, t.error().message);
  return std::optional<TimePoint>(*t);
}

// Properties that apply to one type of object only.
struct Restriction {
  const char* key;
  ObjectType type;
};
constexpr Restriction kRestricted[] = {{"permitted", ObjectType::zone},   {"agreed_by", ObjectType::zone},
                                       {"accepted", ObjectType::zone},    {"declined", ObjectType::zone},
                                       {"notice_h", ObjectType::zone},    {"share", ObjectType::site},
                                       {"notified", ObjectType::activity}};

const char* const kKnown[] = {"id",      "type",  "party",     "kind",      "radius_m", "buffer_m", "altitude",
                              "start",   "end",   "permitted", "notice_h",  "share",    "name",     "description",
                              "version", "state", "notified",  "agreed_by", "accepted", "declined"};

}  // namespace

Status detail::read_identity(const json& feature, const json& props, Volume& v) {
  std::optional<std::string> id;
  for (const json* where : {&feature, &props}) {
    const auto it = where->find("id");
    if (it == where->end() || it->is_null()) continue;
    const std::string field = where == &feature ? "id" : "properties.id";
    std::string value;
    if (it->is_string()) {
      value = it->get<std::string>();
    } else if (it->is_number_integer()) {
      value = it->dump();
    } else {
      return invalid(field, "expected a string, got " + json_type(*it));
    }
    if (value.empty() || value.size() > kMaxIdLength) {
      return invalid(field, "an id must have 1 to " + std::to_string(kMaxIdLength) + " characters");
    }
    for (unsigned char c : value) {  // an id is a segment of the API's URLs
      if (c <= 0x20 || c == 0x7f || c == '/' || c == '?' || c == '#' || c == '%') {
        return invalid(field, "an id must not contain spaces, control characters or / ? # %");
      }
    }
    if (id && *id != value) return invalid("properties.id", "differs from the feature's id '" + *id + "'");
    id = value;
  }
  v.id = id.value_or("");
  auto type = read_string(props, "type", true);
  if (!type) return type.error();
  const auto t = parse_object_type(*type);
  if (!t) return invalid("properties.type", "unknown type '" + *type + "' (use zone, site or activity)");
  v.type = *t;
  auto party = read_string(props, "party", true);
  if (!party) return party.error();
  if (!is_party_id(*party)) return invalid("properties.party", "'" + *party + "' is not a party id (a lowercase slug)");
  v.party = *party;
  return {};
}

namespace {

Status read_kind(const json& props, Volume& v) {
  auto kind = read_string(props, "kind", v.type != ObjectType::site);
  if (!kind) return kind.error();
  v.kind = *kind;
  if (v.type == ObjectType::activity) {
    v.activity_kind = parse_activity_kind(*kind);
    if (!v.activity_kind) {
      return invalid("properties.kind", "unknown activity kind '" + *kind +
                                            "' (use movement, exercise, strike, flight, convoy or patrol)");
    }
  } else if (v.type == ObjectType::zone && *kind != "deconfliction" && *kind != "restricted" && *kind != "no-fire") {
    return invalid("properties.kind", "unknown zone kind '" + *kind + "' (use deconfliction, restricted or no-fire)");
  }
  return {};
}

Status read_extent(const json& props, Volume& v) {
  const bool point = v.geometry.type == GeometryType::point;
  const auto radius = props.find("radius_m");
  const auto buffer = props.find("buffer_m");
  const bool has_radius = radius != props.end() && !radius->is_null();
  const bool has_buffer = buffer != props.end() && !buffer->is_null();
  if (point && !has_radius) return invalid("properties.radius_m", "a Point needs radius_m (a number > 0)");
  if (point && has_buffer) return invalid("properties.buffer_m", "a Point takes radius_m, not buffer_m");
  if (!point && has_radius) return invalid("properties.radius_m", "only a Point takes radius_m; use buffer_m");
  if (has_radius) {
    auto r = finite_number(*radius, "properties.radius_m");
    if (!r) return r.error();
    if (*r <= 0) return invalid("properties.radius_m", "radius must be > 0, got " + describe_number(*r));
    v.radius = Metres(*r);
  }
  if (has_buffer) {
    auto b = finite_number(*buffer, "properties.buffer_m");
    if (!b) return b.error();
    if (*b < 0) return invalid("properties.buffer_m", "buffer must be >= 0, got " + describe_number(*b));
    v.radius = Metres(*b);
  }
  if (v.radius.value > 20'000'000)
    return invalid(has_radius ? "properties.radius_m" : "properties.buffer_m", "larger than the earth");
  const auto alt = props.find("altitude");
  if (alt != props.end() && !alt->is_null()) {
    if (!alt->is_object()) return invalid("properties.altitude", "expected {\"lower_m\": n, \"upper_m\": n}");
    for (const char* key : {"lower_m", "upper_m"}) {
      const auto it = alt->find(key);
      if (it == alt->end() || it->is_null()) continue;
      auto n = finite_number(*it, std::string("properties.altitude.") + key);
      if (!n) return n.error();
      (std::string_view(key) == "lower_m" ? v.altitude.lower_m : v.altitude.upper_m) = *n;
    }
    if (!(v.altitude.lower_m < v.altitude.upper_m)) {
      return invalid("properties.altitude", "lower_m must be below upper_m");
    }
  }
  return {};
}

Status read_window(const json& props, Volume& v) {
  auto start = read_time(props, "start");
  if (!start) return start.error();
  auto end = read_time(props, "end");
  if (!end) return end.error();
  if (v.type == ObjectType::activity && !*start) return invalid("properties.start", "an activity needs a start");
  if (v.type == ObjectType::activity && !*end) return invalid("properties.end", "an activity needs an end");
  v.window.start = start->value_or(kTimeMin);
  v.window.end = end->value_or(kTimeMax);
  if (!(v.window.start < v.window.end)) return invalid("properties.end", "end must be after start");
  auto notified = read_time(props, "notified");
  if (!notified) return notified.error();
  v.notified = *notified;
  return {};
}

Status read_rules_data(const json& props, Volume& v) {
  for (const Restriction& r : kRestricted) {
    const auto it = props.find(r.key);
    if (it != props.end() && !it->is_null() && v.type != r.type) {
      return invalid(std::string("properties.") + r.key,
                     std::string("applies only to ") + std::string(type_name(r.type)) + "s");
    }
  }
  if (auto it = props.find("permitted"); it != props.end() && !it->is_null()) {
    auto list = read_party_list(*it, "properties.permitted");
    if (!list) return list.error();
    v.permitted = std::move(*list);
  }
  // Whom a zone is to bind.
  if (auto it = props.find("agreed_by"); it != props.end() && !it->is_null()) {
    auto parties = read_party_list(*it, "properties.agreed_by");
    if (!parties) return parties.error();
    v.agreed_by = std::move(*parties);
  }
  if (auto it = props.find("notice_h"); it != props.end() && !it->is_null()) {
    auto h = finite_number(*it, "properties.notice_h");
    if (!h) return h.error();
    if (*h < 0) return invalid("properties.notice_h", "must be >= 0");
    v.notice_h = *h;
  }
  if (auto it = props.find("share"); it != props.end() && !it->is_null()) {
    if (!(it->is_string() && *it == "all")) {
      auto list = read_party_list(*it, "properties.share");
      if (!list) return list.error();
      v.share = std::move(*list);
    }
  }
  return {};
}

Status read_text_and_extra(const json& props, Volume& v) {
  auto name = read_string(props, "name", false);
  if (!name) return name.error();
  auto description = read_string(props, "description", false);
  if (!description) return description.error();
  v.name = *name;
  v.description = *description;
  static const std::unordered_set<std::string_view> known(std::begin(kKnown), std::end(kKnown));
  json extra;  // null, and no allocation, until an unknown property comes
  for (auto it = props.begin(); it != props.end(); ++it) {
    if (!known.count(it.key())) extra[it.key()] = it.value();
  }
  if (!extra.is_null()) v.extra = extra.dump();
  return {};
}

// The server's own properties, as far as `taken` allows; the names of the
// others the input carried go to `ignored`.
Status read_server_managed(const json& props, Volume& v, ServerFields taken, std::vector<std::string>* ignored) {
  const auto given = [&](const char* key) {
    const auto it = props.find(key);
    const bool present = it != props.end() && !it->is_null();
    const bool zone_answer = std::string_view(key) == "accepted" || std::string_view(key) == "declined";
    const bool wanted = taken == ServerFields::all || (taken == ServerFields::zone_answers && zone_answer);
    if (present && !wanted && ignored) ignored->push_back(std::string("properties.") + key);
    return present && wanted ? &*it : nullptr;
  };
  if (const json* version = given("version")) {
    if (!version->is_number_integer() || version->get<long long>() < 0 || version->get<long long>() > 1'000'000'000) {
      return invalid("properties.version", "expected a non-negative integer");
    }
    v.version = version->get<int>();
  }
  if (const json* state = given("state")) {
    const auto parsed = state->is_string() ? parse_state(state->get<std::string>()) : std::nullopt;
    if (!parsed) return invalid("properties.state", "not a state of the line");
    v.state = *parsed;
  }
  for (auto [key, list] : {std::pair{"accepted", &v.accepted}, std::pair{"declined", &v.declined}}) {
    const json* answers = given(key);
    if (!answers) continue;
    auto parties = read_party_list(*answers, std::string("properties.") + key);
    if (!parties) return parties.error();
    *list = std::move(*parties);
  }
  return {};
}

}  // namespace

Status detail::read_properties(const json& props, Volume& v, ServerFields taken, std::vector<std::string>* ignored) {
  for (auto* step : {read_kind, read_extent, read_window, read_rules_data, read_text_and_extra}) {
    if (Status st = step(props, v); !st) return st;
  }
  return read_server_managed(props, v, taken, ignored);
}

Result<PreparedVolume> detail::prepare(Volume v, bool stored) {
  return stored ? PreparedVolume::stored(std::move(v)) : PreparedVolume::prepare(std::move(v));
}

// RFC 7946 has no `crs`: coordinates are WGS84 longitude/latitude. A file
// from before it may name one; any other than WGS84's would be misread.
Status detail::check_crs(const json& doc) {
  if (!doc.is_object()) return {};
  const auto crs = doc.find("crs");
  if (crs == doc.end() || crs->is_null()) return {};
  const json* name = crs->is_object() && crs->contains("properties") && (*crs)["properties"].is_object()
                         ? &(*crs)["properties"]
                         : nullptr;
  const std::string said =
      name && name->contains("name") && (*name)["name"].is_string() ? (*name)["name"].get<std::string>() : crs->dump();
  for (const char* wgs84 :
       {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326"}) {
    if (said == wgs84) return {};
  }
  return make_error(ErrorCode::invalid_input,
                    "names the coordinate system " + said +
                        ", and GeoJSON's is WGS84 longitude/latitude (RFC 7946): reproject it (ogr2ogr -t_srs "
                        "EPSG:4326), or give the file to `deconflict import`, which reprojects through GDAL",
                    "crs");
}

// Whether any position has a third number (an altitude, which a volume takes
// from properties.altitude instead).
bool has_third_coordinate(const json& coords) {
  if (!coords.is_array() || coords.empty()) return false;
  if (coords[0].is_number()) return coords.size() == 3;
  return std::any_of(coords.begin(), coords.end(), has_third_coordinate);
}

Result<PreparedVolume> read_feature(const json& feature, size_t max_positions, std::vector<std::string>* ignored,
                                    ServerFields taken) {
  if (!feature.is_object()) return invalid("", "expected a GeoJSON Feature object, got " + json_type(feature));
  const auto type = feature.find("type");
  if (type == feature.end() || *type != "Feature") return invalid("type", "expected \"Feature\"");
  if (Status st = detail::check_crs(feature); !st) return st.error();
  const auto props = feature.find("properties");
  if (props == feature.end() || !props->is_object()) return invalid("properties", "expected an object");
  Volume v;
  if (Status st = detail::read_identity(feature, *props, v); !st) return st.error();
  const auto geometry = feature.find("geometry");
  auto g = read_geometry(geometry == feature.end() ? json() : *geometry, max_positions);
  if (!g) return g.error();
  v.geometry = std::move(*g);
  if (ignored && has_third_coordinate(geometry->at("coordinates"))) ignored->push_back(std::string(kThirdCoordinate));
  if (Status st = detail::read_properties(*props, v, taken, ignored); !st) return st.error();
  return detail::prepare(std::move(v), false);
}

}  // namespace deconflict::format
