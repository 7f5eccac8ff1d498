// The objects deconflict reasons about: zones, sites and activities, each a
// 4D volume (a geometry with a buffer, an altitude band and a time window) on
// the WGS84 ellipsoid. See DESIGN §2-§3 for the vocabulary and the format.
//
//   Result<PreparedVolume> v = format::read_feature(json);   // validated and prepared
//   Volume data = *v;                                         // the plain value
//
// A Volume is a plain, copyable value: what was declared and what the line
// made of it (version, state, answers). The checks take it prepared: a
// PreparedVolume (prepared_volume.hpp) is a Volume with its geometry
// validated and prepared.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deconflict/geometry.hpp"
#include "deconflict/units.hpp"

namespace deconflict {

enum class ObjectType { zone, site, activity };
enum class ActivityKind { movement, exercise, strike, flight, convoy, patrol };

/// What the line made of a stored object (DESIGN §6.2): an activity is clear,
/// notified, acknowledged, objected or withdrawn; a zone proposed, agreed or
/// retired; a site retired. `none`: a site in force, or a volume not stored.
/// Set by the service, never read from a client's input.
enum class State { none, clear, notified, acknowledged, objected, withdrawn, proposed, agreed, retired };

/// What only zones and sites carry: whom a zone is to bind, who answered,
/// who may enter it and with how much notice, and whom a site is shared
/// with. Most of a large world is activities, which carry none of it: a
/// Volume holds it apart, one pointer where the fields took 136 bytes.
struct Terms {
  std::vector<std::string> permitted;  // zones: parties that may enter without conflict
  std::optional<double> notice_h;      // zones: hours of notice that entry needs
  std::vector<std::string> agreed_by;  // zones: the parties it is to bind, each to accept or decline it
  std::vector<std::string> accepted;   // zones, set by the service: who accepted it (it binds only them)
  std::vector<std::string> declined;   // zones, set by the service: who declined it
  std::vector<std::string> share;      // sites: who may see it; empty means "all"
};

/// Whether a list of parties (a zone's terms, a site's share) names `party`.
inline bool names(const std::vector<std::string>& parties, const std::string& party) {
  return std::find(parties.begin(), parties.end(), party) != parties.end();
}

/// The terms of a volume that has none (an activity).
inline const Terms kNoTerms{};

/// What a volume rarely carries beside its name: a description for people,
/// and the properties deconflict does not know, kept as given. Held apart
/// as its terms are.
struct Remarks {
  std::string description;
  std::string extra;  // unknown properties, kept as given: a JSON object's text, or empty
};

/// The remarks of a volume that has none.
inline const Remarks kNoRemarks{};

namespace detail {
/// A value on the heap, copied with its holder; none until first made.
template <typename T>
class HeapValue {
 public:
  HeapValue() = default;
  HeapValue(const HeapValue& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
  HeapValue(HeapValue&&) noexcept = default;
  HeapValue& operator=(const HeapValue& o) {
    if (this != &o) p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
    return *this;
  }
  HeapValue& operator=(HeapValue&&) noexcept = default;
  ~HeapValue() = default;

  const T* get() const { return p_.get(); }
  T& made() {
    if (!p_) p_ = std::make_unique<T>();
    return *p_;
  }

 private:
  std::unique_ptr<T> p_;
};
}  // namespace detail

/// A volume's declared data and what the line made of it: a plain value.
/// The checks take it prepared (PreparedVolume, prepared_volume.hpp).
struct Volume {
  std::string id;
  ObjectType type = ObjectType::activity;
  std::string party;
  std::string kind;  // zone/activity kind, or the site's free text
  std::optional<ActivityKind> activity_kind;
  Geometry geometry;
  Metres radius{0.0};  // radius_m on a Point, buffer_m otherwise
  AltitudeBand altitude;
  TimeWindow window;
  std::optional<TimePoint> notified;  // activities: when its party notified it
  std::string name;
  int version = 0;            // set by the store; 0 when not stored
  State state = State::none;  // set by the service

  /// A zone's or a site's terms; an activity's are empty.
  const Terms& terms() const {
    const Terms* t = terms_.get();
    return t ? *t : kNoTerms;
  }
  /// The terms to change (made empty when there were none).
  Terms& edit_terms() { return terms_.made(); }
  /// Its description and unknown properties; empty when it has none.
  const Remarks& remarks() const {
    const Remarks* r = remarks_.get();
    return r ? *r : kNoRemarks;
  }
  /// The remarks to change (made empty when there were none).
  Remarks& edit_remarks() { return remarks_.made(); }

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

 private:
  detail::HeapValue<Terms> terms_;
  detail::HeapValue<Remarks> remarks_;
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
