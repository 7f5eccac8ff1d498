// Reading GIS files through GDAL into the interchange format (see gis.hpp).
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "deconflict/position.hpp"
#include "gis/fields.hpp"
#include "gis/gathered.hpp"
#include "gis/gdal.hpp"
#include "gis/gis.hpp"

namespace deconflict::gis {
namespace detail {

void register_drivers() {
  static std::once_flag once;
  std::call_once(once, [] { GDALAllRegister(); });
}

}  // namespace detail

namespace {

using detail::Property;
using detail::ValueKind;
using nlohmann::json;

Error at_field(std::string field, std::string message) {
  return Error{ErrorCode::invalid_input, std::move(message), std::move(field)};
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Fields a file carries for its own tools, not for the volume: KML's
// presentation, and what an export of deconflict writes beside the properties.
bool housekeeping(std::string_view field) {
  for (std::string_view f : {"altitudeMode", "tessellate", "extrude", "visibility", "drawOrder", "icon", "snippet",
                             "timestamp", "drawn", "declared"}) {
    if (same_name(f, field)) return true;
  }
  return false;
}

// --- geometry ---------------------------------------------------------------

json positions(const OGRSimpleCurve& c) {
  json out = json::array();
  for (int i = 0; i < c.getNumPoints(); ++i) out.push_back({c.getX(i), c.getY(i)});
  return out;
}

json rings(const OGRPolygon& p) {
  json out = json::array();
  if (const OGRLinearRing* outer = p.getExteriorRing()) out.push_back(positions(*outer));
  for (int i = 0; i < p.getNumInteriorRings(); ++i) out.push_back(positions(*p.getInteriorRing(i)));
  return out;
}

Result<json> to_geojson(const OGRGeometry& g) {
  if (g.hasCurveGeometry()) {
    std::unique_ptr<OGRGeometry> linear(g.getLinearGeometry());
    return to_geojson(*linear);
  }
  switch (wkbFlatten(g.getGeometryType())) {
    case wkbPoint:
      return json{{"type", "Point"}, {"coordinates", {g.toPoint()->getX(), g.toPoint()->getY()}}};
    case wkbLineString:
      return json{{"type", "LineString"}, {"coordinates", positions(*g.toLineString())}};
    case wkbPolygon:
      return json{{"type", "Polygon"}, {"coordinates", rings(*g.toPolygon())}};
    case wkbMultiPolygon: {
      json polygons = json::array();
      for (const OGRPolygon* p : *g.toMultiPolygon()) polygons.push_back(rings(*p));
      return json{{"type", "MultiPolygon"}, {"coordinates", std::move(polygons)}};
    }
    case wkbMultiPoint:
    case wkbMultiLineString: {
      const OGRGeometryCollection& parts = *g.toGeometryCollection();
      if (parts.getNumGeometries() == 1) return to_geojson(*parts.getGeometryRef(0));
      return at_field("geometry", std::string("a ") + g.getGeometryName() + " of " +
                                      std::to_string(parts.getNumGeometries()) +
                                      " parts is not one volume: split it (ogr2ogr -explodecollections)");
    }
    default:
      return at_field("geometry", std::string("a ") + g.getGeometryName() +
                                      " is not a volume's geometry (Point, LineString, Polygon, MultiPolygon)");
  }
}

// The least and greatest third coordinate of a geometry.
std::pair<double, double> z_range(const OGRGeometry& g) {
  double lo = INFINITY, hi = -INFINITY;
  const auto visit = [&](const OGRSimpleCurve& c) {
    for (int i = 0; i < c.getNumPoints(); ++i) {
      lo = std::min(lo, c.getZ(i));
      hi = std::max(hi, c.getZ(i));
    }
  };
  switch (wkbFlatten(g.getGeometryType())) {
    case wkbPoint:
      return {g.toPoint()->getZ(), g.toPoint()->getZ()};
    case wkbLineString:
      visit(*g.toLineString());
      break;
    case wkbPolygon:
      for (const OGRLinearRing* r : *g.toPolygon()) visit(*r);
      break;
    default:
      if (const auto* c = dynamic_cast<const OGRGeometryCollection*>(&g)) {
        for (const OGRGeometry* part : *c) {
          const auto [a, b] = z_range(*part);
          lo = std::min(lo, a);
          hi = std::max(hi, b);
        }
      }
  }
  return {lo, hi};
}

// --- one layer ----------------------------------------------------------------

// Where each property of a layer's features comes from.
struct Source {
  const Property* property = nullptr;
  int field = -1;                // a field of the layer, or
  std::optional<json> constant;  // a value for every feature
  std::string field_name;        // for messages
};

class LayerReader {
 public:
  LayerReader(OGRLayer& layer, const ReadOptions& options) : layer_(layer), options_(options) {}

  Status prepare() {
    if (Status st = bind_fields(); !st) return st;
    return prepare_transform();
  }

  Result<json> feature(OGRFeature& f) {
    json props = json::object();
    for (const Source& s : sources_) {
      if (s.property->kind == ValueKind::position) continue;
      const json raw = s.constant ? *s.constant : detail::raw_value(f, s.field);
      if (raw.is_null() || (raw.is_string() && raw.get<std::string>().empty())) continue;
      auto value = detail::coerce(*s.property, raw);
      if (!value) return at_field(s.field_name, value.error().message);
      props[std::string(s.property->name)] = std::move(*value);
    }
    if (Status st = fold_altitude(props); !st) return st.error();
    for (int i : extras_) {
      json raw = detail::raw_value(f, i);
      if (!raw.is_null()) props[f.GetFieldDefnRef(i)->GetNameRef()] = std::move(raw);
    }
    auto geometry = geometry_of(f, props);
    if (!geometry) return geometry.error();
    return json{{"type", "Feature"}, {"geometry", std::move(*geometry)}, {"properties", std::move(props)}};
  }

  // The feature's id as its field or --set gives it, for messages; empty when none.
  std::string id_of(OGRFeature& f) const {
    for (const Source& s : sources_) {
      if (s.property->name != "id") continue;
      const json raw = s.constant ? *s.constant : detail::raw_value(f, s.field);
      auto id = detail::coerce(*s.property, raw);
      return id && id->is_string() ? id->get<std::string>().substr(0, format::kMaxIdLength) : "";
    }
    return {};
  }

  std::vector<std::string> warnings() const {
    std::vector<std::string> out;
    if (z_dropped_ > 0) {
      out.push_back("layer '" + std::string(layer_.GetName()) + "': the third coordinate (Z) of " +
                    std::to_string(z_dropped_) +
                    " feature(s) was not read (--z band takes it as the altitude band, --z refuse refuses it)");
    }
    return out;
  }

 private:
  Status bind_fields() {
    OGRFeatureDefn& defn = *layer_.GetLayerDefn();
    std::set<int> bound;
    for (const Property& p : detail::properties()) {
      Source s;
      s.property = &p;
      const std::string name(p.name);
      if (auto c = options_.map.constants.find(name); c != options_.map.constants.end()) {
        s.constant = c->second;
        s.field_name = "--set " + name;
      } else if (auto m = options_.map.fields.find(name); m != options_.map.fields.end()) {
        s.field = defn.GetFieldIndex(m->second.c_str());
        if (s.field < 0) return unknown_field(m->second, name);
      } else {
        // The property's own name before its aliases (a KML's "start" before its "begin").
        for (std::string_view alias : p.fields) {
          for (int i = 0; i < defn.GetFieldCount() && s.field < 0; ++i) {
            const char* field = defn.GetFieldDefn(i)->GetNameRef();
            if (same_name(field, alias) && !mapped_elsewhere(field) && !bound.count(i)) s.field = i;
          }
        }
        if (s.field < 0) continue;
      }
      if (s.field >= 0) {
        bound.insert(s.field);
        const std::string field = defn.GetFieldDefn(s.field)->GetNameRef();
        s.field_name = same_name(field, name) ? "field '" + field + "'" : "field '" + field + "' (" + name + ")";
      }
      if (p.kind == ValueKind::position) position_ = s;
      sources_.push_back(std::move(s));
    }
    declared_ = defn.GetFieldIndex("declared");
    for (int i = 0; i < defn.GetFieldCount(); ++i) {
      if (!bound.count(i) && !housekeeping(defn.GetFieldDefn(i)->GetNameRef())) extras_.push_back(i);
    }
    return {};
  }

  bool mapped_elsewhere(const char* field) const {
    for (const auto& [property, name] : options_.map.fields) {
      if (same_name(name, field)) return true;
    }
    return false;
  }

  Status unknown_field(const std::string& field, const std::string& property) const {
    OGRFeatureDefn& defn = *layer_.GetLayerDefn();
    std::string names;
    for (int i = 0; i < defn.GetFieldCount(); ++i)
      names += (i ? ", " : "") + std::string(defn.GetFieldDefn(i)->GetNameRef());
    return make_error(ErrorCode::usage,
                      "layer '" + std::string(layer_.GetName()) + "' has no field '" + field +
                          "' (its fields: " + (names.empty() ? "none" : names) + ")",
                      "--map " + property + "=" + field);
  }

  Status prepare_transform() {
    const OGRSpatialReference* srs = layer_.GetSpatialRef();
    OGRSpatialReference assumed;
    if (!srs && !options_.assumed_crs.empty()) {
      if (assumed.SetFromUserInput(options_.assumed_crs.c_str()) != OGRERR_NONE) {
        return make_error(ErrorCode::usage, "not a coordinate system GDAL knows", "--crs");
      }
      assumed.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
      srs = &assumed;
    }
    if (!srs) return {};  // degrees of WGS84, checked per feature
    has_crs_ = true;
    wgs84_.SetWellKnownGeogCS("WGS84");
    wgs84_.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    const char* same_opts[] = {"IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=NO", "CRITERION=EQUIVALENT", nullptr};
    if (srs->IsSame(&wgs84_, same_opts)) return {};
    transform_.reset(OGRCreateCoordinateTransformation(srs, &wgs84_));
    if (!transform_) {
      const char* name = srs->GetName();
      return make_error(ErrorCode::invalid_input,
                        "cannot convert its coordinate system (" + std::string(name ? name : "unnamed") +
                            ") to WGS84: " + detail::QuietGdal::last(),
                        "layer '" + std::string(layer_.GetName()) + "'");
    }
    return {};
  }

  // lower_m and upper_m fields make the altitude band.
  static Status fold_altitude(json& props) {
    const bool lower = props.contains("lower_m"), upper = props.contains("upper_m");
    if (!lower && !upper) return {};
    if (props.contains("altitude")) {
      return at_field("altitude", "given both as altitude and as lower_m/upper_m");
    }
    json band = json::object();
    if (lower) band["lower_m"] = props["lower_m"];
    if (upper) band["upper_m"] = props["upper_m"];
    props.erase("lower_m");
    props.erase("upper_m");
    props["altitude"] = std::move(band);
    return {};
  }

  Result<json> geometry_of(OGRFeature& f, json& props) {
    if (declared_ >= 0 && f.IsFieldSetAndNotNull(declared_) && *f.GetFieldAsString(declared_)) {
      OGRGeometry* g = nullptr;
      if (OGRGeometryFactory::createFromWkt(f.GetFieldAsString(declared_), nullptr, &g) != OGRERR_NONE || !g) {
        return at_field("field 'declared'", "not a geometry in WKT");
      }
      return to_geojson(*std::unique_ptr<OGRGeometry>(g));
    }
    const OGRGeometry* given = f.GetGeometryRef();
    if (!given || given->IsEmpty()) return position_geometry(f);
    std::unique_ptr<OGRGeometry> g(given->clone());
    if (g->Is3D()) {
      if (Status st = take_z(*g, props); !st) return st.error();
      g->flattenTo2D();
    }
    if (transform_ && g->transform(transform_.get()) != OGRERR_NONE) {
      return at_field("geometry", "could not be converted to WGS84: " + detail::QuietGdal::last());
    }
    if (!has_crs_) {
      OGREnvelope e;
      g->getEnvelope(&e);
      if (e.MinX < -180 || e.MaxX > 180 || e.MinY < -90 || e.MaxY > 90) {
        return at_field("geometry", "coordinates (" + std::to_string(e.MinX) + ", " + std::to_string(e.MinY) +
                                        ") are not degrees, and the file names no coordinate system: "
                                        "say which with --crs (for example EPSG:32637)");
      }
    }
    return to_geojson(*g);
  }

  Result<json> position_geometry(OGRFeature& f) {
    if (!position_ || (position_->field < 0 && !position_->constant)) {
      return at_field("geometry", "the feature has none (and no position field, such as mgrs)");
    }
    const json raw = position_->constant ? *position_->constant : detail::raw_value(f, position_->field);
    if (!raw.is_string() || raw.get<std::string>().empty()) return at_field(position_->field_name, "empty");
    auto at = read_position(raw.get<std::string>());
    if (!at) return at_field(position_->field_name, at.error().message);
    return json{{"type", "Point"}, {"coordinates", {at->point.lon_deg, at->point.lat_deg}}};
  }

  Status take_z(const OGRGeometry& g, json& props) {
    switch (options_.z) {
      case ZMode::drop:
        ++z_dropped_;
        return {};
      case ZMode::refuse:
        return at_field("geometry",
                        "has a third coordinate (Z); deconflict's altitude is a band: "
                        "import with --z band, or --z drop to read it without");
      case ZMode::band: {
        const auto [lo, hi] = z_range(g);
        if (props.contains("altitude")) return at_field("geometry", "has both Z and an altitude field: choose one");
        if (!(lo < hi)) {
          return at_field("geometry", "its Z is " + std::to_string(lo) +
                                          " m everywhere, and a band needs a floor below its ceiling: give "
                                          "lower_m/upper_m fields instead");
        }
        props["altitude"] = {{"lower_m", lo}, {"upper_m", hi}};
        return {};
      }
    }
    return {};
  }

  OGRLayer& layer_;
  const ReadOptions& options_;
  std::vector<Source> sources_;
  std::optional<Source> position_;
  std::vector<int> extras_;
  int declared_ = -1;
  bool has_crs_ = false;
  OGRSpatialReference wgs84_;
  std::unique_ptr<OGRCoordinateTransformation> transform_;
  size_t z_dropped_ = 0;
};

GDALDatasetUniquePtr open_for_reading(const std::string& path) {
  // A CSV's positions: lon/lat columns, or a WKT column (what GDAL writes).
  const char* csv[] = {"X_POSSIBLE_NAMES=lon,longitude,lng,x", "Y_POSSIBLE_NAMES=lat,latitude,y",
                       "GEOM_POSSIBLE_NAMES=wkt,geometry", "KEEP_GEOM_COLUMNS=NO", nullptr};
  const bool is_csv = driver_for(path) == "CSV";
  return GDALDatasetUniquePtr(
      GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, is_csv ? csv : nullptr, nullptr));
}

}  // namespace

std::string driver_for(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == ".kml" || ext == ".kmz") return "LIBKML";
  if (ext == ".gpkg") return "GPKG";
  if (ext == ".shp") return "ESRI Shapefile";
  if (ext == ".csv") return "CSV";
  if (ext == ".geojson" || ext == ".json") return "GeoJSON";
  return {};
}

Result<format::Batch> read_file(const std::string& path, const ReadOptions& options) {
  detail::register_drivers();
  detail::QuietGdal quiet;
  GDALDatasetUniquePtr ds = open_for_reading(path);
  if (!ds) return make_error(ErrorCode::io_error, "GDAL cannot read it: " + detail::QuietGdal::last(), path);
  const std::string file = std::filesystem::path(path).filename().string();
  detail::Gathered gathered(options);
  std::vector<std::string> warnings;
  bool layer_found = options.layer.empty();
  for (OGRLayer* layer : ds->GetLayers()) {
    if (!options.layer.empty() && options.layer != layer->GetName()) continue;
    layer_found = true;
    LayerReader reader(*layer, options);
    if (Status st = reader.prepare(); !st) return st.error();
    for (auto& f : *layer) {
      std::string label = file + ": layer '" + layer->GetName() + "', feature " + std::to_string(f->GetFID());
      if (const std::string id = reader.id_of(*f); !id.empty()) label += " (" + id + ")";
      if (Status st = gathered.add(reader.feature(*f), std::move(label)); !st) return st.error();
    }
    for (std::string& w : reader.warnings()) warnings.push_back(file + ": " + w);
  }
  if (!layer_found) return make_error(ErrorCode::usage, "no layer '" + options.layer + "' in " + file, "--layer");
  return gathered.read(warnings);
}

Result<FieldMap> FieldMap::parse(const std::vector<std::string>& maps, const std::vector<std::string>& sets) {
  FieldMap out;
  for (auto [items, target, option] :
       {std::tuple{&maps, &out.fields, "--map"}, std::tuple{&sets, &out.constants, "--set"}}) {
    for (const std::string& item : *items) {
      // "a=b,c=d" holds two; in "permitted=coalition,russia" the comma is the list's.
      std::vector<std::string> pairs;
      size_t start = 0;
      while (start <= item.size()) {
        size_t comma = item.find(',', start);
        if (comma == std::string::npos) comma = item.size();
        std::string piece = item.substr(start, comma - start);
        if (piece.find('=') == std::string::npos && !pairs.empty()) {
          pairs.back() += "," + piece;
        } else {
          pairs.push_back(piece);
        }
        start = comma + 1;
      }
      for (const std::string& pair : pairs) {
        const size_t eq = pair.find('=');
        if (eq == std::string::npos || eq == 0) {
          return make_error(
              ErrorCode::usage,
              "expected PROPERTY=" + std::string(target == &out.fields ? "FIELD" : "VALUE") + ", got '" + pair + "'",
              option);
        }
        const std::string property = pair.substr(0, eq);
        if (!detail::property_named(property)) {
          std::string known;
          for (const auto& p : detail::properties()) known += (known.empty() ? "" : ", ") + std::string(p.name);
          return make_error(ErrorCode::usage, "no property '" + property + "' (properties: " + known + ")", option);
        }
        (*target)[property] = pair.substr(eq + 1);
      }
    }
  }
  for (const auto& [property, value] : out.constants) {
    if (out.fields.count(property)) {
      return make_error(ErrorCode::usage, "'" + property + "' is given both by --map and by --set", "--set");
    }
  }
  return out;
}

}  // namespace deconflict::gis
