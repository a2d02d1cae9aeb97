// Tests for EventLoop (lesson 03): watches, timers (order, cancel, repeat), posting from other
// threads, stopping, the guards that let callbacks change the loop while it dispatches, and the
// error policy (no exception from a callback unwinds the loop).
// @lesson 03
#include "src/net/event_loop.hpp"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "src/net/fd.hpp"
#include "tests/support/loop_thread.hpp"

namespace duplex::net {
namespace {

using namespace std::chrono_literals;
using testing::run_until;

std::pair<Fd, Fd> unix_pair() {
  int fds[2];
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  return {Fd(fds[0]), Fd(fds[1])};
}

void put_byte(const Fd& fd) {
  ASSERT_EQ(write(fd.get(), "x", 1), 1);
}

TEST(L03_EventLoop, TimersFireInDeadlineOrder) {
  EventLoop loop;
  std::vector<int> fired;
  loop.run_after(30ms, [&] { fired.push_back(30); });
  loop.run_after(10ms, [&] { fired.push_back(10); });
  loop.run_after(20ms, [&] { fired.push_back(20); });
  loop.run_after(0ms, [&] { fired.push_back(0); });
  ASSERT_TRUE(run_until(loop, [&] { return fired.size() == 4; }));
  EXPECT_EQ(fired, (std::vector<int>{0, 10, 20, 30}));
  EXPECT_EQ(loop.timer_count(), 0U);
}

TEST(L03_EventLoop, TimersDueTogetherRunInCreationOrder) {
  EventLoop loop;
  std::vector<int> fired;
  for (int i = 0; i < 10; ++i) loop.run_after(0ms, [&fired, i] { fired.push_back(i); });
  ASSERT_TRUE(run_until(loop, [&] { return fired.size() == 10; }));
  EXPECT_EQ(fired, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(L03_EventLoop, CancelledTimerNeverFires) {
  EventLoop loop;
  std::vector<int> fired;
  TimerId first = loop.run_after(5ms, [&] { fired.push_back(1); });
  TimerId second = loop.run_after(20ms, [&] { fired.push_back(2); });
  EXPECT_TRUE(loop.cancel(first));
  EXPECT_FALSE(loop.cancel(first));
  ASSERT_TRUE(run_until(loop, [&] { return !fired.empty(); }));
  EXPECT_EQ(fired, (std::vector<int>{2}));
  EXPECT_FALSE(loop.cancel(second)) << "a one-shot timer that ran cannot be cancelled";
}

TEST(L03_EventLoop, TimerCallbackMayCancelATimerDueInTheSameRound) {
  EventLoop loop;
  bool victim_ran = false;
  bool done = false;
  TimerId victim = 0;
  loop.run_after(0ms, [&] { EXPECT_TRUE(loop.cancel(victim)); });
  victim = loop.run_after(0ms, [&] { victim_ran = true; });
  loop.run_after(10ms, [&] { done = true; });
  ASSERT_TRUE(run_until(loop, [&] { return done; }));
  EXPECT_FALSE(victim_ran);
}

TEST(L03_EventLoop, RunEveryRepeatsUntilCancelled) {
  EventLoop loop;
  int count = 0;
  TimerId every = 0;
  every = loop.run_every(1ms, [&] {
    if (++count == 3) loop.cancel(every);
  });
  bool done = false;
  ASSERT_TRUE(run_until(loop, [&] { return count == 3; }));
  loop.run_after(20ms, [&] { done = true; });
  ASSERT_TRUE(run_until(loop, [&] { return done; }));
  EXPECT_EQ(count, 3);
}

TEST(L03_EventLoop, ManyCancelledTimersDoNotAccumulate) {
  EventLoop loop;
  for (int i = 0; i < 10000; ++i) loop.cancel(loop.run_after(1h, [] {}));
  EXPECT_EQ(loop.timer_count(), 0U);
  bool fired = false;
  loop.run_after(0ms, [&] { fired = true; });
  EXPECT_TRUE(run_until(loop, [&] { return fired; }));
}

TEST(L03_EventLoop, WatchReportsReadableAndModifyTurnsItOff) {
  EventLoop loop;
  auto [a, b] = unix_pair();
  int calls = 0;
  loop.watch(a.get(), kReadable, [&](std::uint32_t events) {
    EXPECT_TRUE(events & kReadable);
    ++calls;
  });
  put_byte(b);
  ASSERT_TRUE(run_until(loop, [&] { return calls > 0; }));
  // Level-triggered: the unread byte is reported again on the next round.
  int seen = calls;
  loop.run_once(0ms);
  EXPECT_EQ(calls, seen + 1);
  loop.modify(a.get(), 0);
  loop.run_once(0ms);
  EXPECT_EQ(calls, seen + 1);
  EXPECT_TRUE(loop.watching(a.get()));
  loop.unwatch(a.get());
  EXPECT_FALSE(loop.watching(a.get()));
}

TEST(L03_EventLoop, CallbackMayUnwatchItselfAndDestroyWhatItCaptured) {
  // The callback's own std::function is destroyed by unwatch() while it runs; the loop must keep
  // it alive until it returns (AddressSanitizer catches the use-after-free otherwise).
  EventLoop loop;
  auto [a, b] = unix_pair();
  auto captured = std::make_shared<std::vector<int>>(1000, 7);
  int sum = 0;
  loop.watch(a.get(), kReadable, [&loop, &sum, fd = a.get(), captured](std::uint32_t) {
    loop.unwatch(fd);
    sum = (*captured)[999];
  });
  captured.reset();
  put_byte(b);
  ASSERT_TRUE(run_until(loop, [&] { return sum == 7; }));
  EXPECT_EQ(loop.watch_count(), 0U);
}

TEST(L03_EventLoop, StaleEventForAReusedDescriptorIsDropped) {
  // Two sockets ready in one batch. Whichever callback runs first closes the other socket and
  // watches a fresh descriptor that gets the same number. The batch still holds the old
  // socket's event; delivering it to the new watch would be a spurious wake-up at best.
  EventLoop loop;
  auto [a, a_peer] = unix_pair();
  auto [b, b_peer] = unix_pair();
  Fd replacement;
  bool replacement_called = false;
  int first_calls = 0;
  auto close_other = [&](Fd& other) {
    ++first_calls;
    int number = other.get();
    loop.unwatch(number);
    other.reset();
    replacement.reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    ASSERT_EQ(replacement.get(), number) << "the kernel hands out the lowest free number";
    loop.watch(replacement.get(), kReadable, [&](std::uint32_t) { replacement_called = true; });
  };
  loop.watch(a.get(), kReadable, [&](std::uint32_t) {
    loop.unwatch(a.get());
    close_other(b);
  });
  loop.watch(b.get(), kReadable, [&](std::uint32_t) {
    loop.unwatch(b.get());
    close_other(a);
  });
  put_byte(a_peer);
  put_byte(b_peer);
  ASSERT_TRUE(run_until(loop, [&] { return first_calls > 0; }));
  loop.run_once(0ms);
  EXPECT_EQ(first_calls, 1);
  EXPECT_FALSE(replacement_called);
}

TEST(L03_EventLoop, PostFromAnotherThreadRunsOnTheLoopThread) {
  testing::LoopThread thread;
  std::promise<std::thread::id> ran_on;
  auto future = ran_on.get_future();
  thread.loop().post([&] { ran_on.set_value(std::this_thread::get_id()); });
  // Posted tasks run in order, so once call() has run an empty task the first one ran too; call()
  // also rethrows what ended the loop, if something did.
  thread.call([] {});
  ASSERT_EQ(future.wait_for(std::chrono::seconds{0}), std::future_status::ready);
  EXPECT_EQ(future.get(), thread.id());
  EXPECT_NE(thread.id(), std::this_thread::get_id());
  EXPECT_TRUE(thread.call([&] { return thread.loop().in_loop_thread(); }));
  EXPECT_FALSE(thread.loop().in_loop_thread());
}

TEST(L03_EventLoop, PostsFromManyThreadsAllRunInOrderPerThread) {
  testing::LoopThread thread;
  constexpr int kThreads = 4;
  constexpr int kPosts = 2000;
  std::vector<std::vector<int>> seen(kThreads);  // touched only on the loop thread
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&, t] {
      for (int i = 0; i < kPosts; ++i) thread.loop().post([&seen, t, i] { seen[t].push_back(i); });
    });
  }
  for (auto& poster : posters) poster.join();
  // call() posts after every poster's tasks, so it runs after all of them.
  auto sizes = thread.call([&] {
    std::vector<std::size_t> result;
    for (auto& list : seen) result.push_back(list.size());
    return result;
  });
  ASSERT_TRUE(thread.stop());
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(sizes[t], static_cast<std::size_t>(kPosts));
    for (int i = 0; i < kPosts; ++i) ASSERT_EQ(seen[t][i], i);
  }
}

TEST(L03_EventLoop, StopFromAnotherThreadEndsRun) {
  EventLoop loop;
  std::promise<void> returned;
  auto future = returned.get_future();
  std::promise<void> running;
  loop.post([&] { running.set_value(); });
  // An exception that ends run() (a stub of the exercise not written yet) is carried to this
  // thread and rethrown below: escaping the runner thread it would call std::terminate.
  std::thread runner([&] {
    try {
      loop.run();
      returned.set_value();
    } catch (...) {
      returned.set_exception(std::current_exception());
    }
  });
  auto started = running.get_future();
  auto deadline = std::chrono::steady_clock::now() + testing::kLoopTimeout;
  while (started.wait_for(10ms) != std::future_status::ready &&
         future.wait_for(0ms) != std::future_status::ready &&
         std::chrono::steady_clock::now() < deadline) {
  }
  if (future.wait_for(0ms) == std::future_status::ready) {
    runner.join();
    future.get();  // rethrows what ended run()
    FAIL() << "run() returned before anyone called stop()";
  }
  bool ran_the_task = started.wait_for(0ms) == std::future_status::ready;
  loop.stop();
  EXPECT_TRUE(ran_the_task) << "the loop did not run a posted task within "
                            << testing::kLoopTimeout.count() << " ms";
  EXPECT_EQ(future.wait_for(testing::kLoopTimeout), std::future_status::ready);
  runner.join();
}

TEST(L03_EventLoop, StopBeforeRunMakesRunReturnAtOnce) {
  EventLoop loop;
  loop.stop();
  loop.run();  // returns: the stop request was remembered
  bool ran = false;
  loop.post([&] {
    ran = true;
    loop.stop();
  });
  loop.run();  // a loop can run again after a stop
  EXPECT_TRUE(ran);
}

TEST(L03_EventLoop, StopFromACallbackEndsRunAfterTheRound) {
  EventLoop loop;
  int ticks = 0;
  loop.run_every(1ms, [&] {
    if (++ticks == 5) loop.stop();
  });
  loop.run();
  EXPECT_EQ(ticks, 5);
}

TEST(L03_EventLoop, ExceptionsFromEveryKindOfCallbackAreReportedAndTheLoopGoesOn) {
  // An exception that unwound run() would stop every connection of the loop for one bug.
  EventLoop loop;
  std::vector<std::string> reports;
  loop.set_error_sink([&](std::string_view line) { reports.emplace_back(line); });
  auto [a, b] = unix_pair();
  loop.watch(a.get(), kReadable, [](std::uint32_t) { throw std::runtime_error("io"); });
  put_byte(b);
  loop.run_after(0ms, [] { throw std::runtime_error("timer"); });
  loop.post([] { throw 42; });
  loop.run_once(1000ms);
  loop.unwatch(a.get());
  EXPECT_EQ(reports,
            (std::vector<std::string>{"uncaught exception in I/O callback: io",
                                      "uncaught exception in timer: timer",
                                      "uncaught exception in posted task: unknown exception"}));
  bool later = false;
  loop.post([&] { later = true; });
  loop.run_once(0ms);
  EXPECT_TRUE(later);
}

TEST(L03_EventLoop, AnExceptionOnAnotherLoopThreadDoesNotEndTheProcess) {
  // On a second thread, an exception escaping run() would call std::terminate.
  testing::LoopThread thread;
  std::promise<std::string> report;
  auto reported = report.get_future();
  thread.call([&] {
    thread.loop().set_error_sink(
        [&](std::string_view line) { report.set_value(std::string(line)); });
  });
  thread.loop().post([] { throw std::runtime_error("far away"); });
  ASSERT_EQ(reported.wait_for(testing::kLoopTimeout), std::future_status::ready);
  EXPECT_EQ(reported.get(), "uncaught exception in posted task: far away");
  EXPECT_EQ(thread.call([] { return 7; }), 7);
  EXPECT_TRUE(thread.stop());
}

#if DUPLEX_LESSON >= 12
// The descriptors of this process that are epoll instances.
std::set<int> epoll_descriptors() {
  std::set<int> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    auto target = std::filesystem::read_symlink(entry.path(), error);
    if (!error && target.string() == "anon_inode:[eventpoll]") {
      found.insert(std::stoi(entry.path().filename().string()));
    }
  }
  return found;
}

// Whether the kernel's interest list of `epoll_fd` holds `fd`: fdinfo has one line per entry,
// "tfd: <fd> events: ...", the number padded with spaces.
bool registered(int epoll_fd, int fd) {
  std::ifstream info("/proc/self/fdinfo/" + std::to_string(epoll_fd));
  std::string line;
  while (std::getline(info, line)) {
    std::istringstream fields(line);
    std::string key;
    int number = -1;
    if (fields >> key >> number && key == "tfd:" && number == fd) return true;
  }
  return false;
}

TEST(L12_EventLoop, ForgetLeavesTheRegistrationForCloseToRemove) {
  std::set<int> before = epoll_descriptors();
  EventLoop loop;
  std::set<int> after = epoll_descriptors();
  std::vector<int> created;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(created));
  ASSERT_EQ(created.size(), 1U) << "the loop's own epoll descriptor";
  int epoll_fd = created.front();
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  Fd kept(pair[0]);
  Fd peer(pair[1]);
  loop.watch(kept.get(), kReadable, [](std::uint32_t) {});
  ASSERT_TRUE(registered(epoll_fd, kept.get()));
  int number = kept.get();
  loop.forget(number);
  EXPECT_FALSE(loop.watching(number));
  EXPECT_TRUE(registered(epoll_fd, number)) << "forget() made a system call";
  kept.reset();
  EXPECT_FALSE(registered(epoll_fd, number)) << "close() ends the registration";
}
#endif

}  // namespace
}  // namespace duplex::net
