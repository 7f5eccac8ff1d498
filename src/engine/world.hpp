// The world: every stored volume, indexed, and the check of one activity
// against it (DESIGN §5).
//
//   World world;
//   world.put(*PreparedVolume::prepare(std::move(zone)));
//   std::vector<Conflict> c = world.check(activity, CheckContext{now});
//
// The world shares its volumes: each is immutable once put, and a holder of
// one (plan(), pin()) keeps it alive after it is replaced or erased, so that
// a check measured off the world's thread stays valid (service::Precheck).
// Not thread-safe for writes; concurrent checks are safe.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "deconflict/conflict.hpp"
#include "deconflict/prepared_volume.hpp"
#include "engine/rules.hpp"
#include "engine/stored_volume.hpp"
#include "index/region_index.hpp"
#include "index/volume_index.hpp"

namespace deconflict::engine {

class World {
 public:
  /// Adds a volume, replacing any with the same id; returns the stored one.
  const StoredVolume& put(PreparedVolume v);
  /// Replaces the whole content (faster than many puts; the 4D index is built
  /// on a second thread beside the maps).
  void assign(std::vector<PreparedVolume> volumes);
  /// Volumes made shared where they were read (one allocation each, with
  /// their count, rather than a second one here).
  void assign(std::vector<std::shared_ptr<const StoredVolume>> volumes);
  bool erase(const std::string& id);
  const StoredVolume* find(const std::string& id) const;
  size_t size() const { return volumes_.size(); }
  /// Every volume, in no particular order.
  std::vector<const StoredVolume*> all() const;
  /// The volumes (of `type`, or of every type) whose lon/lat bounds
  /// (index::list_bounds()) meet the box, exactly, and whose windows may
  /// meet [start, end) (a superset in time: the caller tests windows). The
  /// index of bounds is built at the first such question, once, by
  /// whichever reader asks: safe beside other reads.
  std::vector<const StoredVolume*> meeting(const geo::LonLatBounds& box, std::optional<ObjectType> type,
                                           TimePoint start, TimePoint end) const;
  /// How many volumes a party has.
  size_t count_of(const std::string& party) const {
    const auto it = by_party_.find(party);
    return it == by_party_.end() ? 0 : it->second.volumes;
  }
  /// How many positions (vertices of their shapes) a party's volumes have:
  /// what its objects cost in memory, roughly 150 bytes a position.
  size_t positions_of(const std::string& party) const {
    const auto it = by_party_.find(party);
    return it == by_party_.end() ? 0 : it->second.positions;
  }
  /// The volumes of one type, in no particular order. Zones and sites (few)
  /// are kept apart; activities (most of a large world) are found by a scan.
  std::vector<const StoredVolume*> of_type(ObjectType type) const;

  /// Every conflict of the activity with volumes of other parties, sorted by
  /// the other volume's id and then by rule. The activity itself, if stored,
  /// is not compared with itself.
  /// The geometry's work is charged to `work`: once it is exhausted the
  /// answer is partial and must not be used (the caller refuses the request).
  /// Pairs in `measured` (measured ahead for this activity) are not measured again.
  std::vector<Conflict> check(const PreparedVolume& activity, const CheckContext& context, geo::Work& work,
                              const index::Measured* measured = nullptr) const;
  std::vector<Conflict> check(const PreparedVolume& activity, const CheckContext& context) const;
  /// The other direction (DESIGN §6.1): the stored activities of other parties,
  /// not withdrawn and not ended at `now`, that a new or changed site or zone
  /// puts in conflict, sorted by activity id, then rule. Each conflict is seen
  /// from `object`: its `activity_id` is the object's, `other_id` the activity's.
  std::vector<Conflict> met_by(const PreparedVolume& object, TimePoint now, geo::Work& work,
                               const index::Measured* measured = nullptr) const;

  /// The volumes that a check of `query` at `now` (an activity's check, or
  /// what a site or zone meets) would measure exactly, pinned: a superset,
  /// for measuring ahead of the check off the world's thread.
  std::vector<std::shared_ptr<const StoredVolume>> plan(const PreparedVolume& query, TimePoint now) const;
  /// The stored volume, pinned; null when there is none.
  std::shared_ptr<const StoredVolume> pin(const std::string& id) const;

 private:
  // Keyed by a view of the volume's own id (no copy of a million ids).
  std::unordered_map<std::string_view, std::shared_ptr<const StoredVolume>> volumes_;
  static index::Filter check_filter(const Volume& activity, const CheckContext& context);
  static index::Filter met_filter(const Volume& object, TimePoint now);
  // The set a zone or site is kept in; none for activities.
  const std::unordered_set<const StoredVolume*>* apart(ObjectType type) const {
    return type == ObjectType::activity ? nullptr : &apart_[static_cast<size_t>(type)];
  }
  std::unordered_set<const StoredVolume*>* apart(ObjectType type) {
    return const_cast<std::unordered_set<const StoredVolume*>*>(std::as_const(*this).apart(type));
  }
  // Counts a volume in (or out): its party's totals, and the zones or sites kept apart.
  void count_in(const StoredVolume& v);
  void count_out(const StoredVolume& v);
  // Its party's totals only: counted in, or out.
  void tally(const StoredVolume& v, bool in);
  void count_all(const std::vector<std::shared_ptr<const StoredVolume>>& volumes);
  // Every volume the index holds is a StoredVolume of this world's.
  static const StoredVolume* stored(const PreparedVolume* v) { return static_cast<const StoredVolume*>(v); }
  std::array<std::unordered_set<const StoredVolume*>, 2> apart_;  // zones, sites
  struct PartyTotals {
    size_t volumes = 0;
    size_t positions = 0;
  };
  std::unordered_map<std::string, PartyTotals> by_party_;
  index::VolumeIndex index_;

  // The lon/lat bounds of each type's volumes, for lists (RegionIndex): built
  // at the first list by bounding box, then kept with the world. Most of a
  // large world is never listed by box: nothing is spent on them at opening.
  using Regions = std::array<index::RegionIndex, 3>;  // by ObjectType
  const Regions& regions() const;
  Regions* built_regions() const { return regions_.load(std::memory_order_acquire); }
  void forget_regions();
  mutable std::mutex regions_building_;
  mutable std::atomic<Regions*> regions_{nullptr};
  mutable std::unique_ptr<Regions> regions_owned_;
};

}  // namespace deconflict::engine
