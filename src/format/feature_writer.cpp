#include "format/feature_writer.hpp"

#include <cmath>

#include "deconflict/time.hpp"

namespace deconflict::format {
namespace {

using json = nlohmann::ordered_json;

json position(LatLon p) { return json::array({p.lon_deg, p.lat_deg}); }

json positions(const std::vector<LatLon>& ps) {
  json out = json::array();
  for (const LatLon& p : ps) out.push_back(position(p));
  return out;
}

json rings(const std::vector<std::vector<LatLon>>& rs) {
  json out = json::array();
  for (const auto& r : rs) out.push_back(positions(r));
  return out;
}

}  // namespace

json to_geometry(const Geometry& g) {
  switch (g.type) {
    case GeometryType::point:
      return {{"type", "Point"}, {"coordinates", position(g.parts[0][0][0])}};
    case GeometryType::line_string:
      return {{"type", "LineString"}, {"coordinates", positions(g.parts[0][0])}};
    case GeometryType::polygon:
      return {{"type", "Polygon"}, {"coordinates", rings(g.parts[0])}};
    case GeometryType::multi_polygon: {
      json polys = json::array();
      for (const auto& p : g.parts) polys.push_back(rings(p));
      return {{"type", "MultiPolygon"}, {"coordinates", polys}};
    }
  }
  return nullptr;
}

json to_feature(const Volume& v) {
  json props = json::object();
  if (!v.id.empty()) props["id"] = v.id;
  props["type"] = type_name(v.type);
  props["party"] = v.party;
  if (!v.kind.empty()) props["kind"] = v.kind;
  props[v.geometry.type == GeometryType::point ? "radius_m" : "buffer_m"] = v.radius.value;
  if (v.altitude.bounded()) {
    json alt = json::object();
    if (std::isfinite(v.altitude.lower_m)) alt["lower_m"] = v.altitude.lower_m;
    if (std::isfinite(v.altitude.upper_m)) alt["upper_m"] = v.altitude.upper_m;
    props["altitude"] = alt;
  }
  if (v.window.start != kTimeMin) props["start"] = format_rfc3339(v.window.start);
  if (v.window.end != kTimeMax) props["end"] = format_rfc3339(v.window.end);
  if (v.type == ObjectType::zone) {
    props["permitted"] = v.permitted;
    if (v.notice_h) props["notice_h"] = *v.notice_h;
    props["agreed_by"] = v.agreed_by;
    if (!v.accepted.empty()) props["accepted"] = v.accepted;
    if (!v.declined.empty()) props["declined"] = v.declined;
  }
  if (v.type == ObjectType::site) props["share"] = v.share.empty() ? json("all") : json(v.share);
  if (v.notified) props["notified"] = format_rfc3339(*v.notified);
  if (!v.name.empty()) props["name"] = v.name;
  if (!v.description.empty()) props["description"] = v.description;
  if (v.version > 0) props["version"] = v.version;
  if (v.state != State::none) props["state"] = state_name(v.state);
  if (v.extra.is_object()) {
    for (auto it = v.extra.begin(); it != v.extra.end(); ++it) props[it.key()] = json::parse(it.value().dump());
  }
  json f = {{"type", "Feature"}, {"geometry", to_geometry(v.geometry)}, {"properties", std::move(props)}};
  if (!v.id.empty()) f["id"] = v.id;
  return f;
}

json to_json(const Conflict& c) {
  auto time_or_null = [](TimePoint t) { return t == kTimeMin || t == kTimeMax ? json() : json(format_rfc3339(t)); };
  json j = {{"id", c.redacted ? json() : json(c.other_id)},
            {"party", c.other_party},
            {"rule", rule_name(c.rule)},
            {"start", time_or_null(c.start)},
            {"end", time_or_null(c.end)}};
  if (!c.redacted) {
    j["distance_m"] = std::round(c.distance.value * 10.0) / 10.0;
    j["limit_m"] = c.limit.value;
  }
  return j;
}

json to_json(const Notice& n) {
  // A proposal names its zone where another notice names its activity.
  const std::string about(about_name(n.about));
  json j = {{"id", n.id},
            {"about", about},
            {about, n.activity_id},
            {about + "_version", n.activity_version},
            {"from", n.from_party},
            {"to", n.to_party},
            {"state", state_name(n.state)},
            {"created", format_rfc3339(n.created)},
            {"deadline", format_rfc3339(n.deadline)}};
  if (n.answered) j["answered"] = format_rfc3339(*n.answered);
  if (!n.text.empty()) j["text"] = n.text;
  // Always said, so that an overdue notice tells whether it ever reached its party.
  j["delivered"] = n.delivered ? json(format_rfc3339(*n.delivered)) : json(nullptr);
  if (n.delivered) j["delivered_via"] = delivery_name(n.delivered_via);
  return j;
}

json to_json(const Message& m) {
  json j = {{"id", m.id}, {"from", m.from_party}, {"to", m.to_party}, {"text", m.text}};
  if (!m.about.empty()) j["about"] = m.about;
  j["created"] = format_rfc3339(m.created);
  return j;
}

}  // namespace deconflict::format
