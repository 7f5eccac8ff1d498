// The syncs of committed groups off the line thread (server/pipeline.hpp):
// nothing waiting for a group runs before a sync begun after its commit.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "server/pipeline.hpp"

namespace deconflict::server {
namespace {

TEST(GroupSyncs, WhatWaitsForAGroupRunsOnlyAfterASyncBegunAfterIt) {
  asio::io_context line;
  auto work = asio::make_work_guard(line);
  std::thread line_thread([&] { line.run(); });

  std::atomic<int> submitted{0};       // groups handed to after_sync
  std::atomic<int> synced_through{0};  // every group up to this one is synced
  std::atomic<int> syncs{0};
  GroupSyncs group_syncs(
      [&]() -> Status {
        const int covered = submitted.load();  // what was written before this sync began
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        ++syncs;
        synced_through = covered;
        return {};
      },
      line);

  constexpr int kGroups = 200;
  std::vector<int> seen_when_answered(kGroups, -1);
  std::atomic<int> answered{0};
  for (int i = 1; i <= kGroups; ++i) {
    asio::post(line, [&, i] {
      submitted = i;
      group_syncs.after_sync(
          [&, i] {
            seen_when_answered[i - 1] = synced_through.load();
            ++answered;
          },
          true);
    });
    if (i % 20 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (int i = 0; i < 2000 && answered < kGroups; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  group_syncs.stop();
  work.reset();
  line_thread.join();

  ASSERT_EQ(answered.load(), kGroups);
  for (int i = 1; i <= kGroups; ++i) EXPECT_GE(seen_when_answered[i - 1], i) << "group " << i << " answered unsynced";
  EXPECT_LT(syncs.load(), kGroups) << "one sync covers the groups that wait together";
}

TEST(GroupSyncs, StoppingSyncsWhatWaits) {
  asio::io_context line;
  int syncs = 0;
  {
    GroupSyncs group_syncs(
        [&]() -> Status {
          ++syncs;
          return {};
        },
        line);
    group_syncs.after_sync([] {}, true);
  }
  EXPECT_EQ(syncs, 1);
  EXPECT_EQ(line.run(), 1u);  // the answer was posted to the line
}

// A group that wrote nothing is answered at once when no sync is waiting,
// and otherwise after the syncs of the groups before it, without one of its own.
TEST(GroupSyncs, AGroupThatWroteNothingWaitsOnlyForTheGroupsBeforeIt) {
  asio::io_context line;
  std::atomic<int> syncs{0};
  std::atomic<bool> release{false};
  GroupSyncs group_syncs(
      [&]() -> Status {
        while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        ++syncs;
        return {};
      },
      line);
  bool read_alone = false;
  group_syncs.after_sync([&] { read_alone = true; }, false);
  EXPECT_TRUE(read_alone) << "nothing to wait for";

  bool wrote = false, read_after = false;
  group_syncs.after_sync([&] { wrote = true; }, true);
  group_syncs.after_sync([&] { read_after = true; }, false);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  line.poll();
  EXPECT_FALSE(read_after) << "a read after an unsynced write waits for its sync";
  release = true;
  group_syncs.stop();
  line.restart();
  line.run();
  EXPECT_TRUE(wrote);
  EXPECT_TRUE(read_after);
  EXPECT_EQ(syncs.load(), 1) << "the group that wrote nothing had no sync of its own";
}

}  // namespace
}  // namespace deconflict::server
