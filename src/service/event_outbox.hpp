// Where committed changes leave the service: their events, to the listener
// the server gives it (Service::on_events), and the ids of the objects they
// wrote or disclosed, to the listener of live views (Service::on_touched);
// at once, or, while a group of changes is open (Service::Group), held until
// the group is durable, so that nobody is told of a change a crash could
// still undo.
//
//   outbox.hold();  ... outbox.publish(events, touched) ...;  outbox.release();
//
// Not thread-safe: the service's thread owns it; the listeners are called on it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "deconflict/event.hpp"

namespace deconflict {

class EventOutbox {
 public:
  using Listener = std::function<void(const std::vector<Event>&)>;
  using TouchedListener = std::function<void(const std::vector<std::string>&)>;

  void listen(Listener listener) { listener_ = std::move(listener); }
  void listen_touched(TouchedListener listener) { touched_listener_ = std::move(listener); }
  /// Hands committed (and named) events and the ids of the objects the
  /// commit touched to the listeners, or holds them.
  void publish(std::vector<Event> events, std::vector<std::string> touched = {});
  /// Holds what is published until release() or drop().
  void hold() { holding_ = true; }
  /// Hands on what was held: the group is durable.
  void release();
  /// Stops holding and hands back what was held: the group is committed,
  /// and what it publishes waits for its sync (Service::Group::commit_unsynced).
  Published take();
  /// Hands on at once, held or not (a committed group's, once synced).
  void deliver(const Published& published);
  /// Forgets what was held: the group failed, and its changes with it.
  void drop();

 private:
  Listener listener_;
  TouchedListener touched_listener_;
  bool holding_ = false;
  Published held_;
};

}  // namespace deconflict
