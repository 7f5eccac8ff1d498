// Keeps the service's memory equal to its store, which other writers share:
// a CLI command beside a server (parties added and revoked, imports, a key
// rotated) and other nodes on one PostgreSQL database.
//
//   follower.load();        // on open: every table as of one moment
//   follower.follow();      // before each request: take in what others committed
//   follower.catch_up();    // under the write lock, before a change is checked
//
// It fills the service's owners (world, parties, notices, disclosures,
// probes, messages, the record writer) and publishes the events that other
// writers committed. After a failed group commit memory may hold what the
// store does not: reload_before_next() makes the next follow() load it all
// again. Not thread-safe: the service's thread owns it.
#pragma once

#include <memory>
#include <vector>

#include "deconflict/service.hpp"
#include "engine/stored_volume.hpp"
#include "store/store.hpp"

namespace deconflict {

class StoreFollower {
 public:
  explicit StoreFollower(Service::Impl& s) : s_(s) {}
  StoreFollower(const StoreFollower&) = delete;
  StoreFollower& operator=(const StoreFollower&) = delete;

  /// Loads everything from the store, starting its record if it is new.
  Status load();
  /// Takes in what other writers committed since the last look (or loads
  /// everything, after reload_before_next()).
  Status follow();
  /// Takes in the record from the last entry this service knows to the
  /// store's head, and the rows those entries wrote.
  Status catch_up();
  void reload_before_next() { needs_load_ = true; }
  /// True while memory may hold what the store does not (a failed group's
  /// changes), until the next follow() loads it all again.
  bool loading() const { return needs_load_; }

  /// A stored row as a volume.
  static Result<PreparedVolume> volume_of(const store::StoredObject& row);

 private:
  Result<std::vector<std::shared_ptr<const engine::StoredVolume>>> load_volumes();
  // How many threads read the stored objects and hash the record's tree.
  unsigned load_threads() const;
  Status start_record();
  Status load_record();
  Status check_record_format();
  Status load_recent_statements(int64_t size);
  Status load_parties();
  /// Takes in a record entry that changes what parties were shown or probed.
  void take_in(const RecordEntry& e);

  Service::Impl& s_;
  bool needs_load_ = false;
};

}  // namespace deconflict
