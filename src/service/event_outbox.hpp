// Where committed events leave the service: to the one listener the server
// gives it (Service::on_events), at once, or, while a group of changes is
// open (Service::Group), held until the group is durable, so that nobody is
// told of a change a crash could still undo.
//
//   outbox.hold();  ... outbox.publish(events) ...;  outbox.release();
//
// Not thread-safe: the service's thread owns it; the listener is called on it.
#pragma once

#include <functional>
#include <vector>

#include "deconflict/event.hpp"

namespace deconflict {

class EventOutbox {
 public:
  using Listener = std::function<void(const std::vector<Event>&)>;

  void listen(Listener listener) { listener_ = std::move(listener); }
  /// Hands committed (and named) events to the listener, or holds them.
  void publish(std::vector<Event> events);
  /// Holds what is published until release() or drop().
  void hold() { holding_ = true; }
  /// Hands on what was held: the group is durable.
  void release();
  /// Stops holding and hands back what was held: the group is committed,
  /// and its events wait for its sync (Service::Group::commit_unsynced).
  std::vector<Event> take();
  /// Hands events on at once, held or not (a committed group's, once synced).
  void deliver(const std::vector<Event>& events) {
    if (listener_ && !events.empty()) listener_(events);
  }
  /// Forgets what was held: the group failed, and its changes with it.
  void drop();

 private:
  Listener listener_;
  bool holding_ = false;
  std::vector<Event> held_;
};

}  // namespace deconflict
