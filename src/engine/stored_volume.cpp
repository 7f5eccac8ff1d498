#include "engine/stored_volume.hpp"

#include <cstring>
#include <memory>

namespace deconflict::engine {
namespace {

// A text's size, then its bytes, in one allocation.
std::unique_ptr<char[]> packed(std::string_view text) {
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

// Made by whichever reader needs it first; one of those made is kept, the
// others dropped.
std::string_view StoredVolume::text(const std::function<std::string(const Volume&)>& write) const {
  if (const char* t = text_.load(std::memory_order_acquire)) return unpacked(t);
  std::unique_ptr<char[]> made = packed(write(*this));
  const char* kept = nullptr;
  if (text_.compare_exchange_strong(kept, made.get(), std::memory_order_acq_rel)) return unpacked(made.release());
  return unpacked(kept);
}

}  // namespace deconflict::engine
