// The objects deconflict reasons about: zones, sites and activities, each a
// 4D volume (a geometry with a buffer, an altitude band and a time window) on
// the WGS84 ellipsoid. See DESIGN §2-§3 for the vocabulary and the format.
//
//   Result<Volume> v = read_feature(json, ReadContext{...});   // format/feature_reader
//   v->shape().cap();                                           // prepared geometry
//
// A Volume owns its prepared geometry (geo::Shape) and is move-only. It is
// immutable once built; concurrent reads are safe.
#pragma once

#include <limits>
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deconflict/units.hpp"

namespace deconflict {

namespace geo {
class Shape;
}

enum class ObjectType { zone, site, activity };
enum class ActivityKind { movement, exercise, strike, flight, convoy, patrol };
enum class GeometryType { point, line_string, polygon, multi_polygon };

/// The geometry as given: for a Point one part with one ring of one position;
/// for a LineString one part with one ring (the line); for a Polygon one part
/// (outer ring then holes); for a MultiPolygon one part per polygon. Rings
/// keep their closing position.
struct Geometry {
  GeometryType type = GeometryType::point;
  std::vector<std::vector<std::vector<LatLon>>> parts;
};

/// An altitude band in metres above the WGS84 ellipsoid; default the whole column.
struct AltitudeBand {
  double lower_m = -std::numeric_limits<double>::infinity();
  double upper_m = std::numeric_limits<double>::infinity();
  bool bounded() const { return lower_m > -1e300 || upper_m < 1e300; }
};

/// A half-open time window [start, end); open ends are kTimeMin / kTimeMax.
struct TimeWindow {
  TimePoint start = kTimeMin;
  TimePoint end = kTimeMax;
};

class Volume {
 public:
  Volume();
  ~Volume();
  Volume(Volume&&) noexcept;
  Volume& operator=(Volume&&) noexcept;

  std::string id;
  ObjectType type = ObjectType::activity;
  std::string party;
  std::string kind;                    // zone/activity kind, or the site's free text
  std::optional<ActivityKind> activity_kind;
  Geometry geometry;
  Metres radius{0.0};                  // radius_m on a Point, buffer_m otherwise
  AltitudeBand altitude;
  TimeWindow window;
  std::vector<std::string> permitted;  // zones: parties that may enter without conflict
  std::optional<double> notice_h;      // zones: hours of notice that entry needs
  std::vector<std::string> share;      // sites: who may see it; empty means "all"
  std::optional<TimePoint> notified;   // activities: when its party notified it
  std::string name;
  std::string description;
  int version = 0;                     // set by the store; 0 when not stored
  std::string state;                   // activities, set by the service: clear, notified, acknowledged, objected
  nlohmann::json extra;                // unknown properties, kept as given

  // Derived on first use and kept with the volume (clone() starts afresh);
  // a stored volume never changes, so they never go stale. Written by const
  // readers: not for concurrent use.
  mutable std::string feature_text_cache;           // the Feature as text, for lists
  mutable std::optional<std::array<double, 4>> bounds_cache;  // west, south, east, north in degrees

  /// A deep copy (volumes are move-only because they own their geometry).
  Volume clone() const;
  bool hazardous() const;
  const geo::Shape& shape() const { return *shape_; }
  void set_shape(std::unique_ptr<geo::Shape> shape);

 private:
  std::unique_ptr<geo::Shape> shape_;
};

std::string_view type_name(ObjectType t);
std::string_view kind_name(ActivityKind k);
std::optional<ObjectType> parse_object_type(std::string_view s);
std::optional<ActivityKind> parse_activity_kind(std::string_view s);

}  // namespace deconflict
