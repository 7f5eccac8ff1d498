// The live streams of the I/O thread, by party: server-sent event streams
// (GET /v1/events) and TAK streams (server/tak_session.hpp). Committed events
// go to the event streams of the party they are for, a TAK batch to the TAK
// streams of its party; a party has one quota of streams of both kinds.
// I/O thread only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "deconflict/event.hpp"

namespace deconflict::server {

struct TakBatch;

// What the hub pushes to: one open stream.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual bool closed() const = 0;
  virtual void end() = 0;  // closes the stream now
  /// An event stream's: queues one server-sent event's frame.
  virtual void push(std::string frame) = 0;
  /// True for a TAK stream, which takes drawings (show()) and no events.
  virtual bool takes_drawings() const { return false; }
  /// A TAK stream's: shows what the batch holds.
  virtual void show(const std::shared_ptr<const TakBatch>& /*batch*/) {}
};

class EventHub {
 public:
  /// Told (on the I/O thread) of the notices pushed to a party's open stream.
  using Delivered = std::function<void(const std::string& party, std::vector<std::string> notice_ids)>;
  /// A party has at most `max_streams_per_party` streams, of both kinds together.
  EventHub(Delivered delivered, size_t max_streams_per_party)
      : delivered_(std::move(delivered)), max_streams_per_party_(max_streams_per_party) {}

  /// True when the party has all the streams it may have open: one more is refused.
  bool full(const std::string& party) {
    prune();
    return streams_.count(party) >= max_streams_per_party_;
  }
  void subscribe(const std::string& party, const std::shared_ptr<StreamSink>& stream) {
    streams_.emplace(party, stream);
  }
  /// Pushes each event to the open event streams of its party.
  void publish(const std::vector<Event>& events);
  /// Tells of the notices among `events` (all the party's) that were pushed.
  void pushed(const std::string& party, const std::vector<const Event*>& events);
  /// Shows a batch on the party's open TAK streams.
  void show(const std::string& party, const std::shared_ptr<const TakBatch>& batch);
  /// Ends every stream of a party that may no longer listen (revoked).
  void close_unless(const std::function<bool(const std::string& party)>& may_listen);

 private:
  // Forgets the streams that are gone or closed.
  void prune();

  std::multimap<std::string, std::weak_ptr<StreamSink>> streams_;
  Delivered delivered_;
  size_t max_streams_per_party_;
};

}  // namespace deconflict::server
