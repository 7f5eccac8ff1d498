// The lock between the line thread and the read threads (server/line_lock.hpp)
// prefers the line: once it waits, no new read enters, so reads that overlap
// one another cannot hold a change back for good.
#include "server/line_lock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <thread>

namespace deconflict::server {
namespace {

TEST(LineLock, NoReadEntersWhileTheLineWaits) {
  LineLock lock;
  lock.lock_shared();  // a read under way
  std::atomic<bool> line_ran{false};
  std::thread line([&] {
    std::unique_lock held(lock);  // waits for the read
    line_ran = true;
  });
  // Another read tries to enter; once the line waits, it may not (a
  // reader-preferring lock lets it in for as long as reads overlap).
  bool kept_out = false;
  for (int i = 0; i < 5000 && !kept_out; ++i) {
    if (lock.try_lock_shared()) {
      lock.unlock_shared();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    } else {
      kept_out = true;
    }
  }
  EXPECT_TRUE(kept_out) << "a read entered while the line thread waited";
  EXPECT_FALSE(line_ran.load());
  lock.unlock_shared();  // the read under way ends: the line goes first
  line.join();
  EXPECT_TRUE(line_ran.load());
  EXPECT_TRUE(lock.try_lock_shared()) << "reads go on once the line is done";
  lock.unlock_shared();
}

}  // namespace
}  // namespace deconflict::server
