// The objects deconflict reasons about: zones, sites and activities, each a
// 4D volume (a geometry with a buffer, an altitude band and a time window) on
// the WGS84 ellipsoid. See DESIGN §2-§3 for the vocabulary and the format.
//
//   Result<Volume> v = read_feature(json, ReadContext{...});   // format/feature_reader
//   v->shape().cap();                                           // prepared geometry
//
// A Volume owns its prepared geometry (geo::Shape) and is move-only. A volume
// read from the store prepares its geometry on first use (shape()), which is
// safe from concurrent readers. Once stored it is otherwise immutable, and
// concurrent reads are safe, except list_cache(), which only the service's
// thread writes.
#pragma once

#include <array>
#include <atomic>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "deconflict/geometry.hpp"
#include "deconflict/units.hpp"

namespace deconflict {

namespace geo {
class Shape;
}

enum class ObjectType { zone, site, activity };
enum class ActivityKind { movement, exercise, strike, flight, convoy, patrol };

/// What the line made of a stored object (DESIGN §6.2): an activity is clear,
/// notified, acknowledged, objected or withdrawn; a zone proposed, agreed or
/// retired; a site retired. `none`: a site in force, or a volume not stored.
/// Set by the service, never read from a client's input.
enum class State { none, clear, notified, acknowledged, objected, withdrawn, proposed, agreed, retired };

/// Holds a volume's prepared geometry once it is made: movable (unlike the
/// atomic pointer inside), and set at most once between moves, by whichever
/// concurrent reader prepares it first.
class ShapeSlot {
 public:
  ShapeSlot() = default;
  ShapeSlot(ShapeSlot&& o) noexcept : shape_(o.shape_.exchange(nullptr)) {}
  ShapeSlot& operator=(ShapeSlot&& o) noexcept {
    if (this != &o) reset(o.shape_.exchange(nullptr));
    return *this;
  }
  ~ShapeSlot() { reset(nullptr); }

  const geo::Shape* get() const { return shape_.load(std::memory_order_acquire); }
  /// Takes ownership of `s` in place of the current shape.
  void reset(geo::Shape* s);
  /// Takes ownership of `s` unless a shape is there already; returns the one kept.
  const geo::Shape& set_once(geo::Shape* s) const;

 private:
  mutable std::atomic<geo::Shape*> shape_{nullptr};
};

class Volume {
 public:
  Volume() = default;
  Volume(Volume&&) noexcept = default;
  Volume& operator=(Volume&&) noexcept = default;

  std::string id;
  ObjectType type = ObjectType::activity;
  std::string party;
  std::string kind;  // zone/activity kind, or the site's free text
  std::optional<ActivityKind> activity_kind;
  Geometry geometry;
  Metres radius{0.0};  // radius_m on a Point, buffer_m otherwise
  AltitudeBand altitude;
  TimeWindow window;
  std::vector<std::string> permitted;  // zones: parties that may enter without conflict
  std::optional<double> notice_h;      // zones: hours of notice that entry needs
  std::vector<std::string> agreed_by;  // zones: the parties it is to bind, each to accept or decline it
  std::vector<std::string> accepted;   // zones, set by the service: who accepted it (it binds only them)
  std::vector<std::string> declined;   // zones, set by the service: who declined it
  std::vector<std::string> share;      // sites: who may see it; empty means "all"
  std::optional<TimePoint> notified;   // activities: when its party notified it
  std::string name;
  std::string description;
  int version = 0;            // set by the store; 0 when not stored
  State state = State::none;  // set by the service
  nlohmann::json extra;       // unknown properties, kept as given

  /// What lists derive from a volume, kept from its first listing on (and
  /// allocated only then: most of a large store is never listed).
  struct ListCache {
    std::string feature_text;                     // the Feature as text
    std::optional<std::array<double, 4>> bounds;  // west, south, east, north in degrees
  };
  /// The volume's list cache (clone() starts afresh); a stored volume never
  /// changes, so it never goes stale. Written by const readers: not for
  /// concurrent use.
  ListCache& list_cache() const {
    if (!list_cache_) list_cache_ = std::make_unique<ListCache>();
    return *list_cache_;
  }

  /// A deep copy (volumes are move-only because they own their geometry).
  Volume clone() const;
  bool hazardous() const;
  /// A zone binds `party` when the party accepted it (DESIGN §6.2).
  bool binds(const std::string& party) const;
  /// A zone is proposed while a party it names has not answered, then agreed.
  bool proposed() const;
  /// A zone's state from its answers: proposed, then agreed.
  State agreement() const { return proposed() ? State::proposed : State::agreed; }
  /// Neither a withdrawn activity nor a retired zone or site: it still
  /// conflicts with what it meets (DESIGN §6.1).
  bool in_force() const { return state != State::withdrawn && state != State::retired; }
  /// The prepared geometry; for a volume given set_lazy_shape(), built from
  /// `geometry` on first use.
  const geo::Shape& shape() const;
  /// The geometry's bounding cap, known without preparing the geometry.
  const BoundingCap& cap() const { return cap_; }
  void set_shape(std::unique_ptr<geo::Shape> shape);
  /// The geometry was validated before (it is a stored one): prepare it only
  /// when shape() is first called. `cap` must be what its shape's cap would be.
  void set_lazy_shape(BoundingCap cap);

 private:
  BoundingCap cap_;
  ShapeSlot shape_;
  mutable std::unique_ptr<ListCache> list_cache_;
};

/// Every activity kind, in the order of the enum.
inline constexpr ActivityKind kActivityKinds[] = {ActivityKind::movement, ActivityKind::exercise, ActivityKind::strike,
                                                  ActivityKind::flight,   ActivityKind::convoy,   ActivityKind::patrol};
/// Strikes and exercises put fire into their volume (DESIGN §2): they are
/// the activities that endanger sites.
constexpr bool is_hazardous(ActivityKind k) { return k == ActivityKind::strike || k == ActivityKind::exercise; }

std::string_view type_name(ObjectType t);
std::string_view kind_name(ActivityKind k);
std::optional<ObjectType> parse_object_type(std::string_view s);
std::optional<ActivityKind> parse_activity_kind(std::string_view s);
/// The state's name in the format ("" for none), and back.
std::string_view state_name(State s);
std::optional<State> parse_state(std::string_view s);

}  // namespace deconflict
