#include "engine/stored_volume.hpp"

#include <memory>

#include "common/publish_once.hpp"

namespace deconflict::engine {

StoredVolume::~StoredVolume() { delete text_.load(std::memory_order_acquire); }

const std::string& StoredVolume::text(const std::function<std::string(const Volume&)>& write) const {
  if (const std::string* t = text_.load(std::memory_order_acquire)) return *t;
  return publish_once(text_, std::make_unique<const std::string>(write(*this)));
}

}  // namespace deconflict::engine
