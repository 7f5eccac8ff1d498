#include "engine/stored_volume.hpp"

#include <memory>

#include "common/publish_once.hpp"
#include "geo/shape.hpp"

namespace deconflict::engine {

struct StoredVolume::Listed {
  explicit Listed(const geo::LonLatBounds& b) : bounds(b) {}
  ~Listed() { delete text.load(std::memory_order_acquire); }
  geo::LonLatBounds bounds;
  mutable std::atomic<const std::string*> text{nullptr};
};

StoredVolume::~StoredVolume() { delete listed_.load(std::memory_order_acquire); }

const StoredVolume::Listed& StoredVolume::listed() const {
  if (const Listed* l = listed_.load(std::memory_order_acquire)) return *l;
  const geo::Cap grown = geo::cap_of(cap()).expanded_by(radius.value);
  return publish_once(listed_, std::make_unique<const Listed>(geo::bounds_of(grown)));
}

const geo::LonLatBounds& StoredVolume::bounds() const { return listed().bounds; }

const std::string& StoredVolume::text(const std::function<std::string(const Volume&)>& write) const {
  const Listed& l = listed();
  if (const std::string* t = l.text.load(std::memory_order_acquire)) return *t;
  return publish_once(l.text, std::make_unique<const std::string>(write(*this)));
}

}  // namespace deconflict::engine
