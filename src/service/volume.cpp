#include "deconflict/volume.hpp"

#include <array>

#include "deconflict/party.hpp"
#include "geo/shape.hpp"

namespace deconflict {

Volume::Volume() = default;
Volume::~Volume() = default;
Volume::Volume(Volume&&) noexcept = default;
Volume& Volume::operator=(Volume&&) noexcept = default;

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
  v.share = share;
  v.notified = notified;
  v.name = name;
  v.description = description;
  v.version = version;
  v.state = state;
  v.extra = extra;
  if (shape_) v.shape_ = std::make_unique<geo::Shape>(*shape_);
  return v;
}

void Volume::set_shape(std::unique_ptr<geo::Shape> shape) { shape_ = std::move(shape); }

bool Volume::hazardous() const {
  return activity_kind == ActivityKind::strike || activity_kind == ActivityKind::exercise;
}

namespace {
constexpr std::array<std::string_view, 3> kTypeNames{"zone", "site", "activity"};
constexpr std::array<std::string_view, 6> kKindNames{"movement", "exercise", "strike", "flight", "convoy", "patrol"};
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

bool is_party_id(std::string_view s) {
  const auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (s.empty() || s.size() > 64 || !lower_or_digit(s[0])) return false;
  for (char c : s) {
    if (!lower_or_digit(c) && c != '-' && c != '_') return false;
  }
  return true;
}

std::string_view code_name(ErrorCode code) {
  static constexpr std::array<std::string_view, 13> names{
      "invalid_input", "not_found", "forbidden",    "version_conflict", "already_exists", "store_error",
      "io_error",      "usage",     "unauthorized", "too_large",        "limit_exceeded", "rate_limited",
      "overloaded"};
  return names[static_cast<size_t>(code)];
}

}  // namespace deconflict
