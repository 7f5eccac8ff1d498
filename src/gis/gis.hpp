// GIS files through GDAL (DESIGN §11): KML/KMZ, GeoPackage, Shapefile, CSV,
// GeoJSON and whatever else GDAL opens, read into volumes and written back
// with each volume's true outline.
//
//   gis::ReadOptions in;  in.map = *gis::FieldMap::parse({"start=begin"}, {"type=site", "party=un"});
//   Result<format::Batch> b = gis::read_file("sites.gpkg", in);
//   Result<gis::WriteReport> r = gis::write_file("world.kml", volumes, {});
//
// Reading maps each feature's fields onto deconflict's properties (DESIGN §3):
// a field named like a property (case aside) is that property unless --map
// says otherwise; GDAL's encodings of dates (DateTime fields,
// "2018/09/07 04:00:00+00") and of lists (string lists, JSON arrays, "(2:a,b)",
// "a,b") are taken; a layer's coordinate system is honoured (reprojected to
// WGS84 by GDAL); third coordinates are dropped with a warning, kept as the
// altitude band, or refused, as asked. Other fields are kept as free properties.
// Every error names the file, the layer, the feature and the field.
//
// Writing draws each volume's outline (gis/outline.hpp) and keeps what
// deconflict declared in fields: the properties, `radius_m`/`buffer_m`, and
// `declared`, the declared geometry as WKT, which a later import takes back
// in place of the outline so that a round trip through any of these formats
// changes nothing. Functions are thread-compatible (GDAL's registry is set
// up once, thread-safely).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "deconflict/status.hpp"
#include "deconflict/volume.hpp"
#include "format/feature_reader.hpp"

namespace deconflict::gis {

/// Where each property comes from: a field of the file (`--map start=begin`)
/// or a value for every feature (`--set type=site`).
struct FieldMap {
  std::map<std::string, std::string> fields;     // property -> field name
  std::map<std::string, std::string> constants;  // property -> value, read as the field would be
  /// Parses PROPERTY=FIELD and PROPERTY=VALUE items (each may hold several, comma-separated,
  /// except a --set of a list, whose commas are its own); an unknown property is an error.
  static Result<FieldMap> parse(const std::vector<std::string>& maps, const std::vector<std::string>& sets);
};

/// What to do with a third coordinate.
enum class ZMode {
  drop,    // read the position without it, and warn once per layer
  band,    // the volume's altitude band is [least Z, greatest Z] (two different values needed)
  refuse,  // the feature is an error
};

struct ReadOptions {
  FieldMap map;
  ZMode z = ZMode::drop;
  /// The coordinate system of layers that name none ("EPSG:32637", a PROJ or WKT
  /// string); empty: such layers must hold degrees of WGS84.
  std::string assumed_crs;
  /// Only this layer; empty: every layer.
  std::string layer;
  bool skip_invalid = false;
  format::ServerFields server_fields = format::ServerFields::zone_answers;
};

/// Reads every feature of the file's layers, one Batch for all (ids unique
/// across the file). Warnings (dropped Z, server fields) go to Batch::ignored.
Result<format::Batch> read_file(const std::string& path, const ReadOptions& options);

/// GDAL's driver for a path by its extension: "LIBKML" for .kml and .kmz, "GPKG",
/// "ESRI Shapefile", "CSV", "GeoJSON"; empty when none is known.
std::string driver_for(const std::string& path);

struct WriteOptions {
  /// A GDAL driver's short name; empty: driver_for(path).
  std::string driver;
  /// How far a drawn outline may stray from the true boundary (metres).
  double tolerance_m = 0.5;
};

struct WriteReport {
  size_t written = 0;
  std::vector<std::string> warnings;  // volumes written as declared (an outline round a pole)
};

/// Writes the volumes to a new file (an existing one is replaced). A format
/// that holds one geometry type per layer (Shapefile) gets a second layer,
/// beside the first, for corridors of no width.
Result<WriteReport> write_file(const std::string& path, const std::vector<const Volume*>& volumes,
                               const WriteOptions& options);

}  // namespace deconflict::gis
