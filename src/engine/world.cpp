#include "engine/world.hpp"

#include <algorithm>
#include <cstdint>
#include <thread>

namespace deconflict::engine {
namespace {

// The positions of `items` in the order of the buckets of `table` (a hash
// map or set reserved for them all) that their keys fall in, the copies of
// a key in the order given. Put into the table in that order, a million
// items walk its bucket array from end to end and find each bucket's
// nodes just made, where in the order given each insert cost two or three
// cache misses (half of an opening's last second went to them).
template <typename Table, typename Item, typename KeyOf>
std::vector<uint32_t> in_bucket_order(const Table& table, const std::vector<Item>& items, KeyOf key_of) {
  std::vector<uint32_t> order;
  if (items.size() > UINT32_MAX || table.bucket_count() > UINT32_MAX) {  // beyond 32 bits: as given
    for (size_t i = 0; i < items.size(); ++i) order.push_back(static_cast<uint32_t>(i));
    return order;
  }
  std::vector<uint64_t> keyed;  // bucket << 32 | position
  keyed.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    keyed.push_back(uint64_t{static_cast<uint32_t>(table.bucket(key_of(items[i])))} << 32 | i);
  }
  std::sort(keyed.begin(), keyed.end());
  order.reserve(keyed.size());
  for (const uint64_t k : keyed) order.push_back(static_cast<uint32_t>(k));
  return order;
}

}  // namespace

const StoredVolume& World::put(PreparedVolume v) {
  erase(v.id);
  auto owned = std::make_shared<const StoredVolume>(std::move(v));
  const StoredVolume* raw = owned.get();
  volumes_.emplace(raw->id, std::move(owned));
  count_in(*raw);
  index_.insert(raw);
  if (Regions* regions = built_regions()) (*regions)[static_cast<size_t>(raw->type)].insert(raw);
  return *raw;
}

void World::assign(std::vector<PreparedVolume> volumes) {
  std::vector<std::shared_ptr<const StoredVolume>> owned;
  owned.reserve(volumes.size());
  for (PreparedVolume& v : volumes) owned.push_back(std::make_shared<const StoredVolume>(std::move(v)));
  std::vector<PreparedVolume>().swap(volumes);  // the moved-from shells, before the index is built
  assign(std::move(owned));
}

void World::count_in(const StoredVolume& v) {
  if (auto* set = apart(v.type)) set->insert(&v);
  tally(v, true);
}

void World::count_out(const StoredVolume& v) {
  if (auto* set = apart(v.type)) set->erase(&v);
  tally(v, false);
}

void World::tally(const StoredVolume& v, bool in) {
  PartyTotals& totals = by_party_[v.party];
  const size_t positions = v.geometry.position_count();
  if (in) {
    ++totals.volumes;
    totals.positions += positions;
  } else {
    --totals.volumes;
    totals.positions -= positions;
  }
}

void World::assign(std::vector<std::shared_ptr<const StoredVolume>> volumes) {
  // In the order given (the order they were allocated in), not the hash
  // map's: a million volumes are walked with few cache misses.
  std::vector<const PreparedVolume*> raw;
  raw.reserve(volumes.size());
  for (const auto& owned : volumes) raw.push_back(owned.get());
  // The index is built beside the maps (a second of each for a million
  // volumes, at every opening), again from the map if ids were repeated.
  std::jthread indexing([this, &raw] { index_.assign(raw); });
  volumes_.clear();
  volumes_.reserve(volumes.size());
  forget_regions();
  count_all(volumes);
  std::vector<std::shared_ptr<const StoredVolume>> replaced;  // alive while the index may read them
  const std::vector<uint32_t> order = in_bucket_order(
      volumes_, volumes, [](const std::shared_ptr<const StoredVolume>& v) -> std::string_view { return v->id; });
  for (size_t k = 0; k < order.size(); ++k) {
    // Each volume's id is read at random now: asked for ahead, in two steps
    // (the owning pointer, then the id it points to), the misses overlap.
    if (k + 16 < order.size()) __builtin_prefetch(&volumes[order[k + 16]]);
    if (k + 8 < order.size()) __builtin_prefetch(&volumes[order[k + 8]]->id);
    std::shared_ptr<const StoredVolume>& owned = volumes[order[k]];
    auto [it, inserted] = volumes_.try_emplace(owned->id);
    if (!inserted) {  // a duplicate id: the last one wins, and the key must view its id
      count_out(*it->second);
      replaced.push_back(std::move(it->second));
      volumes_.erase(it);
      it = volumes_.try_emplace(owned->id).first;
    }
    it->second = std::move(owned);
  }
  std::vector<std::shared_ptr<const StoredVolume>>().swap(volumes);
  if (!replaced.empty()) {
    indexing.join();
    replaced.clear();
    raw.clear();
    for (const auto& [id, v] : volumes_) raw.push_back(v.get());
    index_.assign(raw);
  }
}

// Every volume counted in, in the order given: a million volumes, most of
// them no longer in any cache, walked in the order they were allocated in.
void World::count_all(const std::vector<std::shared_ptr<const StoredVolume>>& volumes) {
  by_party_.clear();
  std::array<std::vector<const StoredVolume*>, 2> kept_apart;
  for (const auto& v : volumes) {
    tally(*v, true);
    if (v->type != ObjectType::activity) kept_apart[static_cast<size_t>(v->type)].push_back(v.get());
  }
  for (size_t t = 0; t < apart_.size(); ++t) {
    apart_[t].clear();
    apart_[t].reserve(kept_apart[t].size());
    for (const uint32_t i : in_bucket_order(apart_[t], kept_apart[t], [](const StoredVolume* v) { return v; })) {
      apart_[t].insert(kept_apart[t][i]);
    }
  }
}

bool World::erase(const std::string& id) {
  const auto it = volumes_.find(id);
  if (it == volumes_.end()) return false;
  index_.remove(it->second.get());
  if (Regions* regions = built_regions()) (*regions)[static_cast<size_t>(it->second->type)].remove(it->second.get());
  count_out(*it->second);
  volumes_.erase(it);
  return true;
}

const StoredVolume* World::find(const std::string& id) const {
  const auto it = volumes_.find(id);
  return it == volumes_.end() ? nullptr : it->second.get();
}

std::vector<const StoredVolume*> World::meeting(const geo::LonLatBounds& box, std::optional<ObjectType> type,
                                                TimePoint start, TimePoint end) const {
  const Regions& all = regions();
  std::vector<const PreparedVolume*> found;
  found.reserve(256);  // a page's worth and more, without growing one by one
  for (const ObjectType t : {ObjectType::zone, ObjectType::site, ObjectType::activity}) {
    if (!type || *type == t) all[static_cast<size_t>(t)].meeting(box, start, end, found);
  }
  std::vector<const StoredVolume*> out;
  out.reserve(found.size());
  for (const PreparedVolume* v : found) {
    // The caller reads each one's id next (to sort them), then its party
    // and text: cache misses, overlapped when asked for all at once.
    stored(v)->prefetch_listed();
    out.push_back(stored(v));
  }
  return out;
}

const World::Regions& World::regions() const {
  if (const Regions* built = built_regions()) return *built;
  std::lock_guard building(regions_building_);  // one reader builds, the others wait for it
  if (const Regions* built = built_regions()) return *built;
  std::array<std::vector<const PreparedVolume*>, 3> by_type;
  for (const auto& [id, v] : volumes_) by_type[static_cast<size_t>(v->type)].push_back(v.get());
  auto made = std::make_unique<Regions>();
  for (size_t t = 0; t < by_type.size(); ++t) {
    // In the order of their addresses, close to that they were allocated in:
    // a million volumes read with few cache misses (in the hash map's order,
    // half the time of the build went to them).
    std::sort(by_type[t].begin(), by_type[t].end());
    (*made)[t].assign(by_type[t]);
  }
  regions_.store(made.get(), std::memory_order_release);
  regions_owned_ = std::move(made);
  return *regions_owned_;
}

// The world's thread, with no reader: the indexes are built again when next asked.
void World::forget_regions() {
  regions_.store(nullptr, std::memory_order_relaxed);
  regions_owned_.reset();
}

std::vector<const StoredVolume*> World::of_type(ObjectType type) const {
  if (const auto* set = apart(type)) return {set->begin(), set->end()};
  std::vector<const StoredVolume*> out;
  for (const auto& [id, v] : volumes_) {
    if (v->type == type) out.push_back(v.get());
  }
  return out;
}

std::vector<const StoredVolume*> World::all() const {
  std::vector<const StoredVolume*> out;
  out.reserve(volumes_.size());
  for (const auto& [id, v] : volumes_) out.push_back(v.get());
  return out;
}

std::vector<Conflict> World::check(const PreparedVolume& activity, const CheckContext& context) const {
  geo::Work unlimited;
  return check(activity, context, unlimited);
}

std::shared_ptr<const StoredVolume> World::pin(const std::string& id) const {
  const auto it = volumes_.find(id);
  return it == volumes_.end() ? nullptr : it->second;
}

index::Filter World::check_filter(const Volume& activity, const CheckContext& context) {
  return [&activity, context](const Volume& other) {
    return other.id != activity.id && other.in_force() && any_rule_applies(activity, other, context);
  };
}

// Every activity a site or zone may meet, whatever the rules: an acceptance
// changes which of them the zone binds, but not its geometry.
index::Filter World::met_filter(const Volume& object, TimePoint now) {
  return [&object, now](const Volume& a) {
    return a.type == ObjectType::activity && a.id != object.id && a.party != object.party && a.in_force() &&
           now < a.window.end;
  };
}

std::vector<std::shared_ptr<const StoredVolume>> World::plan(const PreparedVolume& query, TimePoint now) const {
  const index::Filter keep =
      query.type == ObjectType::activity ? check_filter(query, CheckContext{now}) : met_filter(query, now);
  std::vector<const PreparedVolume*> found;
  index_.candidates(query, found);
  std::vector<std::shared_ptr<const StoredVolume>> out;
  for (const PreparedVolume* v : found) {
    if (keep(*v)) out.push_back(volumes_.at(v->id));
  }
  return out;
}

std::vector<Conflict> World::check(const PreparedVolume& activity, const CheckContext& context, geo::Work& work,
                                   const index::Measured* measured) const {
  const index::Filter keep = check_filter(activity, context);
  // Sorted by the other's id here, cheaply, rather than as conflicts later
  // (three strings each); rules() lists the rules in RuleId order, so each
  // other's conflicts come out sorted by rule too.
  std::vector<index::Match> matches = index_.query(activity, keep, work, measured);
  std::sort(matches.begin(), matches.end(),
            [](const index::Match& a, const index::Match& b) { return a.volume->id < b.volume->id; });
  std::vector<Conflict> out;
  out.reserve(matches.size());
  for (const index::Match& m : matches) {
    const Volume& other = *m.volume;
    for (const Rule& rule : rules()) {
      if (rule.other_type != other.type || !rule.applies(activity, other, context)) continue;
      out.push_back(Conflict{
          activity.id, other.id, other.party, rule.id, std::max(activity.window.start, other.window.start),
          std::min(activity.window.end, other.window.end), Metres(m.distance_m), activity.radius + other.radius});
    }
  }
  return out;
}

std::vector<Conflict> World::met_by(const PreparedVolume& object, TimePoint now, geo::Work& work,
                                    const index::Measured* measured) const {
  const auto context_of = [&](const Volume& a) { return CheckContext{a.notified.value_or(now)}; };
  const index::Filter may_meet = met_filter(object, now);
  const auto keep = [&](const Volume& a) { return may_meet(a) && any_rule_applies(a, object, context_of(a)); };
  std::vector<index::Match> matches = index_.query(object, keep, work, measured);
  std::sort(matches.begin(), matches.end(),
            [](const index::Match& a, const index::Match& b) { return a.volume->id < b.volume->id; });
  std::vector<Conflict> out;
  for (const index::Match& m : matches) {
    const Volume& a = *m.volume;
    for (const Rule& rule : rules()) {
      if (rule.other_type != object.type || !rule.applies(a, object, context_of(a))) continue;
      out.push_back(Conflict{object.id, a.id, a.party, rule.id, std::max(a.window.start, object.window.start),
                             std::min(a.window.end, object.window.end), Metres(m.distance_m),
                             a.radius + object.radius});
    }
  }
  return out;
}

}  // namespace deconflict::engine
