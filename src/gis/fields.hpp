// The properties a GIS field can fill, and how a field's value is read as
// each (GDAL's encodings of numbers, dates and lists). Internal to src/gis.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "deconflict/status.hpp"

class OGRFeature;

namespace deconflict::gis::detail {

enum class ValueKind {
  text,      // a string; whole numbers are written out
  number,    // a number, or a string that is one
  time,      // RFC 3339, or a date GDAL writes, with its time zone
  list,      // party ids: a string list, a JSON array, GDAL's "(2:a,b)" or "a,b"
  share,     // a list, or "all"
  object,    // a JSON object, or its text
  position,  // a position in any grid (deconflict position), for a Point
};

struct Property {
  std::string_view name;
  ValueKind kind;
  std::vector<std::string_view> fields;  // the field names it is read from by default (case aside)
};

/// Every property a field may fill: those of DESIGN §3, `lower_m` and `upper_m`
/// for the altitude band, and `position` for a point written as text.
const std::vector<Property>& properties();
const Property* property_named(std::string_view name);

/// The value of field `index` as it is stored: a number, a string (dates as
/// GDAL writes them), an array, or null when unset.
nlohmann::json raw_value(const OGRFeature& feature, int index);

/// `raw` read as the property wants it; the error's message says why not.
Result<nlohmann::json> coerce(const Property& p, const nlohmann::json& raw);

}  // namespace deconflict::gis::detail
