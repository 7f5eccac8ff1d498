// A check measured ahead, beside the service's thread (DESIGN §12): the
// exact geometry of a dry run or a declaration is what costs, so a server
// plans it on the service's thread (the index's candidates, pinned: cheap),
// measures it on a worker while the service serves others, and hands it to
// the request, whose check then measures only what changed in between.
//
//   Precheck ahead = view.plan(activity);           // on the service's thread
//   ahead.refine(&stopping);                        // on any thread, the service in use elsewhere
//   PartyView with = service.as(caller, &ahead);    // back on the service's thread
//   with.check(activity);                           // the same answer as without it
//
// The answer is always that of a check of the world as it is when the request
// is served: a volume put or replaced after the plan was not measured ahead
// and is measured then. The work measured ahead counts against the check's
// budget (Options::max_check_work) and is charged to the caller.
//
// refine() may run on any thread, once, while the service is used by others:
// it reads only the volumes it pinned, which nothing changes. Everything else
// belongs to the service's thread. Move-only.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace deconflict {

class Precheck {
 public:
  Precheck();
  ~Precheck();
  Precheck(Precheck&&) noexcept;
  Precheck& operator=(Precheck&&) noexcept;

  /// Measures every planned pair, stopping once the budget is spent or
  /// `cancel` is set (then the check it serves is refused as too complex).
  void refine(const std::atomic<bool>* cancel = nullptr);
  /// Whether there is anything to measure.
  bool planned() const;
  /// The geo::Work units measuring cost so far.
  uint64_t work() const;
  /// The positions measuring would compare, over every planned pair (the
  /// query's and the other's): what the server judges its cost by before
  /// measuring.
  uint64_t positions() const;

 private:
  friend class Service;
  friend class PartyView;
  struct State;
  explicit Precheck(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace deconflict
