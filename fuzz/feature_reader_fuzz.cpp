// libFuzzer target: the interchange format's reader and validator. Any bytes
// are read as GeoJSON (a Feature, a FeatureCollection or NDJSON); what is
// accepted must be written back (format::to_feature) and read again to the
// same volume (and, read as the store reads it, to the same bounding cap),
// and checked against itself without a crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/world.hpp"
#include "format/feature_reader.hpp"
#include "format/feature_writer.hpp"

using namespace deconflict;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto batch = format::read_features(text);
  if (!batch) return 0;
  for (const PreparedVolume& v : batch->volumes) {
    const std::string written = format::to_feature(v).dump();
    auto again = format::read_features(written);
    if (!again || again->volumes.size() != 1) std::abort();  // what we write, we must read
    if (format::to_feature(again->volumes[0]).dump() != written) std::abort();
    // As the store reads it back: the same bounding cap, without preparing.
    auto stored = format::read_stored_feature(written);
    if (!stored || format::to_feature(*stored).dump() != written) std::abort();
    const BoundingCap &a = stored->cap(), &b = v.cap();
    if (a.x != b.x || a.y != b.y || a.z != b.z || a.radius_rad != b.radius_rad) std::abort();
  }
  if (batch->volumes.size() <= 16) {  // the engine on what the reader let through
    engine::World world;
    world.assign(batch->volumes);  // copies, sharing the prepared shapes
    for (const PreparedVolume& v : batch->volumes) {
      if (v.type == ObjectType::activity) (void)world.check(v, {v.window.start});
    }
  }
  return 0;
}
