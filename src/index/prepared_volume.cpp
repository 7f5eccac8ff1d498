#include "deconflict/prepared_volume.hpp"

#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>

#include "common/prefetch.hpp"
#include "common/publish_once.hpp"
#include "geo/shape.hpp"

namespace deconflict {

// A prepared shape and the number of PreparedVolumes that hold it: the
// volumes share it without a shared_ptr's two pointers each.
struct PreparedVolume::Shared {
  explicit Shared(geo::Shape s) : shape(std::move(s)) {}
  geo::Shape shape;
  std::atomic<uint32_t> holders{1};

  static void release(Shared* s) {
    if (s && s->holders.fetch_sub(1, std::memory_order_acq_rel) == 1) delete s;
  }
};

namespace {
Error in_coordinates(const Error& e) {
  return make_error(ErrorCode::invalid_input, e.message, "geometry.coordinates" + e.field);
}
}  // namespace

PreparedVolume::PreparedVolume(Volume&& v, BoundingCap cap, Shared* shape)
    : Volume(std::move(v)), cap_(cap), shape_(shape) {}

// The shape, with one more holder; null when none is built yet.
PreparedVolume::Shared* PreparedVolume::share() const {
  Shared* s = shape_.load(std::memory_order_acquire);
  if (s) s->holders.fetch_add(1, std::memory_order_relaxed);
  return s;
}

PreparedVolume::PreparedVolume(const PreparedVolume& o) : Volume(o), cap_(o.cap_), shape_(o.share()) {}

PreparedVolume::PreparedVolume(PreparedVolume&& o) noexcept
    : Volume(std::move(o)), cap_(o.cap_), shape_(o.shape_.exchange(nullptr)) {}

PreparedVolume& PreparedVolume::operator=(const PreparedVolume& o) {
  if (this != &o) *this = PreparedVolume(o);
  return *this;
}

PreparedVolume& PreparedVolume::operator=(PreparedVolume&& o) noexcept {
  if (this == &o) return *this;
  Volume::operator=(std::move(o));
  cap_ = o.cap_;
  Shared::release(shape_.exchange(o.shape_.exchange(nullptr)));
  return *this;
}

PreparedVolume::~PreparedVolume() { Shared::release(shape_.load(std::memory_order_acquire)); }

Result<PreparedVolume> PreparedVolume::prepare(Volume v) {
  auto shape = geo::Shape::build(v.geometry);
  if (!shape) return in_coordinates(shape.error());
  const BoundingCap cap = geo::bounding_cap_of(shape->cap());
  return PreparedVolume(std::move(v), cap, new Shared(std::move(*shape)));
}

Result<PreparedVolume> PreparedVolume::stored(Volume&& v) {
  auto cap = geo::Shape::quick_cap(v.geometry);
  if (!cap) return in_coordinates(cap.error());
  if (*cap) return PreparedVolume(std::move(v), geo::bounding_cap_of(**cap), nullptr);
  // An edge long enough to be split: its cap needs the geodesics solved.
  auto shape = geo::Shape::build_trusted(v.geometry);
  if (!shape) return in_coordinates(shape.error());
  const BoundingCap built_cap = geo::bounding_cap_of(shape->cap());
  return PreparedVolume(std::move(v), built_cap, new Shared(std::move(*shape)));
}

Result<PreparedVolume> PreparedVolume::stored(Volume&& v, const BoundingCap& cap) {
  const double length = std::sqrt(cap.x * cap.x + cap.y * cap.y + cap.z * cap.z);
  const bool a_cap = std::isfinite(length) && std::fabs(length - 1) < 1e-9 && cap.radius_rad >= 0 &&
                     cap.radius_rad <= std::numbers::pi;  // false for NaN too
  if (!a_cap) return stored(std::move(v));
  if (Status st = geo::Shape::check_structure(v.geometry); !st) return in_coordinates(st.error());
  return PreparedVolume(std::move(v), cap, nullptr);
}

PreparedVolume PreparedVolume::with(Volume data) const { return PreparedVolume(std::move(data), cap_, share()); }

void PreparedVolume::prefetch_shape() const {
  // A prefetch reads nothing: the pointer needs no ordering here.
  if (const Shared* s = shape_.load(std::memory_order_relaxed)) prefetch_object(*s);
}

void PreparedVolume::prefetch_shape_arrays() const {
  if (const Shared* s = shape_.load(std::memory_order_acquire)) s->shape.prefetch();
}

const geo::Shape& PreparedVolume::shape() const {
  if (const Shared* s = shape_.load(std::memory_order_acquire)) return s->shape;
  auto built = geo::Shape::build_trusted(geometry);
  // stored() is given only geometries that were validated when stored.
  if (!built) throw std::logic_error("stored geometry of '" + id + "' cannot be prepared: " + built.error().describe());
  return publish_once(shape_, std::make_unique<Shared>(std::move(*built))).shape;
}

}  // namespace deconflict
