#include "service/notice_book.hpp"

namespace deconflict {

void NoticeBook::keep(const Notice& n) {
  if (const auto old = by_id_.find(n.id); old != by_id_.end()) pending_.erase({old->second.deadline, n.id});
  if (n.state == NoticeState::pending) pending_.emplace(n.deadline, n.id);
  by_activity_[n.activity_id].insert(n.id);
  by_party_[n.from_party].insert(n.id);
  by_party_[n.to_party].insert(n.id);
  by_id_[n.id] = n;
}

void NoticeBook::clear() {
  by_id_.clear();
  pending_.clear();
  by_activity_.clear();
  by_party_.clear();
}

const Notice* NoticeBook::find(const std::string& id) const {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

std::vector<const Notice*> NoticeBook::all_of(const std::set<std::string>* ids) const {
  std::vector<const Notice*> out;
  if (!ids) return out;
  out.reserve(ids->size());
  for (const std::string& id : *ids) out.push_back(&by_id_.at(id));
  return out;
}

std::vector<const Notice*> NoticeBook::of_activity(const std::string& activity_id) const {
  const auto it = by_activity_.find(activity_id);
  return all_of(it == by_activity_.end() ? nullptr : &it->second);
}

std::vector<const Notice*> NoticeBook::of_version(const std::string& activity_id, int version) const {
  std::vector<const Notice*> out = of_activity(activity_id);
  std::erase_if(out, [version](const Notice* n) { return n->activity_version != version; });
  return out;
}

std::vector<const Notice*> NoticeBook::of_party(const std::string& party) const {
  const auto it = by_party_.find(party);
  return all_of(it == by_party_.end() ? nullptr : &it->second);
}

std::vector<const Notice*> NoticeBook::due(TimePoint now) const {
  std::vector<const Notice*> out;
  for (const auto& [deadline, id] : pending_) {
    if (deadline > now) break;
    out.push_back(&by_id_.at(id));
  }
  return out;
}

}  // namespace deconflict
