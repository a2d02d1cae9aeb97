// RedisTickerEngine against a real redis-server (lesson 15): engines on one loop stand for
// duplex-server processes, each feeding its own Ticker. Every Ticker gets the same ticks (ids
// and values), made by one producer; a process started later catches up from the stream, so a
// client that moves to it continues without a gap or a duplicate; when the producer dies another
// takes over from the last tick; a Redis restart pauses the ticks and they resume above the ids
// already seen. Ticks every 10 ms, a lease of 100 ms. Skipped when redis-server is absent.
// @lesson 15
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/app/redis_ticker_engine.hpp"
#include "src/app/ticker.hpp"
#include "src/app/ticker_producer.hpp"
#include "src/net/event_loop.hpp"
#include "tests/redis/redis_server_process.hpp"
#include "tests/support/loop_thread.hpp"

namespace duplex::app {
namespace {

using namespace std::chrono_literals;

// One "process": a Ticker (as the server's first loop has) fed by an engine, and every event
// its subscribers got.
struct Process {
  Process(net::EventLoop& loop, std::uint16_t port)
      : ticker(loop, 10ms, 600),
        engine(loop, net::SocketAddress::from_numeric("127.0.0.1", port), ticker, options()) {
    ticker.subscribe([this](const TickerEvent& event) { seen.push_back(event); });
    engine.start();
  }
  ~Process() {
    engine.stop();
    engine.close();
  }
  static RedisTickerOptions options() {
    RedisTickerOptions options;
    options.interval = 10ms;
    options.lease = 100ms;
    options.client.backoff.min = 5ms;
    options.client.backoff.max = 50ms;
    options.client.backoff.seed = 5;
    return options;
  }
  Ticker ticker;
  RedisTickerEngine engine;
  std::vector<TickerEvent> seen;
};

// Ids strictly one after the other, each value next_tick of the one before: one sequence.
::testing::AssertionResult consecutive(const std::vector<TickerEvent>& events) {
  for (std::size_t i = 1; i < events.size(); ++i) {
    TickerEvent expected = next_tick(events[i - 1]);
    if (events[i].id != expected.id || events[i].value != expected.value) {
      return ::testing::AssertionFailure()
             << "after " << events[i - 1].id << " (" << events[i - 1].value << ") came "
             << events[i].id << " (" << events[i].value << "), expected " << expected.id << " ("
             << expected.value << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

class L15_RedisTickerEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = duplex::testing::start_redis_server();
    if (!server_) GTEST_SKIP() << duplex::testing::kNoRedisServer;
  }
  bool until(const std::function<bool()>& done) {
    return duplex::testing::run_until(loop_, done, 10s);
  }
  std::unique_ptr<Process> process() { return std::make_unique<Process>(loop_, server_->port()); }

  net::EventLoop loop_;
  std::unique_ptr<duplex::testing::RedisServerProcess> server_;
};

// @anchor lesson15-ticker-engine-test
TEST_F(L15_RedisTickerEngine, EveryProcessServesOneSequenceFromOneProducer) {
  auto a = process();
  auto b = process();
  ASSERT_TRUE(until([&] { return a->seen.size() >= 20 && b->seen.size() >= 20; }));
  EXPECT_NE(a->engine.producing(), b->engine.producing()) << "exactly one produces";
  EXPECT_TRUE(consecutive(a->seen));
  EXPECT_TRUE(consecutive(b->seen));
  EXPECT_EQ(a->seen.front().id, 1u);
  // The same ticks on both: b's events are a's, from b's first on.
  ASSERT_TRUE(until([&] { return a->ticker.last_id() == b->ticker.last_id(); }));
  EXPECT_EQ(a->ticker.since(0).back().value, b->ticker.since(0).back().value);

  // A process started now first gets the recent ticks: a client whose last event id came from
  // a asks c for what followed it, and gets exactly what a has after that id.
  std::uint64_t client_saw = a->ticker.last_id() - 5;
  auto c = process();
  ASSERT_TRUE(until([&] { return c->ticker.last_id() >= a->ticker.last_id(); }));
  ASSERT_TRUE(until([&] { return a->ticker.last_id() == c->ticker.last_id(); }));
  auto from_c = c->ticker.since(client_saw);
  auto from_a = a->ticker.since(client_saw);
  ASSERT_FALSE(from_c.empty());
  ASSERT_EQ(from_c.size(), from_a.size());
  for (std::size_t i = 0; i < from_c.size(); ++i) {
    EXPECT_EQ(from_c[i].id, from_a[i].id);
    EXPECT_EQ(from_c[i].value, from_a[i].value);
  }
  EXPECT_EQ(from_c.front().id, client_saw + 1) << "no gap";
  EXPECT_TRUE(consecutive(c->seen));
}

TEST_F(L15_RedisTickerEngine, AnotherProcessTakesOverWhenTheProducerDies) {
  auto a = process();
  ASSERT_TRUE(until([&] { return a->engine.producing() && a->seen.size() >= 5; }));
  auto b = process();
  ASSERT_TRUE(until([&] { return b->seen.size() >= 5; }));
  EXPECT_FALSE(b->engine.producing());
  std::uint64_t produced_by_b = b->engine.produced();
  EXPECT_EQ(produced_by_b, 0u);

  // The producer dies: its connections close, its lease stays until it runs out.
  std::uint64_t last_before = a->ticker.last_id();
  a.reset();
  ASSERT_TRUE(until([&] { return b->engine.producing() && b->engine.produced() >= 10; }))
      << "b never took over";
  EXPECT_TRUE(consecutive(b->seen)) << "the takeover continued from the last tick";
  EXPECT_GT(b->ticker.last_id(), last_before);
}

TEST_F(L15_RedisTickerEngine, ARedisRestartPausesTheTicksAndTheyResumeAboveTheSeenIds) {
  auto a = process();
  auto b = process();
  ASSERT_TRUE(until([&] { return a->seen.size() >= 10 && b->seen.size() >= 10; }));
  server_->stop();
  ASSERT_TRUE(until([&] { return !a->engine.connected() && !b->engine.connected(); }));
  std::uint64_t seen_a = a->ticker.last_id();
  std::uint64_t seen_b = b->ticker.last_id();
  std::uint64_t highest = std::max(seen_a, seen_b);

  server_->start();  // empty: the stream and the lease are gone
  ASSERT_TRUE(until([&] {
    return a->ticker.last_id() >= highest + 10 && b->ticker.last_id() >= highest + 10;
  })) << "the ticks did not resume";
  for (Process* each : {a.get(), b.get()}) {
    for (std::size_t i = 1; i < each->seen.size(); ++i) {
      ASSERT_GT(each->seen[i].id, each->seen[i - 1].id) << "ids went back after the restart";
    }
  }
  // After the restart the sequence continues from the floor: the first tick after it is the
  // next of the highest tick seen, on both (a process that missed the last tick before the
  // restart sees that one id missing, never a duplicate).
  auto after = a->ticker.since(highest);
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after.front().id, highest + 1);
  EXPECT_TRUE(consecutive(after));
}

}  // namespace
}  // namespace duplex::app
