// Events on the line and messages between parties (DESIGN §6).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "deconflict/units.hpp"

namespace deconflict {

/// Something a party is told: `notice`, `acknowledged`, `objected`, `overdue`,
/// `withdrawn`, `message` or `probe`. The store orders every party's events in
/// one sequence (`seq`); a party sees only its own events' opaque ids, which
/// tell nothing of how many others were told anything in between.
struct Event {
  int64_t seq = 0;    // the store's order, assigned when committed; never shown to a party
  std::string party;  // who is told
  std::string type;
  std::string data;  // a JSON object: the notice, the message, or the withdrawn activity
  TimePoint created;
  std::string id;  // what the party is shown: opaque, its own (PartyView::events resumes after it)
};

/// What one commit made known, handed on once it is durable: its events,
/// each for its party (Service::on_events), and the ids of the objects it
/// wrote or disclosed (Service::on_touched): the objects whose view some
/// party may now see changed, which live views (TAK streams) redraw.
struct Published {
  std::vector<Event> events;
  std::vector<std::string> touched;
};

/// A free-text message from one party to another, optionally about an object.
struct Message {
  std::string id;
  std::string from_party;
  std::string to_party;
  std::string text;
  std::string about;  // an object's id, or empty
  TimePoint created;
};

}  // namespace deconflict
