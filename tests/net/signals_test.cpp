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

// Runs `step`; if it throws (say, the loop's dispatch is an exercise stub not written yet), takes
// the signal still pending first: the watcher's destructor unblocks it, and delivered then it
// would end the whole test run instead of failing this test.
template <typename Step>
void consume_signal_if_it_throws(int signal_number, Step step) {
  try {
    step();
  } catch (...) {
    sigset_t pending;
    sigemptyset(&pending);
    sigaddset(&pending, signal_number);
    timespec no_wait{};
    sigtimedwait(&pending, nullptr, &no_wait);
    throw;
  }
}

TEST(L03_SignalWatcher, ASignalBecomesACallbackInTheLoop) {
  EventLoop loop;
  std::vector<int> seen;
  SignalWatcher watcher(loop, {SIGUSR1, SIGUSR2},
                        [&](int signal_number) { seen.push_back(signal_number); });
  // raise() sends to this thread, where the watcher blocked the signal: it waits, pending, for
  // the loop to read it from the signalfd instead of running a handler.
  ASSERT_EQ(raise(SIGUSR2), 0);
  EXPECT_TRUE(seen.empty()) << "nothing runs until the loop reads it";
  consume_signal_if_it_throws(
      SIGUSR2, [&] { ASSERT_TRUE(testing::run_until(loop, [&] { return !seen.empty(); })); });
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
  consume_signal_if_it_throws(SIGUSR1, [&] { loop.run(); });
  EXPECT_TRUE(handled);
}

}  // namespace
}  // namespace duplex::net
