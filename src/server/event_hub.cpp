#include "server/event_hub.hpp"

#include "server/api.hpp"

namespace deconflict::server {

void EventHub::publish(const std::vector<Event>& events) {
  std::map<std::string, std::vector<const Event*>> sent;  // by party: one report (one receipt write) each
  for (const Event& e : events) {
    const auto [first, last] = streams_.equal_range(e.party);
    for (auto it = first; it != last; ++it) {
      auto stream = it->second.lock();
      if (!stream || stream->closed() || stream->takes_drawings()) continue;
      stream->push(Api::frame(e));
      if (sent[e.party].empty() || sent[e.party].back() != &e) sent[e.party].push_back(&e);
    }
  }
  for (const auto& [party, pushed_events] : sent) pushed(party, pushed_events);
  prune();
}

void EventHub::pushed(const std::string& party, const std::vector<const Event*>& events) {
  std::vector<std::string> ids;
  for (const Event* e : events) {
    if (auto id = Api::notice_brought(*e)) ids.push_back(std::move(*id));
  }
  if (!ids.empty()) delivered_(party, std::move(ids));
}

void EventHub::show(const std::string& party, const std::shared_ptr<const TakBatch>& batch) {
  const auto [first, last] = streams_.equal_range(party);
  for (auto it = first; it != last; ++it) {
    auto stream = it->second.lock();
    if (stream && !stream->closed() && stream->takes_drawings()) stream->show(batch);
  }
}

void EventHub::close_unless(const std::function<bool(const std::string& party)>& may_listen) {
  for (auto& [party, weak] : streams_) {
    if (may_listen(party)) continue;
    if (auto stream = weak.lock()) stream->end();
  }
  prune();
}

void EventHub::prune() {
  std::erase_if(streams_, [](const auto& entry) {
    auto stream = entry.second.lock();
    return !stream || stream->closed();
  });
}

}  // namespace deconflict::server
