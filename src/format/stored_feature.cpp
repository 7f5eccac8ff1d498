// Reading the store's own rows fast: a stored Feature was written by
// format::to_feature after read_feature accepted it, so it is parsed with
// simdjson (about fifteen times faster than nlohmann-json on these rows),
// its coordinates read straight into the Geometry, and its properties
// handed, as they are in simdjson's document, to the checks that
// read_feature uses.
#include <simdjson.h>

#include "format/feature_reader.hpp"
#include "format/feature_steps.hpp"

namespace deconflict::format {
using namespace std::string_view_literals;
namespace {

namespace dom = simdjson::dom;
using detail::invalid;

Result<LatLon> position(dom::element e) {
  dom::array xy;
  double lon = 0, lat = 0;
  if (e.get_array().get(xy) || xy.size() < 2 || xy.at(0).get_double().get(lon) || xy.at(1).get_double().get(lat)) {
    return invalid("geometry.coordinates", "a stored position is not [longitude, latitude]");
  }
  if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) {
    return invalid("geometry.coordinates", "a stored position is outside the earth's range");
  }
  return LatLon{lat, lon};
}

Result<std::vector<LatLon>> positions(dom::element e) {
  dom::array list;
  if (e.get_array().get(list)) return invalid("geometry.coordinates", "stored positions are not an array");
  std::vector<LatLon> out;
  out.reserve(list.size());
  for (dom::element p : list) {
    auto pos = position(p);
    if (!pos) return pos.error();
    out.push_back(*pos);
  }
  return out;
}

Result<std::vector<std::vector<LatLon>>> rings(dom::element e) {
  dom::array list;
  if (e.get_array().get(list)) return invalid("geometry.coordinates", "stored rings are not an array");
  std::vector<std::vector<LatLon>> out;
  for (dom::element r : list) {
    auto ring = positions(r);
    if (!ring) return ring.error();
    out.push_back(std::move(*ring));
  }
  return out;
}

Result<Geometry> geometry(dom::element feature) {
  std::string_view type;
  dom::element member, coords;  // keys as string_views: a C string's would be measured each time
  if (feature.at_key("geometry"sv).get(member) || member.at_key("type"sv).get_string().get(type) ||
      member.at_key("coordinates"sv).get(coords)) {
    return invalid("geometry", "a stored geometry needs a type and coordinates");
  }
  Geometry g;
  if (type == "Point") {
    auto p = position(coords);
    if (!p) return p.error();
    g.type = GeometryType::point;
    g.parts.emplace_back().emplace_back(1, *p);  // in place: a braced list would copy each level
  } else if (type == "LineString") {
    auto line = positions(coords);
    if (!line) return line.error();
    g.type = GeometryType::line_string;
    g.parts.emplace_back().push_back(std::move(*line));
  } else if (type == "Polygon") {
    auto r = rings(coords);
    if (!r) return r.error();
    g.type = GeometryType::polygon;
    g.parts.push_back(std::move(*r));
  } else if (type == "MultiPolygon") {
    dom::array polygons;
    if (coords.get_array().get(polygons)) return invalid("geometry.coordinates", "stored polygons are not an array");
    g.type = GeometryType::multi_polygon;
    for (dom::element p : polygons) {
      auto r = rings(p);
      if (!r) return r.error();
      g.parts.push_back(std::move(*r));
    }
  } else {
    return invalid("geometry.type", "unknown stored geometry type '" + std::string(type) + "'");
  }
  return g;
}

}  // namespace

nlohmann::json detail::SimdNode::to_json() const {
  switch (type()) {
    case Type::ARRAY: {
      nlohmann::json out = nlohmann::json::array();
      each_element([&](size_t, const SimdNode& x) {
        out.push_back(x.to_json());
        return true;
      });
      return out;
    }
    case Type::OBJECT: {
      nlohmann::json out = nlohmann::json::object();
      each_member([&](std::string_view key, const SimdNode& x) { out[std::string(key)] = x.to_json(); });
      return out;
    }
    case Type::INT64:
      return int64_t(e_);
    case Type::UINT64:
      return uint64_t(e_);
    case Type::DOUBLE:
      return double(e_);
    case Type::STRING:
      return std::string(string());
    case Type::BOOL:
      return bool(e_);
    case Type::NULL_VALUE:
      return nullptr;
  }
  return nullptr;
}

Result<PreparedVolume> read_stored_feature(const std::string& text, const std::optional<BoundingCap>& cap) {
  thread_local dom::parser parser;  // reused: it keeps its buffers
  dom::element feature, props;
  // simdjson's std::string overload copies the text only when its capacity
  // leaves less than the padding simdjson reads past the end.
  if (parser.parse(text).get(feature) || feature.at_key("properties"sv).get(props) || !props.is_object()) {
    return invalid("", "a stored feature is not a GeoJSON Feature");
  }
  const detail::SimdMembers members{dom::object(props)};
  const detail::SimdNode properties(props, &members);
  Volume v;
  if (Status st = detail::read_identity(detail::SimdNode(feature), properties, v); !st) return st.error();
  auto g = geometry(feature);
  if (!g) return g.error();
  v.geometry = std::move(*g);
  if (Status st = detail::read_properties(properties, v, ServerFields::all); !st) return st.error();
  if (cap) return PreparedVolume::stored(std::move(v), *cap);
  return detail::prepare(std::move(v), true);
}

}  // namespace deconflict::format
