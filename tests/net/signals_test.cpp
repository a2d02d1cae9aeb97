// Tests for SignalWatcher (lesson 03): a signal becomes a callback on the loop thread, and the
// loop can stop on it.
// @lesson 03
#include "src/net/signals.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <vector>

#include "src/net/event_loop.hpp"
#include "tests/support/loop_thread.hpp"

namespace duplex::net {
namespace {

TEST(L03_SignalWatcher, ASignalBecomesACallbackInTheLoop) {
  EventLoop loop;
  std::vector<int> seen;
  SignalWatcher watcher(loop, {SIGUSR1, SIGUSR2},
                        [&](int signal_number) { seen.push_back(signal_number); });
  // raise() sends to this thread, where the watcher blocked the signal: it waits, pending, for
  // the loop to read it from the signalfd instead of running a handler.
  ASSERT_EQ(raise(SIGUSR2), 0);
  EXPECT_TRUE(seen.empty()) << "nothing runs until the loop reads it";
  ASSERT_TRUE(testing::run_until(loop, [&] { return !seen.empty(); }));
  EXPECT_EQ(seen, (std::vector<int>{SIGUSR2}));
}

TEST(L03_SignalWatcher, TheLoopStopsOnASignal) {
  EventLoop loop;
  bool handled = false;
  SignalWatcher watcher(loop, {SIGUSR1}, [&](int) {
    handled = true;
    loop.stop();
  });
  ASSERT_EQ(raise(SIGUSR1), 0);
  loop.run();  // returns because the handler stopped it (the watchdog guards against a hang)
  EXPECT_TRUE(handled);
}

}  // namespace
}  // namespace duplex::net
