// Asking the processor for memory ahead of its use, so that the cache misses
// of several objects overlap rather than follow each other.
#pragma once

#include <cstddef>

namespace deconflict {

/// Every cache line of the `bytes` bytes at `p` (64-byte lines); reads
/// nothing, faults on nothing.
inline void prefetch_bytes(const void* p, size_t bytes) {
  const char* c = static_cast<const char*>(p);
  for (size_t line = 0; line < bytes; line += 64) __builtin_prefetch(c + line);
}

/// Every cache line of `x`.
template <typename T>
void prefetch_object(const T& x) {
  prefetch_bytes(&x, sizeof(T));
}

}  // namespace deconflict
