// The Cursor-on-Target drawings of volumes (gis/cot.hpp) for GET /v1/cot
// and TAK streams, each drawn once per revision and state, in the check
// pool, and kept: an outline can take seconds to draw
// (docs/performance.md), which no request may spend on the line thread.
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "deconflict/volume.hpp"

namespace deconflict::server {

/// One volume's drawing: its events, one a line, and their uids.
struct CotDrawing {
  std::string events;
  std::vector<std::string> uids;
};

class CotDrawings {
 public:
  /// The positions of shapes not yet drawn that one page (of GET /v1/cot, or
  /// of a TAK stream) may have drawn, beyond its first (always drawn, so that
  /// every page makes progress): the largest allowed shape takes seconds in
  /// the pool, a page of points none.
  static constexpr size_t kNewPositionsPerPage = 200'000;

  /// The volume's drawing for its present version and state, if it was drawn.
  std::shared_ptr<const CotDrawing> find(const Volume& v) const;
  /// Draws the volume (any thread), keeps it, and returns it; `now` is its events' time.
  std::shared_ptr<const CotDrawing> draw(const Volume& v, TimePoint now);
  /// find(), or draw() when it was not drawn.
  std::shared_ptr<const CotDrawing> drawn(const Volume& v, TimePoint now) {
    auto found = find(v);
    return found ? found : draw(v, now);
  }

 private:
  struct Drawn {
    int version = 0;
    State state = State::none;
    std::shared_ptr<const CotDrawing> drawing;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Drawn> drawn_;  // by volume id
};

}  // namespace deconflict::server
