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

ToLine posting_to(asio::io_context& line) {
  return [&line](std::function<void()> job) { asio::post(line, std::move(job)); };
}

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
      posting_to(line));

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
        posting_to(line));
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
      posting_to(line));
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

namespace deconflict::server {
namespace {

// A read beside the line thread that saw group n is answered only once n and
// every group before it have settled, and learns whether n itself failed.
TEST(Settlements, AReadWaitsForItsGroupAndEveryOneBefore) {
  Settlements settled;
  std::vector<std::pair<int, bool>> answered;  // (the group read, committed)
  const auto read = [&](int group) {
    settled.when_settled(group, [&answered, group](bool committed) { answered.emplace_back(group, committed); });
  };
  read(0);  // before any group: at once
  ASSERT_EQ(answered.size(), 1u);
  read(1);
  read(2);
  read(3);
  settled.settle(2, false);  // group 2 fails while group 1 waits for its sync
  EXPECT_EQ(answered.size(), 1u) << "group 1 has not settled: no read after it may be answered";
  settled.settle(1, true);
  ASSERT_EQ(answered.size(), 3u);
  EXPECT_EQ(answered[1], std::make_pair(1, true));
  EXPECT_EQ(answered[2], std::make_pair(2, false)) << "what group 2 showed was never stored";
  settled.settle(3, true);
  ASSERT_EQ(answered.size(), 4u);
  EXPECT_EQ(answered[3], std::make_pair(3, true));
  read(2);  // a read that saw group 2 after it settled: at once, and told that it failed
  ASSERT_EQ(answered.size(), 5u);
  EXPECT_EQ(answered[4], std::make_pair(2, false));
}

}  // namespace
}  // namespace deconflict::server
