// A volume in the world: prepared, immutable once put, and its Feature's
// text, made on its first listing by whichever reader needs it first: most of
// a large store is never listed, and a stored volume never changes, so its
// text never goes stale.
//
//   const StoredVolume* v = world.find(id);
//   if (geo::boxes_meet(index::list_bounds(*v), box)) send(v->text([](const Volume& v) { return write(v); }));
//
// Safe from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "deconflict/prepared_volume.hpp"

namespace deconflict::engine {

class StoredVolume : public PreparedVolume {
 public:
  explicit StoredVolume(PreparedVolume&& v) : PreparedVolume(std::move(v)) {}
  StoredVolume(const StoredVolume&) = delete;
  StoredVolume& operator=(const StoredVolume&) = delete;
  ~StoredVolume();

  /// The volume's text as `write` makes it (the caller's presentation,
  /// format::to_feature's), made on first use; every caller must pass the
  /// same writer.
  std::string_view text(const std::function<std::string(const Volume&)>& write) const;
  /// Asks the processor to fetch what a list reads of the volume (its id,
  /// party and text's pointer), so that a list's cache misses overlap.
  void prefetch_listed() const {
    __builtin_prefetch(&id);
    __builtin_prefetch(&party);
    __builtin_prefetch(&text_);
  }

 private:
  // One pointer (a million stored volumes, most never listed), to one
  // allocation holding the text's size and then its bytes: a list reads a
  // hundred texts, and a std::string's header and bytes were two cache
  // misses each.
  mutable std::atomic<const char*> text_{nullptr};
};

}  // namespace deconflict::engine
