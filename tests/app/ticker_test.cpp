// Tests for the lesson-07 Ticker: ids, history, subscribers.
#include <gtest/gtest.h>

#include <vector>

#include "src/app/ticker.hpp"
#include "src/net/event_loop.hpp"
#include "tests/support/loop_thread.hpp"

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

}  // namespace
}  // namespace duplex
