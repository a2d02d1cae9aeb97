// Tests for the lesson-07 Ticker: ids, history, subscribers.
// @lesson 07
#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "src/app/ticker.hpp"
#include "src/net/event_loop.hpp"
#include "tests/support/loop_thread.hpp"

#if DUPLEX_LESSON >= 11
#include "src/app/ticker_relay.hpp"
#endif

namespace duplex {
namespace {

TEST(L07_Ticker, EventsHaveIncreasingIdsAndAreKeptForCatchingUp) {
  net::EventLoop loop;
  app::Ticker ticker(loop, std::chrono::milliseconds(100), 3);
  EXPECT_EQ(ticker.last_id(), 0U);
  for (int i = 0; i < 5; ++i) ticker.publish();
  EXPECT_EQ(ticker.last_id(), 5U);
  auto kept = ticker.since(0);
  ASSERT_EQ(kept.size(), 3U) << "only the last `history` events are kept";
  EXPECT_EQ(kept.front().id, 3U);
  EXPECT_EQ(ticker.since(4).size(), 1U);
  EXPECT_TRUE(ticker.since(5).empty());
  EXPECT_EQ(kept.back().json(), "{\"id\":5,\"value\":" + std::to_string(kept.back().value) + "}");
}

TEST(L07_Ticker, SubscribersMayUnsubscribeWhileAnEventIsDelivered) {
  net::EventLoop loop;
  app::Ticker ticker(loop);
  std::vector<std::uint64_t> seen;
  app::Ticker::SubscriptionId once = 0;
  once = ticker.subscribe([&](const app::TickerEvent& event) {
    seen.push_back(event.id);
    ticker.unsubscribe(once);
  });
  ticker.subscribe([&](const app::TickerEvent& event) { seen.push_back(100 + event.id); });
  ticker.publish();
  ticker.publish();
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 101, 102}));
  EXPECT_EQ(ticker.subscriber_count(), 1U);
}

TEST(L07_Ticker, PublishesOnItsTimer) {
  net::EventLoop loop;
  app::Ticker ticker(loop, std::chrono::milliseconds(5));
  ticker.start();
  EXPECT_TRUE(testing::run_until(loop, [&] { return ticker.last_id() >= 3; }));
  ticker.stop();
}

#if DUPLEX_LESSON >= 11
// Lesson 11 with one loop per core: a follower on another loop thread gets every event of the
// source, in order, with the same ids and values, and delivers them on its own thread.
TEST(L11_TickerRelay, FollowersOnOtherLoopsSeeTheSameEventsInOrder) {
  testing::LoopThread source_loop;
  testing::LoopThread follower_loop;
  app::Ticker source(source_loop.loop());
  app::Ticker follower(follower_loop.loop());
  std::vector<app::TickerEvent> seen;
  int wrong_thread = 0;
  follower_loop.call([&] {
    return follower.subscribe([&](const app::TickerEvent& event) {
      seen.push_back(event);
      if (std::this_thread::get_id() != follower_loop.id()) ++wrong_thread;
    });
  });
  auto relay = source_loop.call([&] {
    auto made = std::make_unique<app::TickerRelay>(source);
    made->add(follower);
    for (int i = 0; i < 5; ++i) source.publish();
    return made;
  });
  EXPECT_EQ(relay->follower_count(), 1U);
  // The relay posted to the follower's loop before this call returned: a call there now runs
  // after every event.
  auto made = source_loop.call([&] { return source.since(0); });
  follower_loop.call([&] {
    EXPECT_EQ(seen.size(), 5U);
    for (std::size_t i = 0; i < seen.size() && i < made.size(); ++i) {
      EXPECT_EQ(seen[i].id, made[i].id);
      EXPECT_EQ(seen[i].value, made[i].value);
    }
    EXPECT_EQ(follower.last_id(), 5U);
    EXPECT_EQ(follower.since(3).size(), 2U) << "a follower keeps its own history for since=N";
    return 0;
  });
  EXPECT_EQ(wrong_thread, 0);
  source_loop.call([&] {
    relay.reset();
    return 0;
  });
}
#endif

}  // namespace
}  // namespace duplex
