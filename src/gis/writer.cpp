// Writing volumes to GIS files through GDAL, each with its true outline (see gis.hpp).
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <cmath>
#include <filesystem>
#include <memory>

#include "deconflict/time.hpp"
#include "gis/gdal.hpp"
#include "gis/gis.hpp"
#include "gis/outline.hpp"

namespace deconflict::gis {
namespace {

// The longest text a Shapefile (dBase) field holds.
constexpr int kShapefileTextWidth = 254;

struct Column {
  const char* name;
  OGRFieldType type;
};

constexpr Column kColumns[] = {
    {"id", OFTString},        {"type", OFTString},        {"party", OFTString},     {"kind", OFTString},
    {"name", OFTString},      {"description", OFTString}, {"radius_m", OFTReal},    {"buffer_m", OFTReal},
    {"lower_m", OFTReal},     {"upper_m", OFTReal},       {"start", OFTString},     {"end", OFTString},
    {"permitted", OFTString}, {"notice_h", OFTReal},      {"agreed_by", OFTString}, {"accepted", OFTString},
    {"declined", OFTString},  {"share", OFTString},       {"notified", OFTString},  {"version", OFTInteger},
    {"state", OFTString},     {"drawn", OFTString},       {"declared", OFTString},
};

// A column's field index: the columns are created in kColumns' order, and
// set by index, since a driver may rename them (Shapefile cuts names at 10).
int column(std::string_view name) {
  for (size_t i = 0; i < std::size(kColumns); ++i) {
    if (kColumns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::string joined(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

// A dataset with one layer, created on first use: Shapefile keeps one
// geometry type per file, so it gets one such target per family.
class Target {
 public:
  Target(GDALDriver& driver, std::string path, std::string layer_name, OGRwkbGeometryType type)
      : driver_(driver), path_(std::move(path)), layer_name_(std::move(layer_name)), type_(type) {}

  Result<OGRLayer*> layer() {
    if (layer_) return layer_;
    std::error_code ec;
    if (std::filesystem::exists(path_, ec)) {
      driver_.Delete(path_.c_str());  // with a Shapefile's sidecar files
      std::filesystem::remove(path_, ec);
    }
    ds_.reset(driver_.Create(path_.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds_) return make_error(ErrorCode::io_error, "GDAL cannot create it: " + detail::QuietGdal::last(), path_);
    OGRSpatialReference wgs84;
    wgs84.SetWellKnownGeogCS("WGS84");
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    const std::string name = driver_.GetDescription();
    const char* csv[] = {"GEOMETRY=AS_WKT", nullptr};
    const char* geojson[] = {"RFC7946=YES", nullptr};
    char** options = name == "CSV"       ? const_cast<char**>(csv)
                     : name == "GeoJSON" ? const_cast<char**>(geojson)
                                         : nullptr;
    layer_ = ds_->CreateLayer(layer_name_.c_str(), &wgs84, type_, options);
    if (!layer_) return make_error(ErrorCode::io_error, "GDAL cannot add a layer: " + detail::QuietGdal::last(), path_);
    for (const Column& c : kColumns) {
      OGRFieldDefn field(c.name, c.type);
      if (c.type == OFTString && name == "ESRI Shapefile") field.SetWidth(kShapefileTextWidth);
      if (layer_->CreateField(&field) != OGRERR_NONE) {
        return make_error(ErrorCode::io_error,
                          "GDAL cannot add field '" + std::string(c.name) + "': " + detail::QuietGdal::last(), path_);
      }
    }
    return layer_;
  }

  Status close() {
    if (!ds_) return {};
    CPLErrorReset();
    ds_.reset();
    if (CPLGetLastErrorType() >= CE_Failure) {
      return make_error(ErrorCode::io_error, "GDAL could not finish it: " + detail::QuietGdal::last(), path_);
    }
    return {};
  }

 private:
  GDALDriver& driver_;
  std::string path_, layer_name_;
  OGRwkbGeometryType type_;
  GDALDatasetUniquePtr ds_;
  OGRLayer* layer_ = nullptr;
};

void set_properties(OGRFeature& f, const Volume& v) {
  const auto text = [&](const char* field, const std::string& value) {
    if (!value.empty()) f.SetField(column(field), value.c_str());
  };
  const auto number = [&](const char* field, double value) { f.SetField(column(field), value); };
  text("id", v.id);
  text("type", std::string(type_name(v.type)));
  text("party", v.party);
  text("kind", v.kind);
  text("name", v.name);
  text("description", v.remarks().description);
  number(v.geometry.type == GeometryType::point ? "radius_m" : "buffer_m", v.radius.value);
  if (std::isfinite(v.altitude.lower_m)) number("lower_m", v.altitude.lower_m);
  if (std::isfinite(v.altitude.upper_m)) number("upper_m", v.altitude.upper_m);
  if (v.window.start != kTimeMin) text("start", format_rfc3339(v.window.start));
  if (v.window.end != kTimeMax) text("end", format_rfc3339(v.window.end));
  const Terms& terms = v.terms();
  if (v.type == ObjectType::zone) {
    text("permitted", joined(terms.permitted));
    if (terms.notice_h) number("notice_h", *terms.notice_h);
    text("agreed_by", joined(terms.agreed_by));
    text("accepted", joined(terms.accepted));
    text("declined", joined(terms.declined));
  }
  if (v.type == ObjectType::site) text("share", terms.share.empty() ? "all" : joined(terms.share));
  if (v.notified) text("notified", format_rfc3339(*v.notified));
  if (v.version > 0) f.SetField(column("version"), v.version);
  if (v.state != State::none) text("state", std::string(state_name(v.state)));
}

// The declared geometry in WKT, in GDAL's usual 15 digits when they give
// back every coordinate exactly (they do for coordinates given with up to 15),
// else in 17, which always do.
std::string declared_wkt(const Geometry& g) {
  const OgrGeometry declared = declared_geometry(g);
  OGRWktOptions wkt;
  const std::string short_form = declared->exportToWkt(wkt);
  OGRGeometry* back = nullptr;
  const bool exact = OGRGeometryFactory::createFromWkt(short_form.c_str(), nullptr, &back) == OGRERR_NONE && back &&
                     back->Equals(declared.get());
  OGRGeometryFactory::destroyGeometry(back);
  if (exact) return short_form;
  wkt.precision = 17;
  wkt.round = false;
  wkt.format = OGRWktFormat::G;
  return declared->exportToWkt(wkt);
}

}  // namespace

Result<WriteReport> write_file(const std::string& path, const std::vector<const Volume*>& volumes,
                               const WriteOptions& options) {
  detail::register_drivers();
  detail::QuietGdal quiet;
  const std::string name = options.driver.empty() ? driver_for(path) : options.driver;
  if (name.empty()) {
    return make_error(ErrorCode::usage, "cannot tell a format from the name '" + path + "': name GDAL's driver",
                      "--format");
  }
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(name.c_str());
  if (!driver || !driver->GetMetadataItem(GDAL_DCAP_CREATE) || !driver->GetMetadataItem(GDAL_DCAP_VECTOR)) {
    return make_error(ErrorCode::usage, "GDAL has no driver '" + name + "' that writes vector files", "--format");
  }
  const bool shapefile = name == "ESRI Shapefile";
  const std::filesystem::path p(path);
  const std::string stem = p.stem().string();
  auto sibling = [&](const char* suffix) {
    return (p.parent_path() / (stem + suffix + p.extension().string())).string();
  };
  Target areas(*driver, path, stem, shapefile ? wkbMultiPolygon : wkbUnknown);
  Target lines(*driver, sibling("_lines"), stem + "_lines", wkbMultiLineString);
  Target points(*driver, sibling("_points"), stem + "_points", wkbPoint);

  WriteReport report;
  for (const Volume* v : volumes) {
    auto drawn = outline(v->geometry, v->radius, {options.tolerance_m});
    const bool outlined = drawn.ok();
    if (!outlined) {
      report.warnings.push_back(v->id + ": " + drawn.error().message + "; written as declared");
      drawn = declared_geometry(v->geometry);
    }
    const OGRwkbGeometryType family = wkbFlatten((*drawn)->getGeometryType());
    Target& target = !shapefile || family == wkbPolygon || family == wkbMultiPolygon ? areas
                     : family == wkbPoint                                            ? points
                                                                                     : lines;
    auto layer = target.layer();
    if (!layer) return layer.error();
    OGRFeature feature((*layer)->GetLayerDefn());
    set_properties(feature, *v);
    feature.SetField(column("drawn"), outlined ? "outline" : "declared");
    const std::string wkt = declared_wkt(v->geometry);
    if (shapefile && wkt.size() > kShapefileTextWidth) {
      report.warnings.push_back(v->id + ": its declared geometry is longer than a Shapefile field holds (" +
                                std::to_string(wkt.size()) + " characters); only the outline was written");
    } else {
      feature.SetField(column("declared"), wkt.c_str());
    }
    feature.SetGeometryDirectly(drawn->release());
    if ((*layer)->CreateFeature(&feature) != OGRERR_NONE) {
      return make_error(ErrorCode::io_error, "GDAL cannot write " + v->id + ": " + detail::QuietGdal::last(), path);
    }
    ++report.written;
  }
  if (volumes.empty()) {
    if (auto layer = areas.layer(); !layer) return layer.error();
  }
  for (Target* t : {&areas, &lines, &points}) {
    if (Status st = t->close(); !st) return st.error();
  }
  return report;
}

}  // namespace deconflict::gis
