// What one check may cost (DESIGN §12): a budget of work that the geometry
// charges as it goes, so that no request, however its shapes are drawn, can
// hold the server for longer than the budget allows.
//
//   geo::Work work(geo::Work::kDefaultUnits);
//   double d = distance_m(a, b, cutoff, work);
//   if (work.exhausted()) ...   // the answer is void: refuse the request
//
// One unit is about one cheap bound (a few nanoseconds); an exact geodesic
// solution costs kExactUnits. Not thread-safe: one per check; the flag it
// may be cancelled by is read from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>

namespace deconflict::geo {

class Work {
 public:
  /// An exact solution (a point-to-piece distance, a crossing, an azimuth):
  /// measured at about 300 units (bench/worst.sh).
  static constexpr uint64_t kExactUnits = 300;

  explicit Work(uint64_t limit = std::numeric_limits<uint64_t>::max()) : limit_(limit) {}
  /// Charges `units`; false once the budget is exhausted (or cancelled).
  bool spend(uint64_t units) {
    used_ += units;
    if (cancel_ && cancel_->load(std::memory_order_relaxed)) limit_ = 0;
    return used_ <= limit_;
  }
  /// Exhausts the budget as soon as `flag` is set (a server shutting down):
  /// the search stops within a few units, its answer void.
  void cancel_on(const std::atomic<bool>* flag) { cancel_ = flag; }
  bool exhausted() const { return used_ > limit_; }
  uint64_t used() const { return used_; }
  uint64_t limit() const { return limit_; }

 private:
  uint64_t limit_;
  uint64_t used_ = 0;
  const std::atomic<bool>* cancel_ = nullptr;
};

}  // namespace deconflict::geo
