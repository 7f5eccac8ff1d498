#include "deconflict/volume.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "deconflict/party.hpp"
#include "geo/shape.hpp"

namespace deconflict {

void ShapeSlot::reset(geo::Shape* s) { delete shape_.exchange(s, std::memory_order_acq_rel); }

const geo::Shape& ShapeSlot::set_once(geo::Shape* s) const {
  geo::Shape* expected = nullptr;
  if (shape_.compare_exchange_strong(expected, s, std::memory_order_acq_rel)) return *s;
  delete s;  // another reader prepared it first
  return *expected;
}

Volume Volume::clone() const {
  Volume v;
  v.id = id;
  v.type = type;
  v.party = party;
  v.kind = kind;
  v.activity_kind = activity_kind;
  v.geometry = geometry;
  v.radius = radius;
  v.altitude = altitude;
  v.window = window;
  v.permitted = permitted;
  v.notice_h = notice_h;
  v.agreed_by = agreed_by;
  v.accepted = accepted;
  v.declined = declined;
  v.share = share;
  v.notified = notified;
  v.name = name;
  v.description = description;
  v.version = version;
  v.state = state;
  v.extra = extra;
  v.cap_ = cap_;
  if (const geo::Shape* s = shape_.get()) v.shape_.reset(new geo::Shape(*s));
  return v;
}

void Volume::set_shape(std::unique_ptr<geo::Shape> shape) {
  cap_ = geo::bounding_cap_of(shape->cap());
  shape_.reset(shape.release());
}

void Volume::set_lazy_shape(BoundingCap cap) {
  cap_ = cap;
  shape_.reset(nullptr);
}

const geo::Shape& Volume::shape() const {
  if (const geo::Shape* s = shape_.get()) return *s;
  auto built = geo::Shape::build_trusted(geometry);
  // set_lazy_shape() is given only geometries that were validated when stored.
  if (!built) throw std::logic_error("stored geometry of '" + id + "' cannot be prepared: " + built.error().describe());
  return shape_.set_once(new geo::Shape(std::move(*built)));
}

bool Volume::hazardous() const { return activity_kind && is_hazardous(*activity_kind); }

bool Volume::binds(const std::string& p) const {
  return std::find(accepted.begin(), accepted.end(), p) != accepted.end();
}

bool Volume::proposed() const {
  const auto answered = [&](const std::string& p) {
    return binds(p) || std::find(declined.begin(), declined.end(), p) != declined.end();
  };
  return !std::all_of(agreed_by.begin(), agreed_by.end(), answered);
}

namespace {
constexpr std::array<std::string_view, 3> kTypeNames{"zone", "site", "activity"};
constexpr std::array<std::string_view, 6> kKindNames{"movement", "exercise", "strike", "flight", "convoy", "patrol"};
constexpr std::array<std::string_view, 9> kStateNames{"",          "clear",    "notified", "acknowledged", "objected",
                                                      "withdrawn", "proposed", "agreed",   "retired"};
}  // namespace

std::string_view type_name(ObjectType t) { return kTypeNames[static_cast<size_t>(t)]; }
std::string_view kind_name(ActivityKind k) { return kKindNames[static_cast<size_t>(k)]; }

std::optional<ObjectType> parse_object_type(std::string_view s) {
  for (size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == s) return static_cast<ObjectType>(i);
  }
  return std::nullopt;
}

std::optional<ActivityKind> parse_activity_kind(std::string_view s) {
  for (size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == s) return static_cast<ActivityKind>(i);
  }
  return std::nullopt;
}

std::string_view state_name(State s) { return kStateNames[static_cast<size_t>(s)]; }

std::optional<State> parse_state(std::string_view s) {
  for (size_t i = 1; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == s) return static_cast<State>(i);
  }
  return std::nullopt;
}

bool is_party_id(std::string_view s) {
  const auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (s.empty() || s.size() > 64 || !lower_or_digit(s[0])) return false;
  for (char c : s) {
    if (!lower_or_digit(c) && c != '-' && c != '_') return false;
  }
  return true;
}

std::string_view code_name(ErrorCode code) {
  static constexpr std::array<std::string_view, 17> names{
      "invalid_input", "not_found",   "forbidden",    "version_conflict",   "already_exists",   "store_error",
      "io_error",      "usage",       "unauthorized", "too_large",          "limit_exceeded",   "rate_limited",
      "overloaded",    "probe_limit", "too_complex",  "method_not_allowed", "store_unavailable"};
  return names[static_cast<size_t>(code)];
}

}  // namespace deconflict
