// A value derived once from an immutable object, by whichever of concurrent
// readers needs it first: each reader that finds the slot empty makes one,
// one of them is published, and the others drop theirs.
//
//   if (const T* t = slot.load(std::memory_order_acquire)) return *t;
//   return publish_once(slot, std::make_unique<T>(make()));
//
// The slot's owner deletes what it holds.
#pragma once

#include <atomic>
#include <memory>

namespace deconflict {

/// Publishes `made` in `slot` unless another reader published first; returns the one kept.
template <typename T>
T& publish_once(std::atomic<T*>& slot, std::unique_ptr<T> made) {
  T* expected = nullptr;
  if (slot.compare_exchange_strong(expected, made.get(), std::memory_order_acq_rel)) return *made.release();
  return *expected;
}

/// The same for an array (`slot` points at its first element).
template <typename T>
T* publish_once(std::atomic<T*>& slot, std::unique_ptr<T[]> made) {
  T* expected = nullptr;
  if (slot.compare_exchange_strong(expected, made.get(), std::memory_order_acq_rel)) return made.release();
  return expected;
}

}  // namespace deconflict
