// Tests for TickerProducer and next_tick (lesson 15): one tick sequence whoever produces it.
// The tick script is modelled here (ModelRedis: the lease with its expiry, the stream, the
// floor), and two processes are run against it in every interleaving of their timers, Redis
// running their commands, their answers coming back, and one of them dying: whatever the order,
// the stream holds ids 1, 2, 3 ... with the values next_tick gives, and never two producers'
// ticks for one id.
// @lesson 15
#include "src/app/ticker_producer.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace duplex::app {
namespace {

TEST(L15_TickerProducer, NextTickDependsOnTheLastTickAlone) {
  TickerEvent first = next_tick({});
  EXPECT_EQ(first.id, 1u);
  EXPECT_GE(first.value, kTickerStartValue - 3);
  EXPECT_LE(first.value, kTickerStartValue + 3);
  TickerEvent last{41, 977};
  EXPECT_EQ(next_tick(last).id, 42u);
  EXPECT_EQ(next_tick(last).value, next_tick(last).value) << "the same on every process";
  // The steps are spread over -3..+3, not stuck on one.
  std::set<std::int64_t> steps;
  TickerEvent walk{};
  for (int i = 0; i < 200; ++i) {
    TickerEvent next = next_tick(walk);
    std::int64_t base = walk.id == 0 ? kTickerStartValue : walk.value;
    steps.insert(next.value - base);
    walk = next;
  }
  EXPECT_EQ(steps, (std::set<std::int64_t>{-3, -2, -1, 0, 1, 2, 3}));
}

TEST(L15_TickerProducer, TakesOverFromTheLastTickAndKeepsOneProposalOwed) {
  TickerProducer producer;
  auto first = producer.on_timer();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->id, 0u) << "knowing nothing, it asks";
  EXPECT_FALSE(producer.on_timer()) << "one proposal owed at a time";
  TickerEvent last{7, 1010};
  auto corrected = producer.on_answer({TickAnswer::Kind::kOutOfStep, last});
  ASSERT_TRUE(corrected) << "the lease is held: the next tick goes at once";
  EXPECT_EQ(corrected->id, 8u);
  EXPECT_EQ(corrected->value, next_tick(last).value);
  EXPECT_FALSE(producer.on_answer({TickAnswer::Kind::kProduced, {}}));
  EXPECT_TRUE(producer.producing());
  EXPECT_EQ(producer.produced(), 1u);
  EXPECT_EQ(producer.on_timer()->id, 9u);
  producer.on_no_answer();  // Redis went away with the proposal
  EXPECT_FALSE(producer.producing());
  EXPECT_EQ(producer.on_timer()->id, 0u) << "after silence it asks again";
  EXPECT_FALSE(producer.on_answer({TickAnswer::Kind::kHeld, {}}));
  EXPECT_FALSE(producer.producing());
  EXPECT_EQ(producer.describe(), "last=?");
}

// The tick script of redis_ticker_engine.cpp, as a model: time counts timer fires.
struct ModelRedis {
  std::optional<int> holder;
  int expires = 0;
  int now = 0;
  std::vector<TickerEvent> stream;
  static constexpr int kLease = 2;

  TickAnswer run(int token, const TickerEvent& proposal) {
    if (holder && *holder != token && expires > now) return {TickAnswer::Kind::kHeld, {}};
    holder = token;
    expires = now + kLease;
    TickerEvent last = stream.empty() ? TickerEvent{} : stream.back();
    if (proposal.id != last.id + 1) return {TickAnswer::Kind::kOutOfStep, last};
    stream.push_back(proposal);
    return {TickAnswer::Kind::kProduced, {}};
  }
};

struct ModelProcess {
  TickerProducer producer;
  std::deque<TickerEvent> sent;    // written, not yet run by Redis
  std::deque<TickAnswer> answers;  // run, the answer not yet read
  int fires_left = 0;
  bool dead = false;
};

struct World {
  ModelRedis redis;
  ModelProcess process[2];
  bool killed = false;

  std::string key() const {
    std::string text = std::to_string(redis.now) + "|" +
                       (redis.holder ? std::to_string(*redis.holder) : "-") + "@" +
                       std::to_string(redis.expires) + "|" + std::to_string(redis.stream.size());
    for (const ModelProcess& each : process) {
      text += "|" + each.producer.describe() + " f" + std::to_string(each.fires_left) +
              (each.dead ? " dead" : "");
      for (const TickerEvent& sent : each.sent) text += " s" + std::to_string(sent.id);
      for (const TickAnswer& answer : each.answers) {
        text += " a" + std::to_string(static_cast<int>(answer.kind)) + ":" +
                std::to_string(answer.last.id);
      }
    }
    return text + (killed ? "|k" : "");
  }
};

// The stream is one sequence: ids 1..n, each value next_tick of the one before.
::testing::AssertionResult one_sequence(const std::vector<TickerEvent>& stream) {
  TickerEvent last{};
  for (const TickerEvent& tick : stream) {
    TickerEvent expected = next_tick(last);
    if (tick.id != expected.id || tick.value != expected.value) {
      return ::testing::AssertionFailure()
             << "after " << last.id << " came " << tick.id << " (" << tick.value << "), expected "
             << expected.id << " (" << expected.value << ")";
    }
    last = tick;
  }
  return ::testing::AssertionSuccess();
}

// @anchor lesson15-producer-interleavings
// Every reachable state, depth first (states already seen are not explored twice): each step is
// a process's timer firing (Redis's clock moves with it), Redis running the next command a
// process sent, a process reading its next answer, or, once, process 0 dying (it sends and reads
// nothing more; what it sent may still run). In every state the stream is one sequence (the
// script's doing: it appends only the next tick), and at every end where a living process holds
// the lease a tick was made (the producer's doing: after kOutOfStep it proposes the next tick at
// once).
TEST(L15_TickerProducer, EveryInterleavingOfTwoProcessesMakesOneSequence) {
  World start;
  start.process[0].fires_left = 4;
  start.process[1].fires_left = 4;
  std::set<std::string> seen;
  std::vector<World> stack = {start};
  std::size_t ends = 0;
  std::size_t longest = 0;
  while (!stack.empty()) {
    World world = std::move(stack.back());
    stack.pop_back();
    if (!seen.insert(world.key()).second) continue;
    ASSERT_TRUE(one_sequence(world.redis.stream)) << "state " << world.key();
    bool moved = false;
    for (int p = 0; p < 2; ++p) {
      ModelProcess& each = world.process[p];
      if (!each.dead && each.fires_left > 0) {
        World next = world;
        ModelProcess& mover = next.process[p];
        --mover.fires_left;
        ++next.redis.now;
        if (auto proposal = mover.producer.on_timer()) mover.sent.push_back(*proposal);
        stack.push_back(std::move(next));
        moved = true;
      }
      if (!each.sent.empty()) {
        World next = world;
        ModelProcess& mover = next.process[p];
        mover.answers.push_back(next.redis.run(p, mover.sent.front()));
        mover.sent.pop_front();
        stack.push_back(std::move(next));
        moved = true;
      }
      if (!each.dead && !each.answers.empty()) {
        World next = world;
        ModelProcess& mover = next.process[p];
        TickAnswer answer = mover.answers.front();
        mover.answers.pop_front();
        if (auto again = mover.producer.on_answer(answer)) mover.sent.push_back(*again);
        stack.push_back(std::move(next));
        moved = true;
      }
    }
    if (!world.killed) {
      World next = world;
      next.killed = true;
      next.process[0].dead = true;
      next.process[0].answers.clear();
      stack.push_back(std::move(next));
      moved = true;
    }
    if (!moved) {
      // The lease ends with a living process: its last answer was kOutOfStep (it then proposed
      // the next tick, which found the lease its own) or kProduced. Either way a tick was made.
      const ModelRedis& redis = world.redis;
      if (redis.holder && !world.process[*redis.holder].dead) {
        ASSERT_FALSE(world.redis.stream.empty()) << "nobody ticked: " << world.key();
      }
      ++ends;
      longest = std::max(longest, world.redis.stream.size());
    }
  }
  EXPECT_GT(ends, 100u) << "the exploration reached few ends: the model is wrong";
  EXPECT_GE(longest, 5u) << "no interleaving produced many ticks";
}

// Process 0 produces, then dies (its lease still held); process 1's proposals are refused
// until the lease runs out, and then it continues from the last tick.
TEST(L15_TickerProducer, AnotherProcessTakesOverWhenTheProducerDies) {
  ModelRedis redis;
  TickerProducer a;
  TickerProducer b;
  auto round = [&](int token, TickerProducer& producer) {
    ++redis.now;
    std::optional<TickerEvent> proposal = producer.on_timer();
    while (proposal) proposal = producer.on_answer(redis.run(token, *proposal));
  };
  for (int i = 0; i < 3; ++i) {
    round(0, a);
    round(1, b);
  }
  EXPECT_TRUE(a.producing());
  EXPECT_FALSE(b.producing());
  EXPECT_EQ(redis.stream.size(), 3u);
  // a dies: only b's timer fires from now on. Its proposals are refused until a's lease, renewed
  // by a's last tick, runs out; then it takes over.
  int rounds = 0;
  while (!b.producing() && rounds < 10) {
    round(1, b);
    ++rounds;
  }
  EXPECT_TRUE(b.producing()) << b.describe();
  EXPECT_LE(rounds, ModelRedis::kLease) << "took over later than one lease";
  round(1, b);
  EXPECT_EQ(redis.stream.back().id, redis.stream.size());
  EXPECT_TRUE(one_sequence(redis.stream));
  EXPECT_GE(b.produced(), 2u);
}

}  // namespace
}  // namespace duplex::app
