#include "deconflict/prepared_volume.hpp"

#include <stdexcept>

#include "geo/shape.hpp"

namespace deconflict {

namespace {
Error in_coordinates(const Error& e) {
  return make_error(ErrorCode::invalid_input, e.message, "geometry.coordinates" + e.field);
}
}  // namespace

PreparedVolume::PreparedVolume(Volume v, BoundingCap cap, std::shared_ptr<const geo::Shape> shape)
    : Volume(std::move(v)), cap_(cap), shape_(std::move(shape)) {}

// A copy shares a shape prepared at once; one built on first use stays with
// its volume (the copy builds its own if it is ever needed).
PreparedVolume::PreparedVolume(const PreparedVolume& o) : Volume(o), cap_(o.cap_), shape_(o.shape_) {}

PreparedVolume::PreparedVolume(PreparedVolume&& o) noexcept
    : Volume(std::move(o)), cap_(o.cap_), shape_(std::move(o.shape_)), built_(o.built_.exchange(nullptr)) {}

PreparedVolume& PreparedVolume::operator=(const PreparedVolume& o) {
  if (this != &o) *this = PreparedVolume(o);
  return *this;
}

PreparedVolume& PreparedVolume::operator=(PreparedVolume&& o) noexcept {
  if (this == &o) return *this;
  Volume::operator=(std::move(o));
  cap_ = o.cap_;
  shape_ = std::move(o.shape_);
  delete built_.exchange(o.built_.exchange(nullptr));
  return *this;
}

PreparedVolume::~PreparedVolume() { delete built_.load(std::memory_order_acquire); }

Result<PreparedVolume> PreparedVolume::prepare(Volume v) {
  auto shape = geo::Shape::build(v.geometry);
  if (!shape) return in_coordinates(shape.error());
  const BoundingCap cap = geo::bounding_cap_of(shape->cap());
  return PreparedVolume(std::move(v), cap, std::make_shared<const geo::Shape>(std::move(*shape)));
}

Result<PreparedVolume> PreparedVolume::stored(Volume v) {
  auto cap = geo::Shape::quick_cap(v.geometry);
  if (!cap) return in_coordinates(cap.error());
  if (*cap) return PreparedVolume(std::move(v), geo::bounding_cap_of(**cap), nullptr);
  // An edge long enough to be split: its cap needs the geodesics solved.
  auto shape = geo::Shape::build_trusted(v.geometry);
  if (!shape) return in_coordinates(shape.error());
  const BoundingCap built_cap = geo::bounding_cap_of(shape->cap());
  return PreparedVolume(std::move(v), built_cap, std::make_shared<const geo::Shape>(std::move(*shape)));
}

PreparedVolume PreparedVolume::with(Volume data) const { return PreparedVolume(std::move(data), cap_, shape_); }

const geo::Shape& PreparedVolume::shape() const {
  if (shape_) return *shape_;
  if (const geo::Shape* s = built_.load(std::memory_order_acquire)) return *s;
  auto built = geo::Shape::build_trusted(geometry);
  // stored() is given only geometries that were validated when stored.
  if (!built) throw std::logic_error("stored geometry of '" + id + "' cannot be prepared: " + built.error().describe());
  const auto* mine = new geo::Shape(std::move(*built));
  const geo::Shape* expected = nullptr;
  if (built_.compare_exchange_strong(expected, mine, std::memory_order_acq_rel)) return *mine;
  delete mine;  // another reader built it first
  return *expected;
}

}  // namespace deconflict
