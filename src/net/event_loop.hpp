// The event loop: one thread waits on many descriptors and timers at once (lesson 03).
//
// A reactor over Linux epoll, in the spirit of Redis ae.c: a small interface (watch a
// descriptor, run a timer, post work from another thread) and one loop that dispatches
// callbacks. Everything but post() and stop() must be called on the loop's own thread.
//
// Each round ends in one place: the connections that queued output during the round are
// flushed there (one write each: the cork), then their close and drain notifications run. And
// one error policy: no exception from a callback unwinds run(); it goes to the error sink.
// @lesson 03
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <sys/epoll.h>

#if DUPLEX_LESSON >= 12
#include "src/net/buffer_pool.hpp"
#endif
#include "src/net/fd.hpp"

namespace duplex::net {

// What a watch waits for and what a callback is told. The loop always reports errors and
// hang-ups, even when only kReadable or kWritable was asked for (epoll does the same).
inline constexpr std::uint32_t kReadable = 1U << 0;
inline constexpr std::uint32_t kWritable = 1U << 1;
inline constexpr std::uint32_t kSocketError = 1U << 2;
inline constexpr std::uint32_t kHangup = 1U << 3;

using IoCallback = std::function<void(std::uint32_t events)>;
using TimerId = std::uint64_t;
// Receives one line per exception a callback let escape (see set_error_sink).
using ErrorSink = std::function<void(std::string_view message)>;

class Connection;

class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC: wall-clock jumps move no timer

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Descriptors. `fd` stays owned by the caller, who must unwatch it before closing it.
  void watch(int fd, std::uint32_t events, IoCallback callback);
  void modify(int fd, std::uint32_t events);
  void unwatch(int fd);
  bool watching(int fd) const;

  // Timers: the callback runs on the loop thread once the delay has passed. Timers due at the
  // same instant run in the order they were created. net::Timer (timer.hpp) wraps these ids in
  // an object that cancels itself when destroyed; the ids stay for code that wants them raw.
  TimerId run_after(std::chrono::milliseconds delay, std::function<void()> callback);
  TimerId run_every(std::chrono::milliseconds interval, std::function<void()> callback);
  bool cancel(TimerId id);  // false when it already ran (one-shot) or never existed
  // True while `id` may still run: scheduled, or repeating. A one-shot timer is inactive from
  // the moment its callback starts.
  bool timer_pending(TimerId id) const { return timers_.count(id) > 0; }

  // Thread-safe: queue `task` to run on the loop thread and wake the loop.
  void post(std::function<void()> task);

  // Runs until stop(). stop() is thread-safe and may be called before run().
  void run();
  void stop();
  // One round: wait at most `max_wait` (or until the next timer), dispatch, end the round
  // (flushes, then close and drain notifications), return. Tests step the loop with it from
  // their own thread.
  void run_once(std::chrono::milliseconds max_wait);

  // Where exceptions that escaped a callback are reported, one line each:
  // "uncaught exception in <where>: <what>". Default (or null): the line, prefixed with
  // "duplex: ", on stderr. Set it before run(); it runs on the loop thread.
  void set_error_sink(ErrorSink sink) { error_sink_ = std::move(sink); }
  // Reports the exception being handled to the sink. Call it only inside a catch block; for
  // code that runs application callbacks on this loop (Connection, Timer).
  void report_exception(std::string_view where) noexcept;

  bool in_loop_thread() const;
  // The time this round of dispatch started (one clock read per wake-up).
  Clock::time_point now() const noexcept { return now_; }
  std::size_t watch_count() const noexcept { return watches_.size(); }
  std::size_t timer_count() const noexcept { return timers_.size(); }
  // epoll_ctl(EPOLL_CTL_MOD) calls made so far by modify(): a test counts them per request.
  std::uint64_t interest_changes() const noexcept { return interest_changes_; }
#if DUPLEX_LESSON >= 12
  // Buffer storage shared by this loop's connections (buffer_pool.hpp). Loop thread only.
  BufferPool& buffer_pool() noexcept {
    return buffer_pool_;
  }
  // Lesson 12: unwatch without the epoll_ctl, for a caller that closes `fd` next and holds the
  // only descriptor of its socket (no dup, no fork in between): close() takes it off the
  // interest list then (epoll(7)), and an event already on its way is dropped by generation.
  void forget(int fd);
#endif

 private:
  struct Watch {
    int fd;
    std::uint32_t generation;
    std::uint32_t events;
    IoCallback callback;
  };
  struct TimerEntry {
    std::chrono::milliseconds interval;  // zero for a one-shot
    Clock::time_point when;
    std::function<void()> callback;
  };
  struct Deadline {
    Clock::time_point when;
    TimerId id;
    bool operator>(const Deadline& other) const {
      return when != other.when ? when > other.when : id > other.id;
    }
  };

  TimerId add_timer(std::chrono::milliseconds delay, std::chrono::milliseconds interval,
                    std::function<void()> callback);
  int next_timeout_ms(std::chrono::milliseconds max_wait);
  void dispatch_io(int ready);
  void run_timers();
  void run_posted();
  void drain_wakeup();
  void wake();
  void end_round();

  friend class Connection;
  // Connection: flush `connection` and deliver its notifications when this round ends.
  void defer_to_round_end(std::shared_ptr<Connection> connection) {
    round_end_.push_back(std::move(connection));
  }

#if DUPLEX_LESSON >= 12
  // First, so it is destroyed last: connections destroyed with the loop's callbacks and posted
  // tasks still give their storage back to it.
  BufferPool buffer_pool_;
#endif
  Fd epoll_;
  Fd wakeup_;  // eventfd: post() and stop() write to it so epoll_wait returns
  std::unordered_map<int, std::shared_ptr<Watch>> watches_;
  std::uint32_t next_generation_ = 1;
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  std::unordered_map<TimerId, std::shared_ptr<TimerEntry>> timers_;
  TimerId next_timer_ = 1;
  std::uint64_t interest_changes_ = 0;
  Clock::time_point now_;
  std::vector<epoll_event> events_;

  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> wake_pending_{false};
  std::atomic<std::thread::id> owner_;
  ErrorSink error_sink_;

  // The connections to finish at the end of this round, each once (Connection keeps a flag).
  // Two vectors swapped back and forth keep their capacity: no allocation per round. Last, so
  // they are destroyed first, while the rest of the loop is still there for the connections'
  // destructors.
  std::vector<std::shared_ptr<Connection>> round_end_;
  std::vector<std::shared_ptr<Connection>> round_work_;
};

}  // namespace duplex::net
