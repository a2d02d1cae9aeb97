// Tests for Timer (lesson 03): a timer destroyed or cancelled before it fires never fires,
// start() re-arms, a callback may destroy or restart its own timer, start_every repeats, a moved
// timer keeps its schedule, and the error policy for unbound and bound timers.
// @lesson 03
#include "src/net/timer.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/net/connection.hpp"
#include "src/net/event_loop.hpp"
#include "tests/support/loop_thread.hpp"
#include "tests/support/net_sockets.hpp"

namespace duplex::net {
namespace {

using namespace std::chrono_literals;
using testing::run_until;

TEST(L03_Timer, ADestroyedTimerNeverFires) {
  EventLoop loop;
  bool fired = false;
  bool later = false;
  {
    Timer timer(loop);
    timer.start(0ms, [&] { fired = true; });
    EXPECT_TRUE(timer.active());
  }
  Timer witness(loop);
  witness.start(10ms, [&] { later = true; });
  ASSERT_TRUE(run_until(loop, [&] { return later; }));
  EXPECT_FALSE(fired);
  EXPECT_EQ(loop.timer_count(), 0U);
}

TEST(L03_Timer, StartRearmsAndCancelStops) {
  EventLoop loop;
  std::vector<int> fired;
  Timer timer(loop);
  timer.start(0ms, [&] { fired.push_back(1); });
  timer.start(5ms, [&] { fired.push_back(2); });
  ASSERT_TRUE(run_until(loop, [&] { return !fired.empty(); }));
  EXPECT_EQ(fired, (std::vector<int>{2}));
  EXPECT_FALSE(timer.active()) << "a one-shot timer that ran is inactive";
  timer.start(0ms, [&] { fired.push_back(3); });
  timer.cancel();
  EXPECT_FALSE(timer.active());
  loop.run_once(0ms);
  loop.run_once(0ms);
  EXPECT_EQ(fired, (std::vector<int>{2}));
}

TEST(L03_Timer, TheCallbackMayDestroyItsOwnTimer) {
  // The callback lives in the loop, not in the Timer: destroying the Timer from inside it must
  // not free the code that is running (AddressSanitizer checks).
  EventLoop loop;
  auto timer = std::make_unique<Timer>(loop);
  int runs = 0;
  timer->start_every(1ms, [&] {
    ++runs;
    timer.reset();
  });
  ASSERT_TRUE(run_until(loop, [&] { return runs > 0; }));
  loop.run_once(5ms);
  loop.run_once(5ms);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(loop.timer_count(), 0U);
}

TEST(L03_Timer, TheCallbackMayRestartItsOwnTimer) {
  EventLoop loop;
  Timer timer(loop);
  int runs = 0;
  std::function<void()> again = [&] {
    if (++runs < 3) timer.start(0ms, again);
  };
  timer.start(0ms, again);
  ASSERT_TRUE(run_until(loop, [&] { return runs == 3; }));
  loop.run_once(0ms);
  EXPECT_EQ(runs, 3);
  EXPECT_FALSE(timer.active());
}

TEST(L03_Timer, StartEveryRepeatsUntilCancelled) {
  EventLoop loop;
  Timer timer(loop);
  int runs = 0;
  timer.start_every(1ms, [&] {
    if (++runs == 4) timer.cancel();
  });
  ASSERT_TRUE(run_until(loop, [&] { return runs == 4; }));
  EXPECT_FALSE(timer.active());
  loop.run_once(5ms);
  EXPECT_EQ(runs, 4);
}

TEST(L03_Timer, AMovedTimerKeepsItsScheduleAndTheOldOneIsEmpty) {
  EventLoop loop;
  int runs = 0;
  Timer first(loop);
  first.start(1ms, [&] { ++runs; });
  Timer second(std::move(first));
  EXPECT_FALSE(first.active());  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_TRUE(second.active());
  Timer third(loop);
  third.start(0ms, [&] { runs += 100; });
  third = std::move(second);  // cancels third's own timer, takes second's
  ASSERT_TRUE(run_until(loop, [&] { return runs > 0; }));
  loop.run_once(0ms);
  EXPECT_EQ(runs, 1);
}

TEST(L03_Timer, AnUnboundTimerThatThrowsIsReportedAndTheLoopGoesOn) {
  EventLoop loop;
  std::vector<std::string> reports;
  loop.set_error_sink([&](std::string_view line) { reports.emplace_back(line); });
  Timer failing(loop);
  failing.start(0ms, [] { throw std::runtime_error("timer bug"); });
  bool later = false;
  Timer witness(loop);
  witness.start(5ms, [&] { later = true; });
  ASSERT_TRUE(run_until(loop, [&] { return later; }));
  EXPECT_EQ(reports, (std::vector<std::string>{"uncaught exception in timer: timer bug"}));
}

TEST(L03_Timer, ABoundTimerThatThrowsClosesItsConnection) {
  EventLoop loop;
  std::vector<std::string> reports;
  loop.set_error_sink([&](std::string_view line) { reports.emplace_back(line); });
  auto [peer, server] = testing::tcp_pair();
  auto connection = Connection::create(loop, std::move(server).release_fd());
  bool closed = false;
  CloseReason reason = CloseReason::kClosedByUs;
  connection->set_on_close([&](Connection&, CloseReason why, int) {
    closed = true;
    reason = why;
  });
  connection->start();
  Timer timer(*connection);
  timer.start(0ms, [] { throw std::runtime_error("bound bug"); });
  ASSERT_TRUE(run_until(loop, [&] { return closed; }));
  EXPECT_EQ(reason, CloseReason::kApplicationError);
  EXPECT_EQ(reports, (std::vector<std::string>{"uncaught exception in timer: bound bug"}));
}

TEST(L03_Timer, ABoundTimerHoldsItsConnectionWeaklyAndSkipsAClosedOne) {
  EventLoop loop;
  auto [peer, server] = testing::tcp_pair();
  auto connection = Connection::create(loop, std::move(server).release_fd());
  std::weak_ptr<Connection> weak = connection;
  connection->start();
  bool fired = false;
  Timer timer(*connection);
  timer.start(0ms, [&] { fired = true; });
  connection->abort();
  connection.reset();
  loop.run_once(0ms);
  loop.run_once(0ms);
  EXPECT_TRUE(weak.expired()) << "the timer did not keep the connection alive";
  EXPECT_FALSE(fired);
}

}  // namespace
}  // namespace duplex::net
