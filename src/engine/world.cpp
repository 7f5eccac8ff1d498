#include "engine/world.hpp"

#include <algorithm>

namespace deconflict::engine {

const Volume& World::put(Volume v) {
  erase(v.id);
  auto owned = std::make_unique<Volume>(std::move(v));
  const Volume* raw = owned.get();
  volumes_.emplace(raw->id, std::move(owned));
  by_type_[static_cast<size_t>(raw->type)].insert(raw);
  ++count_by_party_[raw->party];
  index_.insert(raw);
  return *raw;
}

void World::assign(std::vector<Volume> volumes) {
  std::vector<std::unique_ptr<Volume>> owned;
  owned.reserve(volumes.size());
  for (Volume& v : volumes) owned.push_back(std::make_unique<Volume>(std::move(v)));
  std::vector<Volume>().swap(volumes);  // the moved-from shells, before the index is built
  assign(std::move(owned));
}

void World::assign(std::vector<std::unique_ptr<Volume>> volumes) {
  volumes_.clear();
  volumes_.reserve(volumes.size());
  for (std::unique_ptr<Volume>& owned : volumes) {
    auto [it, inserted] = volumes_.try_emplace(owned->id);
    if (!inserted) {  // a duplicate id: the last one wins, and the key must view its id
      volumes_.erase(it);
      it = volumes_.try_emplace(owned->id).first;
    }
    it->second = std::move(owned);
  }
  std::vector<std::unique_ptr<Volume>>().swap(volumes);
  std::array<size_t, 3> of_type{};
  for (const auto& [id, v] : volumes_) ++of_type[static_cast<size_t>(v->type)];
  for (size_t t = 0; t < by_type_.size(); ++t) {
    by_type_[t].clear();
    by_type_[t].reserve(of_type[t]);
  }
  count_by_party_.clear();
  std::vector<const Volume*> raw;
  raw.reserve(volumes_.size());
  for (const auto& [id, v] : volumes_) {
    raw.push_back(v.get());
    by_type_[static_cast<size_t>(v->type)].insert(v.get());
    ++count_by_party_[v->party];
  }
  index_.assign(raw);
}

bool World::erase(const std::string& id) {
  const auto it = volumes_.find(id);
  if (it == volumes_.end()) return false;
  index_.remove(it->second.get());
  by_type_[static_cast<size_t>(it->second->type)].erase(it->second.get());
  --count_by_party_[it->second->party];
  volumes_.erase(it);
  return true;
}

const Volume* World::find(const std::string& id) const {
  const auto it = volumes_.find(id);
  return it == volumes_.end() ? nullptr : it->second.get();
}

std::vector<const Volume*> World::all() const {
  std::vector<const Volume*> out;
  out.reserve(volumes_.size());
  for (const auto& [id, v] : volumes_) out.push_back(v.get());
  return out;
}

std::vector<Conflict> World::check(const Volume& activity, const CheckContext& context) const {
  const auto keep = [&](const Volume& other) {
    return other.id != activity.id && other.state != "withdrawn" && any_rule_applies(activity, other, context);
  };
  std::vector<Conflict> out;
  for (const index::Match& m : index_.query(activity, keep)) {
    const Volume& other = *m.volume;
    for (const Rule& rule : rules()) {
      if (rule.other_type != other.type || !rule.applies(activity, other, context)) continue;
      out.push_back(Conflict{activity.id, other.id, other.party, rule.id,
                             std::max(activity.window.start, other.window.start),
                             std::min(activity.window.end, other.window.end), Metres(m.distance_m),
                             activity.radius + other.radius});
    }
  }
  std::sort(out.begin(), out.end(), [](const Conflict& a, const Conflict& b) {
    return a.other_id != b.other_id ? a.other_id < b.other_id : a.rule < b.rule;
  });
  return out;
}

}  // namespace deconflict::engine
