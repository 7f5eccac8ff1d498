// What TAK streams show (TAK's streaming protocol, gis/tak_stream.hpp): a
// party's view (PartyView) as Cursor-on-Target drawings, first the whole of
// it a page at a time, then each object whose view changes as commits touch
// it (Service::on_touched). The line thread plans (who sees what, pinned);
// the check pool draws (CotDrawings); the I/O thread's TAK sessions send,
// once what was planned is durable (Pipeline::when_read_is_durable), in the
// order it was planned.
//
//   auto party = feed.login(auth);              // line thread
//   auto batch = feed.page(party->id, after);    // line thread
//   feed.draw(*batch);                           // any thread
//
// Not thread-safe, but for draw(): the line thread owns it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deconflict/service.hpp"
#include "gis/tak_stream.hpp"
#include "server/api.hpp"
#include "server/cot_drawings.hpp"

namespace deconflict::server {

/// One object as a TAK stream shows it.
struct TakItem {
  std::string id;
  /// Null when the object is gone from the party's map: withdrawn, retired,
  /// or out of its view (a session that never showed it shows nothing).
  std::shared_ptr<const Volume> volume;
  std::shared_ptr<const CotDrawing> drawing;  // drawn in the pool (draw())
};

/// What a TAK stream sends next: a page of the party's view, or a change.
struct TakBatch {
  std::vector<TakItem> items;
  std::optional<std::string> next;  // a page's cursor: the view goes on after it
  TimePoint now{};                  // the line's time when planned: the drawings' time
};

class TakFeed {
 public:
  /// Objects in one page at most.
  static constexpr size_t kPageItems = 100;

  /// Each page is charged to its party's `rate` as one request.
  TakFeed(Service& service, CotDrawings& drawings, RateLimiter& rate)
      : service_(service), drawings_(drawings), rate_(rate) {}

  /// The party that TAK's <auth> names, its password its token, now
  /// watched (its view's changes are planned for it); unauthorized
  /// otherwise, the same for an unknown party, a wrong token or a revoked
  /// one. Line thread.
  Result<Party> login(const gis::TakAuth& auth);
  /// A stream of the party's has closed. Line thread.
  void unwatch(const std::string& party);
  /// The objects of the party's view in force whose ids sort after `after`
  /// (empty: from the first), pinned, with the cursor of the next page; it
  /// ends early at CotDrawings::kNewPositionsPerPage not yet drawn.
  /// unauthorized once the party is revoked or not watched; rate_limited
  /// when the party has spent its rate (ask again later). Line thread.
  Result<TakBatch> page(const std::string& party, const std::string& after);
  /// What the touched objects now are in each watched party's view. Line thread.
  std::vector<std::pair<std::string, TakBatch>> touched(const std::vector<std::string>& ids);
  /// Draws what the batch shows that is not drawn yet. Any thread.
  void draw(TakBatch& batch);

 private:
  struct Watched {
    Party party;
    int streams = 0;
  };
  Service& service_;
  CotDrawings& drawings_;
  RateLimiter& rate_;
  std::map<std::string, Watched> watched_;  // by party id
};

}  // namespace deconflict::server
