// The lock between the line thread and the reads served beside it
// (docs/architecture.md, "Threads"): the line thread holds it alone for each
// of its jobs, the read threads share it while they read the service.
//
//   LineLock lock;
//   { std::unique_lock line(lock); ... a change ... }      // the line thread
//   { std::shared_lock read(lock); ... a read ... }        // a read thread
//
// It prefers the line: once the line thread waits for it, no new reader
// enters, so a flood of reads holds a change back by at most the reads
// already under way (each bounded by its page), never for good. glibc's
// default would let overlapping readers starve it. Thread-safe; not
// recursive.
#pragma once

#include <pthread.h>

namespace deconflict::server {

class LineLock {
 public:
  LineLock();
  ~LineLock();
  LineLock(const LineLock&) = delete;
  LineLock& operator=(const LineLock&) = delete;

  void lock();
  void unlock();
  void lock_shared();
  /// False, at once, while the line thread holds the lock or waits for it.
  bool try_lock_shared();
  void unlock_shared();

 private:
  pthread_rwlock_t lock_;
};

}  // namespace deconflict::server
