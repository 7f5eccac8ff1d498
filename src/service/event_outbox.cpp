#include "service/event_outbox.hpp"

namespace deconflict {

void EventOutbox::publish(std::vector<Event> events) {
  if (events.empty()) return;
  if (holding_) {
    held_.insert(held_.end(), std::make_move_iterator(events.begin()), std::make_move_iterator(events.end()));
  } else if (listener_) {
    listener_(events);
  }
}

void EventOutbox::release() { deliver(take()); }

std::vector<Event> EventOutbox::take() {
  holding_ = false;
  std::vector<Event> events = std::move(held_);
  held_.clear();
  return events;
}

void EventOutbox::drop() {
  holding_ = false;
  held_.clear();
}

}  // namespace deconflict
