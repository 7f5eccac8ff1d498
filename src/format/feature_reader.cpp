#include "format/feature_reader.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string_view>

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

// Positions and the property steps below read a JSON value through a Node
// (json_node.hpp).
template <class Node>
Result<double> finite_number(const Node& j, std::string_view field) {
  if (!j.is_number()) return invalid(std::string(field), std::string("expected a number, got ") + j.type_name());
  const double v = j.number();
  if (!std::isfinite(v)) return invalid(std::string(field), "number is not finite");
  return v;
}

Result<LatLon> read_position(const json& j, const std::string& field) {
  if (!j.is_array()) return invalid(field, "a position must be an array [longitude, latitude], got " + json_type(j));
  if (j.size() < 2 || j.size() > 3) {
    return invalid(field, "a position must have 2 or 3 numbers, got " + std::to_string(j.size()));
  }
  auto lon = finite_number(detail::JsonNode(j[0]), field);
  if (!lon) return lon.error();
  auto lat = finite_number(detail::JsonNode(j[1]), field);
  if (!lat) return lat.error();
  if (j.size() == 3) {
    if (auto h = finite_number(detail::JsonNode(j[2]), field); !h) return h.error();
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
    g.parts.emplace_back().emplace_back(1, *p);  // in place: a braced list would copy each level
  } else if (name == "LineString") {
    auto line = read_positions(*coords, field, budget);
    if (!line) return line.error();
    if (line->size() < 2) return invalid(field, "a LineString needs at least 2 positions");
    g.type = GeometryType::line_string;
    g.parts.emplace_back().push_back(std::move(*line));
  } else if (name == "Polygon") {
    auto rings = read_rings(*coords, field, budget);
    if (!rings) return rings.error();
    g.type = GeometryType::polygon;
    g.parts.push_back(std::move(*rings));
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

template <class Node>
Result<std::string> read_string(const Node& props, std::string_view key, bool required) {
  const auto it = props.field(key);
  // The field's name is made only for an error: most calls find a good value.
  const auto field = [key] { return std::string("properties.").append(key); };
  if (!it) {
    if (required) return invalid(field(), "missing");
    return std::string();
  }
  if (!it->is_string()) return invalid(field(), std::string("expected a string, got ") + it->type_name());
  return std::string(it->string());
}

template <class Node>
Result<std::vector<std::string>> read_party_list(const Node& j, const std::string& field) {
  if (!j.is_array()) return invalid(field, std::string("expected an array of party ids, got ") + j.type_name());
  std::vector<std::string> out;
  std::optional<Error> error;
  j.each_element([&](size_t i, const Node& x) {
    if (!x.is_string() || !is_party_id(x.string())) {
      error = invalid(at(field, i), "expected a party id (a lowercase slug)");
      return false;
    }
    out.emplace_back(x.string());
    return true;
  });
  if (error) return *error;
  return out;
}

template <class Node>
Result<std::optional<TimePoint>> read_time(const Node& props, std::string_view key) {
  const auto field = [key] { return std::string("properties.").append(key); };  // for an error only
  const auto it = props.field(key);
  if (!it) return std::optional<TimePoint>();
  if (!it->is_string()) return invalid(field(), std::string("expected an RFC 3339 string, got ") + it->type_name());
  auto t = parse_rfc3339(it->string());
  if (!t) return invalid(field(), t.error().message);
  return std::optional<TimePoint>(*t);
}

// Properties that apply to one type of object only. The keys are views (a
// C string's would be measured at each of a million rows).
struct Restriction {
  std::string_view key;
  ObjectType type;
};
constexpr Restriction kRestricted[] = {{"permitted", ObjectType::zone},   {"agreed_by", ObjectType::zone},
                                       {"accepted", ObjectType::zone},    {"declined", ObjectType::zone},
                                       {"notice_h", ObjectType::zone},    {"share", ObjectType::site},
                                       {"notified", ObjectType::activity}};

constexpr std::string_view kKnown[] = {"id",       "type",     "party",     "kind",        "radius_m",
                                       "buffer_m", "altitude", "start",     "end",         "permitted",
                                       "notice_h", "share",    "name",      "description", "version",
                                       "state",    "notified", "agreed_by", "accepted",    "declined"};

// Whether a property is one deconflict reads (a scan: twenty short names,
// most told apart by their length, cost less than hashing the key).
bool is_known(std::string_view key) {
  return std::any_of(std::begin(kKnown), std::end(kKnown),
                     [key](std::string_view k) { return detail::same_name(k, key); });
}

// An id, from the feature or its properties (named `field`).
template <class Node>
Status read_id(const Node& it, const std::string& field, std::optional<std::string>& id) {
  std::string value;
  if (it.is_string()) {
    value = std::string(it.string());
  } else if (it.is_integer()) {
    value = it.integer_text();
  } else {
    return invalid(field, std::string("expected a string, got ") + it.type_name());
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
  id = std::move(value);
  return {};
}

}  // namespace

template <class Node>
Status detail::read_identity(const Node& feature, const Node& props, Volume& v) {
  std::optional<std::string> id;
  if (auto it = feature.field("id")) {
    if (Status st = read_id(*it, "id", id); !st) return st;
  }
  if (auto it = props.field("id")) {
    if (Status st = read_id(*it, "properties.id", id); !st) return st;
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

template <class Node>
Status read_kind(const Node& props, Volume& v) {
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

template <class Node>
Status read_altitude(const Node& props, Volume& v) {
  const auto alt = props.field("altitude");
  if (!alt) return {};
  if (!alt->is_object()) return invalid("properties.altitude", "expected {\"lower_m\": n, \"upper_m\": n}");
  for (auto [key, field, bound] : {std::tuple{"lower_m", "properties.altitude.lower_m", &v.altitude.lower_m},
                                   std::tuple{"upper_m", "properties.altitude.upper_m", &v.altitude.upper_m}}) {
    const auto it = alt->field(key);
    if (!it) continue;
    auto n = finite_number(*it, field);
    if (!n) return n.error();
    *bound = *n;
  }
  if (!(v.altitude.lower_m < v.altitude.upper_m))
    return invalid("properties.altitude", "lower_m must be below upper_m");
  return {};
}

template <class Node>
Status read_extent(const Node& props, Volume& v) {
  const bool point = v.geometry.type == GeometryType::point;
  const auto radius = props.field("radius_m");
  const auto buffer = props.field("buffer_m");
  if (point && !radius) return invalid("properties.radius_m", "a Point needs radius_m (a number > 0)");
  if (point && buffer) return invalid("properties.buffer_m", "a Point takes radius_m, not buffer_m");
  if (!point && radius) return invalid("properties.radius_m", "only a Point takes radius_m; use buffer_m");
  if (radius) {
    auto r = finite_number(*radius, "properties.radius_m");
    if (!r) return r.error();
    if (*r <= 0) return invalid("properties.radius_m", "radius must be > 0, got " + describe_number(*r));
    v.radius = Metres(*r);
  }
  if (buffer) {
    auto b = finite_number(*buffer, "properties.buffer_m");
    if (!b) return b.error();
    if (*b < 0) return invalid("properties.buffer_m", "buffer must be >= 0, got " + describe_number(*b));
    v.radius = Metres(*b);
  }
  if (v.radius.value > 20'000'000) {
    return invalid(radius ? "properties.radius_m" : "properties.buffer_m", "larger than the earth");
  }
  return read_altitude(props, v);
}

template <class Node>
Status read_window(const Node& props, Volume& v) {
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

template <class Node>
Status read_rules_data(const Node& props, Volume& v) {
  for (const Restriction& r : kRestricted) {
    if (props.field(r.key) && v.type != r.type) {
      return invalid(std::string("properties.").append(r.key),
                     std::string("applies only to ") + std::string(type_name(r.type)) + "s");
    }
  }
  // Terms are made only for a volume that has some: an activity has none.
  for (auto [key, list] : {std::pair{"permitted", &Terms::permitted}, std::pair{"agreed_by", &Terms::agreed_by}}) {
    const auto it = props.field(key);
    if (!it) continue;
    auto parties = read_party_list(*it, std::string("properties.") + key);
    if (!parties) return parties.error();
    v.edit_terms().*list = std::move(*parties);
  }
  if (auto it = props.field("notice_h")) {
    auto h = finite_number(*it, "properties.notice_h");
    if (!h) return h.error();
    if (*h < 0) return invalid("properties.notice_h", "must be >= 0");
    v.edit_terms().notice_h = *h;
  }
  if (auto it = props.field("share"); it && !(it->is_string() && it->string() == "all")) {
    auto list = read_party_list(*it, "properties.share");
    if (!list) return list.error();
    v.edit_terms().share = std::move(*list);
  }
  return {};
}

template <class Node>
Status read_text_and_extra(const Node& props, Volume& v) {
  auto name = read_string(props, "name", false);
  if (!name) return name.error();
  auto description = read_string(props, "description", false);
  if (!description) return description.error();
  v.name = *name;
  if (!description->empty()) v.edit_remarks().description = *description;
  json extra;  // null, and no allocation, until an unknown property comes
  props.each_member([&](std::string_view key, const Node& value) {
    if (!is_known(key)) extra[std::string(key)] = value.to_json();
  });
  if (!extra.is_null()) v.edit_remarks().extra = extra.dump();
  return {};
}

// The server's own properties, as far as `taken` allows; the names of the
// others the input carried go to `ignored`.
template <class Node>
Status read_server_managed(const Node& props, Volume& v, ServerFields taken, std::vector<std::string>* ignored) {
  const auto given = [&](std::string_view key) -> std::optional<Node> {
    auto it = props.field(key);
    const bool zone_answer = key == "accepted" || key == "declined";
    const bool wanted = taken == ServerFields::all || (taken == ServerFields::zone_answers && zone_answer);
    if (it && !wanted && ignored) ignored->push_back(std::string("properties.").append(key));
    return wanted ? it : std::nullopt;
  };
  if (const auto version = given("version")) {
    if (!version->is_integer() || version->integer() < 0 || version->integer() > 1'000'000'000) {
      return invalid("properties.version", "expected a non-negative integer");
    }
    v.version = static_cast<int>(version->integer());
  }
  if (const auto state = given("state")) {
    const auto parsed = state->is_string() ? parse_state(state->string()) : std::nullopt;
    if (!parsed) return invalid("properties.state", "not a state of the line");
    v.state = *parsed;
  }
  for (auto [key, list] : {std::pair{"accepted", &Terms::accepted}, std::pair{"declined", &Terms::declined}}) {
    const auto answers = given(key);
    if (!answers) continue;
    auto parties = read_party_list(*answers, std::string("properties.") + key);
    if (!parties) return parties.error();
    v.edit_terms().*list = std::move(*parties);
  }
  return {};
}

}  // namespace

template <class Node>
Status detail::read_properties(const Node& props, Volume& v, ServerFields taken, std::vector<std::string>* ignored) {
  for (auto* step :
       {read_kind<Node>, read_extent<Node>, read_window<Node>, read_rules_data<Node>, read_text_and_extra<Node>}) {
    if (Status st = step(props, v); !st) return st;
  }
  return read_server_managed(props, v, taken, ignored);
}

template Status detail::read_identity(const detail::JsonNode&, const detail::JsonNode&, Volume&);
template Status detail::read_identity(const detail::SimdNode&, const detail::SimdNode&, Volume&);
template Status detail::read_properties(const detail::JsonNode&, Volume&, ServerFields, std::vector<std::string>*);
template Status detail::read_properties(const detail::SimdNode&, Volume&, ServerFields, std::vector<std::string>*);

Result<PreparedVolume> detail::prepare(Volume&& v, bool stored) {
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
  if (Status st = detail::read_identity(detail::JsonNode(feature), detail::JsonNode(*props), v); !st) {
    return st.error();
  }
  const auto geometry = feature.find("geometry");
  auto g = read_geometry(geometry == feature.end() ? json() : *geometry, max_positions);
  if (!g) return g.error();
  v.geometry = std::move(*g);
  if (ignored && has_third_coordinate(geometry->at("coordinates"))) ignored->push_back(std::string(kThirdCoordinate));
  if (Status st = detail::read_properties(detail::JsonNode(*props), v, taken, ignored); !st) return st.error();
  return detail::prepare(std::move(v), false);
}

}  // namespace deconflict::format
