// Tests for SignalWatcher (lesson 03): a signal becomes a callback on the loop thread, the loop
// can stop on it, and one never read is discarded with the watcher.
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
  // run() returns because the handler stopped it (the watchdog guards against a hang).
  loop.run();
  EXPECT_TRUE(handled);
}

// A signal that arrived and was never read dies with the watcher: restoring the mask must not
// deliver it (for SIGTERM: death, before a program whose loop threw can report why).
volatile sig_atomic_t delivered_by_handler = 0;

TEST(L03_SignalWatcher, ASignalNeverReadIsDiscardedWithTheWatcher) {
  struct sigaction counting {};
  counting.sa_handler = [](int) { delivered_by_handler = 1; };
  struct sigaction previous {};
  ASSERT_EQ(sigaction(SIGUSR1, &counting, &previous), 0);
  delivered_by_handler = 0;
  {
    EventLoop loop;
    bool handled = false;
    SignalWatcher watcher(loop, {SIGUSR1}, [&](int) { handled = true; });
    ASSERT_EQ(raise(SIGUSR1), 0);
    EXPECT_FALSE(handled);
  }
  sigset_t pending;
  sigpending(&pending);
  EXPECT_FALSE(sigismember(&pending, SIGUSR1)) << "still pending after the watcher";
  EXPECT_EQ(delivered_by_handler, 0) << "delivered when the mask was restored";
  sigaction(SIGUSR1, &previous, nullptr);
}

}  // namespace
}  // namespace duplex::net
