// The Cursor-on-Target drawings of volumes (gis/cot.hpp) for GET /v1/cot,
// each drawn once per revision and state, in the check pool, and kept: an
// outline can take seconds to draw (docs/performance.md), which no request
// may spend on the line thread. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "deconflict/volume.hpp"

namespace deconflict::server {

class CotDrawings {
 public:
  /// The volume's events as drawn for its present version and state, if they are.
  std::shared_ptr<const std::string> find(const Volume& v) const;
  /// Draws the volume's events (any thread) and keeps them; `now` is their time.
  void draw(const Volume& v, TimePoint now);

 private:
  struct Drawn {
    int version = 0;
    State state = State::none;
    std::shared_ptr<const std::string> events;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Drawn> drawn_;  // by volume id
};

}  // namespace deconflict::server
