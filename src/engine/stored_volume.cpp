#include "engine/stored_volume.hpp"

#include <cstring>
#include <memory>

#include "common/publish_once.hpp"

namespace deconflict::engine {
namespace {

// A text's size, then its bytes, in one allocation.
std::unique_ptr<const char[]> packed(std::string_view text) {
  const size_t size = text.size();
  auto out = std::make_unique_for_overwrite<char[]>(sizeof size + size);
  std::memcpy(out.get(), &size, sizeof size);
  std::memcpy(out.get() + sizeof size, text.data(), size);
  return out;
}

std::string_view unpacked(const char* kept) {
  size_t size = 0;
  std::memcpy(&size, kept, sizeof size);
  return {kept + sizeof size, size};
}

}  // namespace

StoredVolume::~StoredVolume() { delete[] text_.load(std::memory_order_acquire); }

std::string_view StoredVolume::text(const std::function<std::string(const Volume&)>& write) const {
  if (const char* t = text_.load(std::memory_order_acquire)) return unpacked(t);
  return unpacked(publish_once(text_, packed(write(*this))));
}

}  // namespace deconflict::engine
