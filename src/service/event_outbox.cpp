#include "service/event_outbox.hpp"

#include <utility>

namespace deconflict {

void EventOutbox::publish(std::vector<Event> events, std::vector<std::string> touched) {
  if (holding_) {
    held_.events.insert(held_.events.end(), std::make_move_iterator(events.begin()),
                        std::make_move_iterator(events.end()));
    held_.touched.insert(held_.touched.end(), std::make_move_iterator(touched.begin()),
                         std::make_move_iterator(touched.end()));
    return;
  }
  deliver(Published{std::move(events), std::move(touched)});
}

void EventOutbox::release() { deliver(take()); }

Published EventOutbox::take() {
  holding_ = false;
  return std::exchange(held_, Published{});
}

void EventOutbox::deliver(const Published& published) {
  if (listener_ && !published.events.empty()) listener_(published.events);
  if (touched_listener_ && !published.touched.empty()) touched_listener_(published.touched);
}

void EventOutbox::drop() {
  holding_ = false;
  held_ = Published{};
}

}  // namespace deconflict
