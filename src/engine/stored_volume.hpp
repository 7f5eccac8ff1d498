// A volume in the world: prepared, immutable once put, and what lists derive
// from it (its lon/lat bounds, its Feature's text), made on its first listing
// by whichever reader needs them first: most of a large store is never
// listed, and a stored volume never changes, so neither goes stale.
//
//   const StoredVolume* v = world.find(id);
//   if (geo::boxes_meet(v->bounds(), box)) send(v->text([](const Volume& v) { return write(v); }));
//
// Safe from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "deconflict/prepared_volume.hpp"
#include "geo/bbox.hpp"

namespace deconflict::engine {

class StoredVolume : public PreparedVolume {
 public:
  explicit StoredVolume(PreparedVolume v) : PreparedVolume(std::move(v)) {}
  StoredVolume(const StoredVolume&) = delete;
  StoredVolume& operator=(const StoredVolume&) = delete;
  ~StoredVolume();

  /// The box of the volume's cap grown by its radius or buffer.
  const geo::LonLatBounds& bounds() const;
  /// The volume's text as `write` makes it (the caller's presentation,
  /// format::to_feature's), made on first use; every caller must pass the
  /// same writer.
  const std::string& text(const std::function<std::string(const Volume&)>& write) const;

 private:
  struct Listed;  // what lists derive, made at the first listing
  const Listed& listed() const;
  // One pointer (a million stored volumes, most never listed).
  mutable std::atomic<const Listed*> listed_{nullptr};
};

}  // namespace deconflict::engine
