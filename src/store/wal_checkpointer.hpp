// Copies the write-ahead log of a SQLite store back into its database file
// on a thread of its own, so that the connection that writes never does it
// inside a commit. SQLite's automatic checkpoint runs in the commit that
// crosses its threshold: a tenth of the writing thread's time under a steady
// load of small writes (docs/performance.md).
//
//   sqlite3_exec(db, "PRAGMA wal_autocheckpoint=0", ...);   // the writer's connection
//   WalCheckpointer checkpoints(path);                      // until destroyed
//
// The checkpoints are PASSIVE: they never wait for, nor block, a reader or
// the writer, and copy what they can. Their failures (a full disk, a busy
// file) are left to the next round; SQLite's last connection to close
// checkpoints what is left. Thread-safe; owns its connection and thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace deconflict::store {

class WalCheckpointer {
 public:
  /// Starts checkpointing the store at `path` every `period`; does nothing
  /// when the store cannot be opened a second time.
  explicit WalCheckpointer(const std::string& path, std::chrono::milliseconds period = std::chrono::milliseconds(200));
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;
  /// False when the store could not be opened a second time.
  bool running() const { return thread_.joinable(); }

 private:
  void run(std::chrono::milliseconds period);

  sqlite3* db_ = nullptr;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace deconflict::store
