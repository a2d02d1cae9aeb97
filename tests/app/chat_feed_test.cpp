// Tests for ChatFeed (lesson 15), the merge of a room's Pub/Sub messages and its stream reads:
// every offset delivered once and in order whatever the interleaving of live messages, lost live
// messages, the reads they cause and a member's join read; holes trimmed from the stream
// reported; an epoch change resets; a reconnect reads what was missed.
// @lesson 15
#include "src/app/chat_feed.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace duplex::app {
namespace {

ChatEntry entry(std::uint64_t offset) {
  return {offset, "ada", "m" + std::to_string(offset)};
}

// The stream of a room with `published` messages, of which the first `trimmed` were trimmed.
std::vector<ChatEntry> stream_read(std::uint64_t published, std::uint64_t trimmed, FeedRead read) {
  std::vector<ChatEntry> result;
  std::uint64_t to = read.to == 0 ? published : std::min(read.to, published);
  for (std::uint64_t offset = std::max(read.from, trimmed + 1); offset <= to; ++offset) {
    result.push_back(entry(offset));
  }
  return result;
}

// Everything a feed delivered, with the lost counts, in order: "1 2 lost:2 5".
struct Log {
  void add(const FeedStep& step) {
    if (step.epoch_changed) text += "epoch ";
    if (step.lost != 0) text += "lost:" + std::to_string(step.lost) + " ";
    for (const ChatEntry& delivered : step.deliver) {
      text += std::to_string(delivered.offset) + " ";
      offsets.push_back(delivered.offset);
    }
  }
  std::string text;
  std::vector<std::uint64_t> offsets;
};

TEST(L15_ChatFeed, InOrderLiveMessagesGoStraightThrough) {
  ChatFeed feed;
  Log log;
  for (std::uint64_t offset = 4; offset <= 6; ++offset) {
    FeedStep step = feed.on_live("e", entry(offset));
    EXPECT_FALSE(step.read);
    log.add(step);
  }
  EXPECT_EQ(log.text, "4 5 6 ");  // the first message heard starts the feed
  log.add(feed.on_live("e", entry(5)));
  EXPECT_EQ(log.text, "4 5 6 ");  // a duplicate is dropped
}

// @anchor lesson15-merge-test
// Redis publishes 1..7; the subscriber misses `dropped` of them (never the last: a hole shows
// only when something after it arrives, or on a reconnect). The feed asks for each hole
// to be read; the answer comes after any number of the later live messages (every position),
// and a member's join read of the newest entries lands at every position too. Whatever the
// order, 1..7 come out once each, in order, and nothing is reported lost.
TEST(L15_ChatFeed, EveryInterleavingOfLiveMessagesAndReads) {
  const std::uint64_t published = 7;
  const std::vector<std::set<std::uint64_t>> drops = {{},     {2}, {2, 3},   {2, 5},
                                                      {4, 6}, {6}, {2, 4, 6}};
  int runs = 0;
  for (const auto& dropped : drops) {
    std::vector<std::uint64_t> live;
    for (std::uint64_t offset = 2; offset <= published; ++offset) {
      if (!dropped.contains(offset)) live.push_back(offset);
    }
    // delay: how many live messages pass before a requested read is answered.
    for (std::size_t delay = 0; delay <= live.size(); ++delay) {
      for (std::size_t join_at = 0; join_at <= live.size() + 1; ++join_at) {
        ChatFeed feed;
        Log log;
        log.add(feed.on_live("e", entry(1)));
        std::optional<FeedRead> owed;
        std::size_t owed_for = 0;
        auto answer = [&] {
          FeedRead read = *owed;
          owed.reset();
          FeedStep step = feed.on_read("e", stream_read(published, 0, read), read);
          if (step.read) owed = step.read, owed_for = 0;
          log.add(step);
        };
        for (std::size_t i = 0; i <= live.size(); ++i) {
          if (i == join_at) {
            // The newest three, as they stood when the read ran (up to the live message i).
            std::uint64_t newest = i == 0 ? 1 : live[i - 1];
            std::vector<ChatEntry> read;
            for (std::uint64_t offset = newest > 2 ? newest - 2 : 1; offset <= newest; ++offset) {
              read.push_back(entry(offset));
            }
            FeedStep step = feed.on_read("e", read, std::nullopt);
            if (step.read && !owed) owed = step.read, owed_for = 0;
            log.add(step);
          }
          if (owed && owed_for >= delay) answer();
          if (i == live.size()) break;
          FeedStep step = feed.on_live("e", entry(live[i]));
          if (step.read) owed = step.read, owed_for = 0;
          log.add(step);
          if (owed) ++owed_for;
        }
        while (owed) answer();
        std::vector<std::uint64_t> expected = {1, 2, 3, 4, 5, 6, 7};
        EXPECT_EQ(log.offsets, expected) << "dropped " << dropped.size() << " delay " << delay
                                         << " join at " << join_at << ": " << log.text;
        EXPECT_EQ(log.text.find("lost"), std::string::npos) << log.text;
        ++runs;
      }
    }
  }
  EXPECT_GT(runs, 100);
}

TEST(L15_ChatFeed, AHoleTrimmedFromTheStreamIsReportedLost) {
  ChatFeed feed;
  Log log;
  log.add(feed.on_live("e", entry(1)));
  FeedStep step = feed.on_live("e", entry(6));  // 2..5 missed
  ASSERT_TRUE(step.read);
  EXPECT_EQ(*step.read, (FeedRead{2, 5}));
  log.add(step);
  log.add(feed.on_live("e", entry(7)));
  // The stream was trimmed to its last three (5, 6, 7) meanwhile.
  log.add(feed.on_read("e", stream_read(7, 4, *step.read), step.read));
  EXPECT_EQ(log.text, "1 lost:3 5 6 7 ");
  EXPECT_FALSE(feed.reading());
}

TEST(L15_ChatFeed, TooManyHeldGivesTheHoleUp) {
  ChatFeed feed({.recent = 10, .max_held = 3});
  Log log;
  log.add(feed.on_live("e", entry(1)));
  for (std::uint64_t offset = 3; offset <= 6; ++offset) log.add(feed.on_live("e", entry(offset)));
  EXPECT_EQ(log.text, "1 lost:1 3 4 5 6 ");
}

// @anchor lesson15-epoch-test
TEST(L15_ChatFeed, ANewEpochRestartsTheOffsets) {
  ChatFeed feed;
  Log log;
  log.add(feed.on_live("e1", entry(8)));
  log.add(feed.on_live("e1", entry(9)));
  FeedStep step = feed.on_live("e2", entry(2));  // Redis restarted empty; 1 was missed
  ASSERT_TRUE(step.read);
  EXPECT_EQ(*step.read, (FeedRead{1, 1}));
  log.add(step);
  log.add(feed.on_read("e2", {entry(1)}, step.read));
  EXPECT_EQ(log.text, "8 9 epoch 1 2 ");
  EXPECT_EQ(feed.epoch(), "e2");
  // A read answered in the old epoch after the change restarts nothing it should not: it is
  // another epoch again, which the feed follows (the stream is what it says).
  EXPECT_EQ(feed.last(), 2u);
}

// Redis restarted empty while the subscriber was away, and someone published before it was
// subscribed again: the reconnect's read (from the old epoch's next offset) finds the new epoch,
// and the feed reads that epoch from its start.
TEST(L15_ChatFeed, AReconnectReadThatFindsANewEpochReadsItFromTheStart) {
  ChatFeed feed;
  Log log;
  log.add(feed.on_live("e1", entry(1)));
  log.add(feed.on_live("e1", entry(2)));
  FeedStep step = feed.on_reconnected();
  ASSERT_TRUE(step.read);
  FeedStep found = feed.on_read("e2", {}, step.read);  // XRANGE 3-0 + in the new epoch: nothing
  ASSERT_TRUE(found.read);
  EXPECT_EQ(*found.read, (FeedRead{1, 0}));
  log.add(found);
  log.add(feed.on_read("e2", {entry(1)}, found.read));
  log.add(feed.on_live("e2", entry(2)));
  EXPECT_EQ(log.text, "1 2 epoch 1 2 ");
}

TEST(L15_ChatFeed, AReconnectReadsWhatWasPublishedMeanwhile) {
  ChatFeed feed;
  Log log;
  log.add(feed.on_live("e", entry(1)));
  log.add(feed.on_live("e", entry(2)));
  FeedStep step = feed.on_reconnected();
  ASSERT_TRUE(step.read);
  EXPECT_EQ(*step.read, (FeedRead{3, 0}));
  log.add(feed.on_live("e", entry(5)));  // live again before the read's answer
  log.add(feed.on_read("e", stream_read(5, 0, *step.read), step.read));
  log.add(feed.on_live("e", entry(6)));
  EXPECT_EQ(log.text, "1 2 3 4 5 6 ");

  // The read failed: the next hole asks again.
  ChatFeed other;
  other.on_live("e", entry(1));
  ASSERT_TRUE(other.on_reconnected().read);
  other.on_read_failed();
  EXPECT_TRUE(other.on_live("e", entry(3)).read);
}

// A join's read sent before the room's first message, answered after the feed heard it live:
// the read found no epoch yet. That is older news, not a history lost: nothing resets.
TEST(L15_ChatFeed, AJoinReadFromBeforeTheFirstMessageChangesNothing) {
  ChatFeed feed;
  Log log;
  log.add(feed.on_live("e", entry(1)));
  FeedStep step = feed.on_read("", {}, std::nullopt);
  EXPECT_FALSE(step.epoch_changed) << "an empty read reset the feed";
  EXPECT_FALSE(step.read);
  log.add(step);
  log.add(feed.on_live("e", entry(2)));
  EXPECT_EQ(log.text, "1 2 ");
  EXPECT_EQ(feed.recent_after(0).size(), 2u);
}

TEST(L15_ChatFeed, RecentEntriesForJoins) {
  ChatFeed feed({.recent = 2, .max_held = 10});
  for (std::uint64_t offset = 1; offset <= 4; ++offset) feed.on_live("e", entry(offset));
  auto recent = feed.recent_after(0);
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].offset, 3u);
  EXPECT_EQ(feed.recent_after(3).size(), 1u);
}

}  // namespace
}  // namespace duplex::app
