// Volumes as Cursor-on-Target drawings, and ATAK's drawings read back (see cot.hpp).
#include "gis/cot.hpp"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "deconflict/time.hpp"
#include "gis/fields.hpp"
#include "gis/gathered.hpp"
#include "gis/gdal.hpp"
#include "gis/outline.hpp"
#include "gis/xml.hpp"

namespace deconflict::gis {

std::string xml_escaped(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 has no place for other control characters, even escaped.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') out += c;
    }
  }
  return out;
}

namespace {

// --- writing ----------------------------------------------------------------

std::string number(double v, const char* format = "%.9f") {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// A fill for each kind of volume, ARGB as TAK's signed 32-bit integer, and
// the same as KML's aabbggrr for the circle's style.
struct Fill {
  uint32_t argb;
  int32_t tak() const { return static_cast<int32_t>(argb); }
  std::string kml() const {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02x%02x%02x%02x", argb >> 24, argb & 0xff, (argb >> 8) & 0xff,
                  (argb >> 16) & 0xff);
    return buf;
  }
};

Fill fill_of(const Volume& v) {
  if (v.type == ObjectType::zone) return {0x60ffa000};  // amber
  if (v.type == ObjectType::site) return {0x6000c853};  // green: protected
  return {v.hazardous() ? 0x60ff1744u : 0x602979ffu};   // red: fire; blue: others
}

std::string list_text(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out.empty() ? "none" : out;
}

std::string window_text(const TimeWindow& w) {
  const std::string from = w.start == kTimeMin ? "always" : format_rfc3339(w.start);
  const std::string to = w.end == kTimeMax ? "open" : format_rfc3339(w.end);
  return from + " to " + to;
}

std::string altitude_text(const AltitudeBand& a) {
  if (!a.bounded()) return "all altitudes";
  const std::string lo = std::isfinite(a.lower_m) ? number(a.lower_m, "%.0f") + " m" : "the ground";
  const std::string hi = std::isfinite(a.upper_m) ? number(a.upper_m, "%.0f") + " m" : "unbounded";
  return "altitude " + lo + " to " + hi + " above the ellipsoid";
}

// What deconflict knows of the volume, for the people reading the drawing.
std::string remarks_of(const Volume& v, bool holes_left_out) {
  std::string r = std::string(type_name(v.type)) + (v.kind.empty() ? "" : " (" + v.kind + ")") + " of " + v.party +
                  "; " + window_text(v.window) + "; " + altitude_text(v.altitude);
  if (v.geometry.type == GeometryType::line_string)
    r += "; corridor half-width " + number(v.radius.value, "%.0f") + " m";
  if (v.geometry.type != GeometryType::point && v.geometry.type != GeometryType::line_string && v.radius.value > 0) {
    r += "; margin " + number(v.radius.value, "%.0f") + " m (drawn)";
  }
  if (v.type == ObjectType::zone) {
    r += "; agreed by " + list_text(v.terms().accepted) + "; permitted " + list_text(v.terms().permitted);
    if (v.terms().notice_h) r += "; " + number(*v.terms().notice_h, "%g") + " h notice";
  }
  if (v.state != State::none) r += "; " + std::string(state_name(v.state));
  if (holes_left_out) r += "; its holes are not drawn";
  if (const std::string& about = v.remarks().description; !about.empty()) r += ". " + about;
  return r + " [deconflict " + v.id + " v" + std::to_string(v.version) + "]";
}

struct Header {
  std::string uid, type, time, start, stale;
  double lat = 0, lon = 0;
};

std::string event_open(const Header& h) {
  return "<event version=\"2.0\" uid=\"" + xml_escaped(h.uid) + "\" type=\"" + h.type + "\" time=\"" + h.time +
         "\" start=\"" + h.start + "\" stale=\"" + h.stale + "\" how=\"h-e\"><point lat=\"" + number(h.lat) +
         "\" lon=\"" + number(h.lon) + "\" hae=\"9999999.0\" ce=\"9999999.0\" le=\"9999999.0\"/><detail>";
}

// The details both drawings end with, in the order TAK's schemas give.
std::string common_details(const Volume& v, const Fill& fill, const std::string& remarks, const std::string& time,
                           bool labels) {
  const std::string name = v.name.empty() ? v.id : v.name;
  // strokeColor is a byte in TAK's schema: -1, white, is the one colour it allows for every stroke.
  return "<strokeColor value=\"-1\"/><strokeWeight value=\"3.0\"/><fillColor value=\"" + std::to_string(fill.tak()) +
         "\"/><contact callsign=\"" + xml_escaped(name) + "\"/><remarks source=\"deconflict." + v.party + "\" time=\"" +
         time + "\">" + xml_escaped(remarks) + "</remarks><archive/><labels_on value=\"" + (labels ? "true" : "false") +
         "\"/>";
}

std::string circle_event(const Volume& v, const Header& h, const std::string& remarks) {
  const Fill fill = fill_of(v);
  const std::string r = number(v.radius.value, "%.3f");
  return event_open(h) + "<shape><ellipse major=\"" + r + "\" minor=\"" + r + "\" angle=\"360\"/><link uid=\"" +
         xml_escaped(h.uid) +
         ".Style\" type=\"b-x-KmlStyle\" relation=\"p-c\"><Style><LineStyle><color>ffffffff</color>" +
         "<width>3.0</width></LineStyle><PolyStyle><color>" + fill.kml() + "</color></PolyStyle></Style></link>" +
         "</shape>" + common_details(v, fill, remarks, h.time, true) +
         "<precisionlocation altsrc=\"???\"/></detail></event>";
}

std::string free_form_event(const Volume& v, const Header& h, const std::string& remarks, const OGRSimpleCurve& c) {
  std::string links;
  for (int i = 0; i < c.getNumPoints(); ++i) {
    links += "<link point=\"" + number(c.getY(i)) + "," + number(c.getX(i)) + "\"/>";
  }
  return event_open(h) + links + common_details(v, fill_of(v), remarks, h.time, false) +
         "<color value=\"-1\"/><precisionlocation altsrc=\"???\"/></detail></event>";
}

// The curves a drawing is made of: each polygon's outer ring, or each line.
std::vector<const OGRSimpleCurve*> curves_of(const OGRGeometry& g, bool& holes) {
  std::vector<const OGRSimpleCurve*> out;
  if (const auto* p = dynamic_cast<const OGRPolygon*>(&g)) {
    if (p->getExteriorRing()) out.push_back(p->getExteriorRing());
    holes = holes || p->getNumInteriorRings() > 0;
  } else if (const auto* c = dynamic_cast<const OGRSimpleCurve*>(&g)) {
    out.push_back(c);
  } else if (const auto* parts = dynamic_cast<const OGRGeometryCollection*>(&g)) {
    for (const OGRGeometry* part : *parts) {
      for (const OGRSimpleCurve* curve : curves_of(*part, holes)) out.push_back(curve);
    }
  }
  return out;
}

// --- reading ----------------------------------------------------------------

using xml::attribute;
using xml::child;

Result<double> decimal(const std::string& text, const std::string& field) {
  char* end = nullptr;
  const double d = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(d)) {
    return make_error(ErrorCode::invalid_input, "'" + text + "' is not a number", field);
  }
  return d;
}

// A free form's points, a closed ring when they come back to the first; a
// rectangle's four corners, always a ring.
Result<nlohmann::json> free_form(const xmlNode* detail, bool rectangle) {
  nlohmann::json ring = nlohmann::json::array();
  for (const xmlNode* c = detail->children; c; c = c->next) {
    if (!xml::named(c, "link")) continue;
    const std::string point = attribute(c, "point");
    if (point.empty()) continue;
    const size_t comma = point.find(',');
    auto lat = decimal(point.substr(0, comma), "detail.link.point");
    auto lon = decimal(comma == std::string::npos ? "" : point.substr(comma + 1), "detail.link.point");
    if (!lat || !lon) return lat ? lon.error() : lat.error();
    ring.push_back({*lon, *lat});
  }
  if (ring.size() < 2) return make_error(ErrorCode::invalid_input, "a drawing needs at least 2 points", "detail.link");
  if (rectangle && ring.front() != ring.back()) ring.push_back(ring.front());
  if (ring.size() >= 4 && ring.front() == ring.back()) {
    return nlohmann::json{{"type", "Polygon"}, {"coordinates", {ring}}};
  }
  return nlohmann::json{{"type", "LineString"}, {"coordinates", ring}};
}

}  // namespace

Result<std::vector<CotEvent>> to_cot(const Volume& v, TimePoint now, double tolerance_m) {
  Header h;
  h.time = format_rfc3339(now);
  h.start = v.window.start == kTimeMin ? h.time : format_rfc3339(v.window.start);
  h.stale = format_rfc3339(v.window.end);
  if (v.geometry.type == GeometryType::point) {
    h.uid = "deconflict." + v.id;
    h.type = "u-d-c-c";
    h.lat = v.geometry.parts[0][0][0].lat_deg;
    h.lon = v.geometry.parts[0][0][0].lon_deg;
    return std::vector<CotEvent>{{h.uid, circle_event(v, h, remarks_of(v, false))}};
  }
  auto drawn = outline(v.geometry, v.radius, {tolerance_m});
  if (!drawn) return drawn.error();
  bool holes = false;
  const std::vector<const OGRSimpleCurve*> curves = curves_of(**drawn, holes);
  const std::string remarks = remarks_of(v, holes);
  std::vector<CotEvent> events;
  for (size_t i = 0; i < curves.size(); ++i) {
    h.uid = "deconflict." + v.id + (curves.size() > 1 ? "." + std::to_string(i + 1) : "");
    h.type = "u-d-f";
    OGREnvelope e;
    curves[i]->getEnvelope(&e);
    h.lat = (e.MinY + e.MaxY) / 2;
    h.lon = (e.MinX + e.MaxX) / 2;
    events.push_back({h.uid, free_form_event(v, h, remarks, *curves[i])});
  }
  return events;
}

Status write_data_package(const std::string& path, const std::vector<const Volume*>& volumes, TimePoint now,
                          std::vector<std::string>* warnings) {
  detail::QuietGdal quiet;
  std::vector<CotEvent> events;
  for (const Volume* v : volumes) {
    auto e = to_cot(*v, now);
    if (!e) {
      if (warnings) warnings->push_back(v->id + ": " + e.error().message + "; left out of the package");
      continue;
    }
    events.insert(events.end(), e->begin(), e->end());
  }
  std::string manifest =
      "<MissionPackageManifest version=\"2\"><Configuration><Parameter name=\"uid\" value=\"deconflict-" +
      xml_escaped(format_rfc3339(now)) +
      "\"/><Parameter name=\"name\" value=\"deconflict\"/></Configuration><Contents>";
  void* zip = CPLCreateZip(path.c_str(), nullptr);
  if (!zip) return make_error(ErrorCode::io_error, "cannot create it: " + detail::QuietGdal::last(), path);
  bool ok = true;
  const auto add = [&](const std::string& name, const std::string& text) {
    ok = ok && CPLCreateFileInZip(zip, name.c_str(), nullptr) == CE_None &&
         CPLWriteFileInZip(zip, text.data(), static_cast<int>(text.size())) == CE_None &&
         CPLCloseFileInZip(zip) == CE_None;
  };
  for (const CotEvent& e : events) {
    const std::string entry = e.uid + "/" + e.uid + ".cot";
    add(entry, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n" + e.xml + "\n");
    manifest += "<Content ignore=\"false\" zipEntry=\"" + xml_escaped(entry) + "\"><Parameter name=\"uid\" value=\"" +
                xml_escaped(e.uid) + "\"/></Content>";
  }
  add("MANIFEST/manifest.xml", manifest + "</Contents></MissionPackageManifest>\n");
  ok = CPLCloseZip(zip) == CE_None && ok;
  if (!ok) return make_error(ErrorCode::io_error, "cannot write it: " + detail::QuietGdal::last(), path);
  return {};
}

Result<nlohmann::json> read_cot_drawing(std::string_view text) {
  const xml::Doc doc = xml::parse(text);
  if (!doc) return make_error(ErrorCode::invalid_input, "not well-formed XML");
  const xmlNode* event = xmlDocGetRootElement(doc.get());
  if (!xml::named(event, "event")) {
    return make_error(ErrorCode::invalid_input, "not a CoT event (its root is not <event>)");
  }
  const std::string type = attribute(event, "type");
  const xmlNode* point = child(event, "point");
  const xmlNode* detail = child(event, "detail");
  if (!point || !detail) return make_error(ErrorCode::invalid_input, "a CoT event needs a point and a detail");
  nlohmann::json props = nlohmann::json::object();
  nlohmann::json geometry;
  if (type == "u-d-c-c") {
    auto lat = decimal(attribute(point, "lat"), "point.lat");
    auto lon = decimal(attribute(point, "lon"), "point.lon");
    const xmlNode* ellipse = child(child(detail, "shape"), "ellipse");
    auto major = decimal(attribute(ellipse, "major"), "detail.shape.ellipse.major");
    auto minor = decimal(attribute(ellipse, "minor"), "detail.shape.ellipse.minor");
    for (const auto* r : {&lat, &lon, &major, &minor}) {
      if (!*r) return r->error();
    }
    if (*major != *minor) {
      return make_error(ErrorCode::invalid_input, "an ellipse is no volume of deconflict's: only circles are",
                        "detail.shape.ellipse");
    }
    geometry = {{"type", "Point"}, {"coordinates", {*lon, *lat}}};
    props["radius_m"] = *major;
  } else if (type == "u-d-f" || type == "u-d-r") {
    auto g = free_form(detail, type == "u-d-r");
    if (!g) return g.error();
    geometry = std::move(*g);
  } else {
    return make_error(ErrorCode::invalid_input,
                      "type '" + type + "' is not a drawing deconflict reads (u-d-f, u-d-c-c, u-d-r)", "type");
  }
  if (const xmlNode* contact = child(detail, "contact")) {
    if (const std::string name = attribute(contact, "callsign"); !name.empty()) props["name"] = name;
  }
  if (const xmlNode* remarks = child(detail, "remarks")) {
    xmlChar* remark = xmlNodeGetContent(remarks);
    if (remark && *remark) props["description"] = reinterpret_cast<const char*>(remark);
    xmlFree(remark);
  }
  props["start"] = attribute(event, "start");
  // A stale time in the year 9999 is how an event says it has no end.
  if (const std::string stale = attribute(event, "stale"); !stale.starts_with("9999-")) props["end"] = stale;
  return nlohmann::json{{"type", "Feature"}, {"geometry", std::move(geometry)}, {"properties", std::move(props)}};
}

Result<format::Batch> read_cot_file(const std::string& path, const ReadOptions& options) {
  detail::register_drivers();
  detail::QuietGdal quiet;
  const bool package = path.ends_with(".zip");
  std::vector<std::string> files;
  if (package) {
    char** entries = VSIReadDirRecursive(("/vsizip/" + path).c_str());
    for (char** e = entries; e && *e; ++e) {
      if (std::string_view(*e).ends_with(".cot")) files.push_back("/vsizip/" + path + "/" + *e);
    }
    CSLDestroy(entries);
    if (files.empty()) return make_error(ErrorCode::invalid_input, "no .cot file in it", path);
  } else {
    files.push_back(path);
  }
  const std::string name = std::filesystem::path(path).filename().string();
  detail::Gathered gathered(options);
  for (const std::string& file : files) {
    std::string label = package ? name + ": " + file.substr(file.rfind('/') + 1) : name;
    GByte* bytes = nullptr;
    vsi_l_offset size = 0;
    if (!VSIIngestFile(nullptr, file.c_str(), &bytes, &size, 16 << 20)) {
      return make_error(ErrorCode::io_error, "cannot read it: " + detail::QuietGdal::last(), label);
    }
    std::string text(reinterpret_cast<const char*>(bytes), static_cast<size_t>(size));
    VSIFree(bytes);
    auto feature = read_cot_drawing(text);
    if (feature) {
      for (const auto& [property, value] : options.map.constants) {
        auto v = detail::coerce(*detail::property_named(property), value);
        if (!v)
          feature = Error{ErrorCode::invalid_input, v.error().message, "--set " + property};
        else
          (*feature)["properties"][property] = *v;
        if (!feature) break;
      }
    }
    if (Status st = gathered.add(std::move(feature), std::move(label)); !st) return st.error();
  }
  return gathered.read();
}

}  // namespace deconflict::gis
