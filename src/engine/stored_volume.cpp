#include "engine/stored_volume.hpp"

#include <memory>

#include "geo/shape.hpp"

namespace deconflict::engine {

namespace {
// Publishes `made` unless another reader published first; returns the one kept.
template <typename T>
const T& publish_once(std::atomic<const T*>& slot, std::unique_ptr<const T> made) {
  const T* expected = nullptr;
  if (slot.compare_exchange_strong(expected, made.get(), std::memory_order_acq_rel)) return *made.release();
  return *expected;
}
}  // namespace

StoredVolume::~StoredVolume() {
  delete bounds_.load(std::memory_order_acquire);
  delete text_.load(std::memory_order_acquire);
}

const geo::LonLatBounds& StoredVolume::bounds() const {
  if (const auto* b = bounds_.load(std::memory_order_acquire)) return *b;
  const geo::Cap grown = geo::cap_of(cap()).expanded_by(radius.value);
  return publish_once(bounds_, std::make_unique<const geo::LonLatBounds>(geo::bounds_of(grown)));
}

const std::string& StoredVolume::text(const std::function<std::string(const Volume&)>& write) const {
  if (const auto* t = text_.load(std::memory_order_acquire)) return *t;
  return publish_once(text_, std::make_unique<const std::string>(write(*this)));
}

}  // namespace deconflict::engine
