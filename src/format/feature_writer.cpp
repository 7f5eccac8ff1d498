#include "format/feature_writer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

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

// Twice the signed area of a ring in the plane of longitude (unwrapped along
// the ring) and latitude: > 0 counterclockwise. nullopt for a ring round a
// pole, which has no winding in that plane.
std::optional<double> signed_area2(const std::vector<LatLon>& ring) {
  double sum = 0, x = ring.front().lon_deg;
  double px = x, py = ring.front().lat_deg;
  for (size_t i = 1; i < ring.size(); ++i) {
    x = x + std::remainder(ring[i].lon_deg - x, 360.0);
    sum += px * ring[i].lat_deg - x * py;
    px = x;
    py = ring[i].lat_deg;
  }
  if (std::fabs(x - ring.front().lon_deg) > 180.0) return std::nullopt;
  return sum;
}

// [west, south, east, north] of the positions; west > east across the antimeridian.
json bbox_of(const Geometry& g) {
  const double x0 = g.parts[0][0][0].lon_deg;
  double west = x0, east = x0, south = 90, north = -90;
  for (const auto& part : g.parts) {
    for (const auto& ring : part) {
      for (const LatLon& p : ring) {
        const double x = x0 + std::remainder(p.lon_deg - x0, 360.0);
        west = std::min(west, x);
        east = std::max(east, x);
        south = std::min(south, p.lat_deg);
        north = std::max(north, p.lat_deg);
      }
    }
  }
  if (east - west >= 360.0) {
    west = -180;
    east = 180;
  }
  const auto wrap = [](double lon) { return lon > 180 || lon < -180 ? std::remainder(lon, 360.0) : lon; };
  return json::array({wrap(west), south, wrap(east), north});
}

}  // namespace

json to_file_feature(const Volume& v, bool with_bbox) {
  json f = to_feature(v);
  if (v.geometry.type == GeometryType::polygon || v.geometry.type == GeometryType::multi_polygon) {
    Geometry wound = v.geometry;
    for (auto& part : wound.parts) {
      for (size_t r = 0; r < part.size(); ++r) {
        const auto area = signed_area2(part[r]);
        if (area && (r == 0 ? *area < 0 : *area > 0)) std::reverse(part[r].begin(), part[r].end());
      }
    }
    f["geometry"] = to_geometry(wound);
  }
  if (with_bbox) f["bbox"] = bbox_of(v.geometry);
  return f;
}

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
  const Terms& terms = v.terms();
  if (v.type == ObjectType::zone) {
    props["permitted"] = terms.permitted;
    if (terms.notice_h) props["notice_h"] = *terms.notice_h;
    props["agreed_by"] = terms.agreed_by;
    if (!terms.accepted.empty()) props["accepted"] = terms.accepted;
    if (!terms.declined.empty()) props["declined"] = terms.declined;
  }
  if (v.type == ObjectType::site) props["share"] = terms.share.empty() ? json("all") : json(terms.share);
  if (v.notified) props["notified"] = format_rfc3339(*v.notified);
  if (!v.name.empty()) props["name"] = v.name;
  const Remarks& remarks = v.remarks();
  if (!remarks.description.empty()) props["description"] = remarks.description;
  if (v.version > 0) props["version"] = v.version;
  if (v.state != State::none) props["state"] = state_name(v.state);
  if (!remarks.extra.empty()) {
    const json extra = json::parse(remarks.extra);
    for (auto it = extra.begin(); it != extra.end(); ++it) props[it.key()] = it.value();
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

// The bytes nlohmann-json's dump() writes, without its document and
// serializer for each value (most of a check's output time): printable ASCII
// without a quote or backslash is a string it writes as it is; anything
// else goes through it.
void append_json(const std::string& s, std::string& out) {
  const bool plain =
      std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; });
  if (!plain) {
    out += json(s).dump();
    return;
  }
  out += '"';
  out += s;
  out += '"';
}

namespace {

// Metres as dump() writes the double: a whole number below 1e14 as its
// digits and ".0" (its shortest digits are the number's own), any other
// through it.
void append_metres(double m, std::string& out) {
  if (std::signbit(m) || !(m < 1e14) || m != std::floor(m)) {
    out += json(m).dump();
    return;
  }
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, static_cast<long long>(m)).ptr);
  out += ".0";
}

// A distance rounded to 0.1 m, as dump() writes the double k / 10 (k whole):
// k's digits with a point before the last. Its shortest round-trip digits,
// which dump() writes, are k's: k / 10 lies 0, 0.2 or 0.4 of an ulp from its
// double (k 2^e / 5 has no other fraction), far inside the rounding interval,
// and no shorter decimal lies within half an ulp of it below 1e13.
void append_tenths(double metres, std::string& out) {
  const double k = std::round(metres * 10.0);
  if (std::signbit(k) || !(k < 1e14)) {
    out += json(k / 10.0).dump();
    return;
  }
  const auto tenths = static_cast<long long>(k);
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, tenths / 10).ptr);
  out += '.';
  out += static_cast<char>('0' + tenths % 10);
}

void append_time(TimePoint t, std::string& out) {
  if (t == kTimeMin || t == kTimeMax) {
    out += "null";
    return;
  }
  out += '"';
  append_rfc3339(t, out);
  out += '"';
}

}  // namespace

void append_json(const Conflict& c, std::string& out) {
  out += "{\"id\":";
  if (c.redacted) {
    out += "null";
  } else {
    append_json(c.other_id, out);
  }
  out += ",\"party\":";
  append_json(c.other_party, out);
  out += ",\"rule\":\"";
  out += rule_name(c.rule);
  out += "\",\"start\":";
  append_time(c.start, out);
  out += ",\"end\":";
  append_time(c.end, out);
  if (!c.redacted) {
    out += ",\"distance_m\":";
    append_tenths(c.distance.value, out);
    out += ",\"limit_m\":";
    append_metres(c.limit.value, out);
  }
  out += '}';
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
