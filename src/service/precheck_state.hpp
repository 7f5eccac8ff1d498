// What a Precheck holds (include/deconflict/precheck.hpp): the query, the
// volumes planned against it, pinned, and what measuring them found.
#pragma once

#include <memory>
#include <vector>

#include "deconflict/precheck.hpp"
#include "deconflict/prepared_volume.hpp"
#include "engine/stored_volume.hpp"
#include "geo/work.hpp"
#include "index/volume_index.hpp"

namespace deconflict {

/// A digest of what an exact test reads of a volume (geometry, radius,
/// altitude and time window): a precheck serves only the query it measured.
uint64_t geometric_fingerprint(const Volume& v);

struct Precheck::State {
  // Pinned (a stored object) or borrowed (the request's, alive until served).
  std::shared_ptr<const PreparedVolume> query;
  uint64_t fingerprint = 0;
  std::vector<std::shared_ptr<const engine::StoredVolume>> candidates;
  index::Measured measured;
  geo::Work work;
  bool refined = false;

  /// True when this precheck was measured for `v`.
  bool serves(const Volume& v) const { return refined && fingerprint == geometric_fingerprint(v); }
};

}  // namespace deconflict
