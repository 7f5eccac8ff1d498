// The lon/lat boxes of volumes, for lists by bounding box (GET
// /v1/activities?bbox=...): which volumes' bounds meet a box, exactly as
// geo::boxes_meet says, and when.
//
//   RegionIndex regions;
//   regions.insert(&v);                                     // the index does not own volumes
//   std::vector<const PreparedVolume*> found;
//   regions.meeting({38, 33, 38.35, 33.35}, start, end, found);
//
// Beside the 4D VolumeIndex that checks use, whose boxes of geocentric
// directions give a lon/lat box a superset of the volumes that meet it: here
// the boxes are the volumes' own lon/lat bounds (list_bounds()), so a list
// touches only the volumes it returns. The boxes are kept as floats rounded
// outwards (32 bytes an entry, with time as a third dimension); a volume
// whose box comes within kEdgeDeg of the query's edges has its bounds made
// again in doubles and compared exactly. Time is a superset: the caller
// tests half-open windows. A box across the antimeridian is kept, and asked,
// as its two halves.
// Not thread-safe for writes; concurrent queries are safe.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "deconflict/prepared_volume.hpp"
#include "geo/bbox.hpp"

namespace deconflict::index {

/// The box of a volume's cap grown by its radius or buffer: what lists by
/// bounding box compare (all longitudes when it holds a pole).
geo::LonLatBounds list_bounds(const PreparedVolume& v);

class RegionIndex {
 public:
  RegionIndex();
  ~RegionIndex();
  RegionIndex(RegionIndex&&) noexcept;
  RegionIndex& operator=(RegionIndex&&) noexcept;

  void insert(const PreparedVolume* v);
  /// Removes a volume inserted before; false when it was not there.
  bool remove(const PreparedVolume* v);
  /// Replaces the content with these volumes, packed for fast queries.
  void assign(std::span<const PreparedVolume* const> volumes);
  /// Entries held (a box across the antimeridian counts twice).
  size_t size() const;

  /// Appends each volume whose bounds meet `box` (geo::boxes_meet) and whose
  /// window may meet [start, end), once, in no particular order.
  void meeting(const geo::LonLatBounds& box, TimePoint start, TimePoint end,
               std::vector<const PreparedVolume*>& out) const;

 private:
  struct Tree;
  std::unique_ptr<Tree> tree_;
};

}  // namespace deconflict::index
