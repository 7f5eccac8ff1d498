// A volume ready for the checks: its geometry validated (DESIGN §3-§4) and
// prepared (the geodesic edges, their caps and the piece tree the exact
// tests walk).
//
//   Result<PreparedVolume> p = PreparedVolume::prepare(std::move(volume));
//   view.declare(std::move(*p));            // or view.check(*p), service.import(...)
//   PreparedVolume next = p->with(changed); // the same geometry, other data: shares it
//
// Preparing costs O(n log n) in the geometry's positions, so a front end
// prepares on a worker thread and hands the result over: the service's
// thread never prepares a declaration's geometry twice. The readers of
// format/ hand over the volume prepared, as they validate it.
//
// A PreparedVolume is a Volume (its data, a plain value) and its prepared
// shape, immutable and shared by its copies and by the versions made with
// with(). A stored volume's (stored()) is built on first use, by whichever
// reader needs it first. Every method is safe from any thread; as for any
// value, one must not be assigned or destroyed while others read it.
#pragma once

#include <atomic>
#include <memory>

#include "deconflict/geometry.hpp"
#include "deconflict/status.hpp"
#include "deconflict/volume.hpp"

namespace deconflict {

namespace geo {
class Shape;
}

class PreparedVolume : public Volume {
 public:
  /// Validates the geometry (closed, simple rings; holes inside; polygons
  /// within 80° of their centre...) and prepares it; an error names the field.
  static Result<PreparedVolume> prepare(Volume v);
  /// A geometry validated when it was stored: only its bounding cap now when
  /// no edge is long, the rest on first use (a million volumes open fast).
  /// Errors are the structural ones (a store's row that was not written by
  /// deconflict).
  static Result<PreparedVolume> stored(Volume&& v);
  /// The same with the bounding cap it was stored with (cap() when it was
  /// written): only the geometry's structure is checked now, and nothing
  /// computed of it until first use. A cap that is not one (not finite, not
  /// a unit direction, a radius outside [0, pi]) is ignored and computed.
  static Result<PreparedVolume> stored(Volume&& v, const BoundingCap& cap);

  PreparedVolume(const PreparedVolume& o);
  PreparedVolume(PreparedVolume&& o) noexcept;
  PreparedVolume& operator=(const PreparedVolume& o);
  PreparedVolume& operator=(PreparedVolume&& o) noexcept;
  ~PreparedVolume();

  /// `data` with this volume's prepared geometry, which it shares: `data`
  /// must have the same geometry (a new state, version or answers).
  PreparedVolume with(Volume data) const;

  /// The prepared geometry (built now if it was not yet).
  const geo::Shape& shape() const;
  /// The geometry's bounding cap, known without building the shape.
  const BoundingCap& cap() const { return cap_; }

  /// Ask the processor for the prepared shape's object, then (a little
  /// later, once it has come) for its arrays; nothing when no shape is built
  /// yet. A check that will measure several volumes asks for all of theirs
  /// first, so that their cache misses overlap rather than follow each other.
  void prefetch_shape() const;
  void prefetch_shape_arrays() const;

 private:
  struct Shared;  // a shape and the count of volumes that hold it
  PreparedVolume(Volume&& v, BoundingCap cap, Shared* shape);
  Shared* share() const;

  BoundingCap cap_;
  // One pointer (a million stored volumes): null until a stored volume's
  // shape is built, then set once.
  mutable std::atomic<Shared*> shape_{nullptr};
};

}  // namespace deconflict
