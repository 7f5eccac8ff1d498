// A spatio-temporal index of volumes with exact refinement.
//
//   VolumeIndex index;
//   index.insert(&zone);                                    // the index does not own volumes
//   auto hits = index.query(activity, [](const Volume& v) { return v.party != "us"; });
//
// Each volume is bounded by a 4D box: the 3D box of its geocentric bounding
// cap (grown by its radius or buffer) and its time window. A query takes the
// boxes that overlap the query's box (a PackedTree for the volumes given to
// assign(), a Boost.Geometry R*-tree for those inserted after), keeps those
// the caller's filter accepts, and refines them exactly: time windows and
// altitude bands overlap (half-open), and the geodesic distance between the
// geometries is at most r_A + r_B (DESIGN §4). The shapes of the pairs left
// for the last test are asked for together before any is measured. The volumes must outlive their
// entries. Not thread-safe for writes; concurrent queries are safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "deconflict/prepared_volume.hpp"
#include "geo/bbox.hpp"
#include "geo/shape.hpp"
#include "geo/work.hpp"

namespace deconflict::index {

struct Match {
  const PreparedVolume* volume = nullptr;
  double distance_m = 0;  // between the geometries
};

using Filter = std::function<bool(const Volume&)>;

/// Exact tests made ahead (service::Precheck): for each volume, by address,
/// the distance between the geometries when the two volumes intersect, or
/// nothing when they do not. Valid only for the query it was measured for,
/// and only while each volume it names is alive (its holder pins them).
using Measured = std::unordered_map<const PreparedVolume*, std::optional<double>>;

/// The cap of a volume's geometry grown by its radius or buffer: every
/// place the volume reaches. Both indexes bound a volume by it.
geo::Cap reach_of(const PreparedVolume& v);

/// The exact test: a Match when the two volumes intersect in all four
/// dimensions. The geometry's work is charged to `work`; once it is
/// exhausted the answer means nothing.
std::optional<Match> intersect(const PreparedVolume& query, const PreparedVolume& other, geo::Work& work);
std::optional<Match> intersect(const PreparedVolume& query, const PreparedVolume& other);

/// The same answer as VolumeIndex::query, by scanning every volume; stops
/// early (with a partial answer) once `work` is exhausted. A volume in
/// `measured` is not tested again: its answer is taken from there.
std::vector<Match> brute_force(std::span<const PreparedVolume* const> volumes, const PreparedVolume& query,
                               const Filter& keep, geo::Work& work, const Measured* measured = nullptr);
std::vector<Match> brute_force(std::span<const PreparedVolume* const> volumes, const PreparedVolume& query,
                               const Filter& keep);

class VolumeIndex {
 public:
  VolumeIndex();
  ~VolumeIndex();
  VolumeIndex(VolumeIndex&&) noexcept;
  VolumeIndex& operator=(VolumeIndex&&) noexcept;

  void insert(const PreparedVolume* v);
  /// Removes an entry inserted before; false when it was not there.
  bool remove(const PreparedVolume* v);
  /// Replaces the content with these volumes, packed for fast queries.
  void assign(std::span<const PreparedVolume* const> volumes);
  size_t size() const;

  /// Volumes whose bounding boxes overlap the query's, and a few within a step of it (the
  /// packed tree keeps its boxes quantized): a superset of the answer.
  void candidates(const PreparedVolume& query, std::vector<const PreparedVolume*>& out) const;
  /// Every volume that `keep` accepts and that intersects the query exactly,
  /// in no particular order; partial once `work` is exhausted. Those in
  /// `measured` are not tested again.
  std::vector<Match> query(const PreparedVolume& query, const Filter& keep, geo::Work& work,
                           const Measured* measured = nullptr) const;
  std::vector<Match> query(const PreparedVolume& query, const Filter& keep) const;

 private:
  struct Tree;
  std::unique_ptr<Tree> tree_;
};

}  // namespace deconflict::index
