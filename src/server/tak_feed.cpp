#include "server/tak_feed.hpp"

#include "deconflict/party_view.hpp"
#include "server/cot_drawings.hpp"

namespace deconflict::server {

Result<Party> TakFeed::login(const gis::TakAuth& auth) {
  auto party = service_.authenticate(auth.password);
  if (!party || party->id != auth.username) {
    if (party || party.error().code == ErrorCode::not_found) {
      return make_error(ErrorCode::unauthorized, "unknown party, or a wrong or revoked token");
    }
    return party.error();  // the store could not be read
  }
  Watched& w = watched_[party->id];
  w.party = *party;
  ++w.streams;
  return party;
}

void TakFeed::unwatch(const std::string& party) {
  const auto it = watched_.find(party);
  if (it != watched_.end() && --it->second.streams <= 0) watched_.erase(it);
}

Result<TakBatch> TakFeed::page(const std::string& party, const std::string& after) {
  const auto it = watched_.find(party);
  if (it == watched_.end() || !service_.active(party)) {
    return make_error(ErrorCode::unauthorized, "the party is revoked");
  }
  if (rate_.admit(party, std::chrono::steady_clock::now()) > 0) {
    return make_error(ErrorCode::rate_limited, "the party has spent its rate of requests");
  }
  const PartyView view = service_.as(it->second.party);
  auto listed = view.page(ListFilter{}, after, kPageItems);
  if (!listed) return listed.error();
  TakBatch batch{{}, listed->next, service_.now()};
  size_t positions = 0;
  for (const Volume* v : listed->volumes) {
    if (v->in_force() && !drawings_.find(*v)) {
      // The page ends before the drawing budget does (the first is always drawn).
      if (!batch.items.empty() && positions + v->geometry.position_count() > CotDrawings::kNewPositionsPerPage) {
        batch.next = batch.items.back().id;
        break;
      }
      positions += v->geometry.position_count();
    }
    batch.items.push_back({v->id, v->in_force() ? view.pin(*v) : nullptr, nullptr});
  }
  return batch;
}

std::vector<std::pair<std::string, TakBatch>> TakFeed::touched(const std::vector<std::string>& ids) {
  std::vector<std::pair<std::string, TakBatch>> out;
  for (const auto& [id, watched] : watched_) {
    const PartyView view = service_.as(watched.party);
    TakBatch batch{{}, std::nullopt, service_.now()};
    for (const std::string& object : ids) {
      std::shared_ptr<const Volume> shown;
      for (ObjectType type : {ObjectType::zone, ObjectType::site, ObjectType::activity}) {
        auto found = view.find(type, object);
        if (!found) continue;
        if ((*found)->in_force()) shown = view.pin(**found);
        break;  // an id names one object, of one type
      }
      batch.items.push_back({object, std::move(shown), nullptr});
    }
    out.emplace_back(id, std::move(batch));
  }
  return out;
}

void TakFeed::draw(TakBatch& batch) {
  for (TakItem& item : batch.items) {
    if (item.volume) item.drawing = drawings_.drawn(*item.volume, batch.now);
  }
}

}  // namespace deconflict::server
