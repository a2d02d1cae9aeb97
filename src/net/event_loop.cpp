// The event loop (lesson 03): epoll for descriptors, a min-heap for timers, an eventfd for
// work posted from other threads, the end of each round (flushes and notifications), and the
// error sink.
// @lesson 03
#include "src/net/event_loop.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <limits>
#include <string>

#include "src/net/connection.hpp"
#include "src/net/system_error.hpp"

namespace duplex::net {

namespace {

// epoll_event.data carries the descriptor and the generation of its watch. A descriptor closed
// by one callback can be reused by an accept() in the next callback of the same batch; the
// generation tells the stale event (for the old socket) from a fresh one, so it is dropped
// instead of reaching the new socket's callback.
constexpr std::uint32_t kWakeupGeneration = 0;
constexpr std::size_t kInitialEvents = 64;
constexpr std::size_t kMaxEvents = 4096;

std::uint64_t pack(int fd, std::uint32_t generation) {
  return (std::uint64_t{generation} << 32) | static_cast<std::uint32_t>(fd);
}

// @anchor lesson03-level-triggered
// Level-triggered on purpose (no EPOLLET). epoll reports a descriptor again on every wait
// while it stays readable, so a callback may stop early (after its fair share of bytes, or
// because its peer is not reading its replies) without losing the wake-up. Edge-triggered
// mode would only report the transition: stopping before EAGAIN would strand the rest of the
// data until the peer sent more. The price is one extra epoll_ctl when we stop caring about
// a direction, which is why EPOLLOUT is armed only while output is pending.
std::uint32_t to_epoll(std::uint32_t events) {
  std::uint32_t mask = 0;
  if (events & kReadable) mask |= EPOLLIN | EPOLLRDHUP;
  if (events & kWritable) mask |= EPOLLOUT;
  return mask;
}

std::uint32_t from_epoll(std::uint32_t mask) {
  std::uint32_t events = 0;
  if (mask & (EPOLLIN | EPOLLRDHUP | EPOLLPRI)) events |= kReadable;
  if (mask & EPOLLOUT) events |= kWritable;
  if (mask & EPOLLERR) events |= kSocketError;
  if (mask & EPOLLHUP) events |= kHangup;
  return events;
}

}  // namespace

EventLoop::EventLoop()
    : epoll_(epoll_create1(EPOLL_CLOEXEC)),
      wakeup_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      now_(Clock::now()),
      events_(kInitialEvents),
      owner_(std::this_thread::get_id()) {
  if (!epoll_) throw_errno("epoll_create1");
  if (!wakeup_) throw_errno("eventfd");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = pack(wakeup_.get(), kWakeupGeneration);
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wakeup_.get(), &event) != 0) {
    throw_errno("epoll_ctl add eventfd");
  }
}

EventLoop::~EventLoop() {
  // Notifications still pending are dropped: the objects their handlers captured may be gone
  // already. Cleared here, while every other member is alive for the connections' destructors.
  round_work_.clear();
  round_end_.clear();
}

void EventLoop::watch(int fd, std::uint32_t events, IoCallback callback) {
  auto entry = std::make_shared<Watch>(Watch{fd, next_generation_++, events, std::move(callback)});
  if (next_generation_ == kWakeupGeneration) next_generation_ = 1;
  epoll_event event{};
  event.events = to_epoll(events);
  event.data.u64 = pack(fd, entry->generation);
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
    throw_errno("epoll_ctl add fd " + std::to_string(fd));
  }
  watches_[fd] = std::move(entry);
}

void EventLoop::modify(int fd, std::uint32_t events) {
  auto it = watches_.find(fd);
  if (it == watches_.end() || it->second->events == events) return;
  epoll_event event{};
  event.events = to_epoll(events);
  event.data.u64 = pack(fd, it->second->generation);
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &event) != 0) {
    throw_errno("epoll_ctl mod fd " + std::to_string(fd));
  }
  ++interest_changes_;
  it->second->events = events;
}

void EventLoop::unwatch(int fd) {
  auto it = watches_.find(fd);
  if (it == watches_.end()) return;
  // ENOENT/EBADF would mean the caller closed the descriptor first; the watch is dropped
  // either way, so the error is not worth an exception.
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  watches_.erase(it);
}

#if DUPLEX_LESSON >= 12
// @anchor lesson12-forget
// epoll watches the open socket, not the number: the registration ends when the last
// descriptor of the socket is closed (epoll(7), "Will closing a file descriptor cause it to be
// removed from all epoll interest lists?"). A connection closing its own socket leaves that to
// close(), one system call fewer per connection. A copy of the descriptor (dup, or a fork that
// has not reached exec yet: the sockets are close-on-exec) would keep the registration alive;
// its events then carry a generation no watch has, and the dispatch drops them.
void EventLoop::forget(int fd) {
  watches_.erase(fd);
}
#endif

bool EventLoop::watching(int fd) const {
  return watches_.count(fd) > 0;
}

TimerId EventLoop::run_after(std::chrono::milliseconds delay, std::function<void()> callback) {
  return add_timer(delay, std::chrono::milliseconds{0}, std::move(callback));
}

TimerId EventLoop::run_every(std::chrono::milliseconds interval, std::function<void()> callback) {
  // A zero interval would make the timer due again within the same round, forever.
  if (interval < std::chrono::milliseconds{1}) interval = std::chrono::milliseconds{1};
  return add_timer(interval, interval, std::move(callback));
}

// @anchor lesson03-timers
// Timers live in a min-heap ordered by deadline (then by id, so equal deadlines keep their
// creation order). cancel() only forgets the id; the heap entry stays until it reaches the top
// and is skipped there, which keeps cancel O(1). Idle timeouts are cancelled all the time, so
// the heap is rebuilt when dead entries outnumber live ones.
TimerId EventLoop::add_timer(std::chrono::milliseconds delay, std::chrono::milliseconds interval,
                             std::function<void()> callback) {
  if (delay < std::chrono::milliseconds{0}) delay = std::chrono::milliseconds{0};
  TimerId id = next_timer_++;
  timers_[id] =
      std::make_shared<TimerEntry>(TimerEntry{interval, Clock::now() + delay, std::move(callback)});
  deadlines_.push(Deadline{timers_[id]->when, id});
  return id;
}

bool EventLoop::cancel(TimerId id) {
  if (timers_.erase(id) == 0) return false;
  if (deadlines_.size() > 64 && deadlines_.size() > 2 * timers_.size()) {
    std::vector<Deadline> live;
    live.reserve(timers_.size());
    for (const auto& [live_id, timer] : timers_) live.push_back(Deadline{timer->when, live_id});
    deadlines_ = decltype(deadlines_)(std::greater<>{}, std::move(live));
  }
  return true;
}

void EventLoop::post(std::function<void()> task) {
  {
    std::lock_guard lock(posted_mutex_);
    posted_.push_back(std::move(task));
  }
  wake();
}

// @anchor lesson03-wakeup
// epoll_wait can sleep for a long time; another thread cannot call into the loop's data
// structures, so it queues a task under a mutex and writes to an eventfd the loop watches.
// The write makes the eventfd readable and epoll_wait returns. wake_pending_ saves a system
// call per post when the loop has not yet drained an earlier wake-up.
void EventLoop::wake() {
  if (wake_pending_.exchange(true)) return;
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t written = write(wakeup_.get(), &one, sizeof one);
}

void EventLoop::drain_wakeup() {
  std::uint64_t count = 0;
  [[maybe_unused]] ssize_t got = read(wakeup_.get(), &count, sizeof count);
  // Cleared before the queue is taken: a post() racing with us then writes a fresh wake-up.
  wake_pending_.store(false);
}

void EventLoop::stop() {
  stopping_.store(true);
  wake();
}

bool EventLoop::in_loop_thread() const {
  return owner_.load() == std::this_thread::get_id();
}

void EventLoop::run() {
  owner_.store(std::this_thread::get_id());
  while (!stopping_.load()) run_once(std::chrono::milliseconds{-1});
  stopping_.store(false);
}

// @anchor lesson03-run-once
// One round of the reactor: sleep in epoll_wait until a descriptor is ready, the nearest timer
// is due, or another thread wakes us; then run the ready callbacks, the due timers, and the
// posted tasks, in that order; then end the round (end_round).
void EventLoop::run_once(std::chrono::milliseconds max_wait) {
  owner_.store(std::this_thread::get_id());
  now_ = Clock::now();
  // Output queued or a connection closed outside a round (before run(), or between two
  // run_once calls): do not sleep on it, end this round at once.
  int timeout = round_end_.empty() ? next_timeout_ms(max_wait) : 0;
  int ready = epoll_wait(epoll_.get(), events_.data(), static_cast<int>(events_.size()), timeout);
  if (ready < 0) {
    if (errno != EINTR) throw_errno("epoll_wait");
    ready = 0;
  }
  now_ = Clock::now();
  dispatch_io(ready);
  run_timers();
  run_posted();
  end_round();
  // A full batch hints at more ready descriptors than slots: grow so one wake-up serves them.
  if (static_cast<std::size_t>(ready) == events_.size() && events_.size() < kMaxEvents) {
    events_.resize(events_.size() * 2);
  }
}

int EventLoop::next_timeout_ms(std::chrono::milliseconds max_wait) {
  while (!deadlines_.empty() && timers_.count(deadlines_.top().id) == 0) deadlines_.pop();
  if (deadlines_.empty()) return static_cast<int>(max_wait.count() < 0 ? -1 : max_wait.count());
  auto until = deadlines_.top().when - now_;
  if (until <= Clock::duration::zero()) return 0;
  // Rounded up: waking a little early would find the timer not yet due and spin until it is.
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(until).count();
  if (max_wait.count() >= 0 && max_wait.count() < ms) ms = max_wait.count();
  // epoll_wait takes an int: a timer more than ~24 days away would wrap to a negative timeout,
  // which means "forever". Waking once early, to find nothing due, is harmless.
  return static_cast<int>(std::min<std::int64_t>(ms, std::numeric_limits<int>::max()));
}

// @anchor lesson03-dispatch
// The ready descriptors of this wake-up, each to its watch's callback: the loop's eventfd wakes
// it for posted work, a stale event (its descriptor closed and reused during this batch) is
// dropped, and an exception from a callback is reported, never let through to run().
void EventLoop::dispatch_io(int ready) {
  // @exercise lesson03-dispatch #step-3-the-reactor
  for (int i = 0; i < ready; ++i) {
    const epoll_event& event = events_[static_cast<std::size_t>(i)];
    int fd = static_cast<int>(event.data.u64 & 0xffffffffU);
    auto generation = static_cast<std::uint32_t>(event.data.u64 >> 32);
    if (generation == kWakeupGeneration) {
      drain_wakeup();
      continue;
    }
    auto it = watches_.find(fd);
    if (it == watches_.end() || it->second->generation != generation) continue;
    // The local shared_ptr keeps the callback alive even if it unwatches its own descriptor.
    std::shared_ptr<Watch> entry = it->second;
    try {
      entry->callback(from_epoll(event.events));
    } catch (...) {
      report_exception("I/O callback");
    }
  }
  // @exercise end
}

void EventLoop::run_timers() {
  // Only timers created before this round may run in it: a callback that re-arms itself with
  // a zero delay waits for the next round instead of starving the descriptors.
  const TimerId newest = next_timer_;
  while (!deadlines_.empty() && deadlines_.top().when <= now_ && deadlines_.top().id < newest) {
    Deadline due = deadlines_.top();
    deadlines_.pop();
    auto it = timers_.find(due.id);
    if (it == timers_.end() || it->second->when != due.when) continue;
    std::shared_ptr<TimerEntry> timer = it->second;
    if (timer->interval.count() > 0) {
      timer->when = now_ + timer->interval;
      deadlines_.push(Deadline{timer->when, due.id});
    } else {
      timers_.erase(it);
    }
    try {
      timer->callback();
    } catch (...) {
      report_exception("timer");
    }
  }
}

void EventLoop::run_posted() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(posted_mutex_);
    tasks.swap(posted_);
  }
  for (auto& task : tasks) {
    try {
      task();
    } catch (...) {
      report_exception("posted task");
    }
  }
}

// @anchor lesson03-round-end
// The end of a round. During the round, send() only queues bytes and puts its connection on
// round_end_ (once per round: the cork, connection.cpp). Here every such connection writes
// everything it queued, from data handlers, timers and posted tasks alike, in one send(). Then,
// with all the flushes done, the close
// and drain notifications run: never from inside send(), close() or a handler, so nothing is
// freed under a caller's feet. A notification handler may queue more output (a chat room
// telling the others that someone left): those connections come back for another pass.
void EventLoop::end_round() {
  while (!round_end_.empty()) {
    round_work_.swap(round_end_);
    for (auto& connection : round_work_) {
      try {
        connection->flush_round();
      } catch (...) {
        report_exception("flush");
      }
    }
    for (auto& connection : round_work_) {
      try {
        connection->notify_round();
      } catch (...) {
        report_exception("close notification");
      }
    }
    round_work_.clear();
  }
}

// @anchor lesson03-error-policy
// One error policy: an exception from application code never unwinds run() (on a loop thread
// other than the first it would end the whole process). The callback is abandoned, the
// exception reported here, and the loop goes on; Connection and Timer also close the connection
// the code belonged to (CloseReason::kApplicationError).
void EventLoop::report_exception(std::string_view where) noexcept {
  try {
    std::string what = "unknown exception";
    try {
      throw;
    } catch (const std::exception& error) {
      what = error.what();
    } catch (...) {
    }
    std::string line = "uncaught exception in ";
    line.append(where).append(": ").append(what);
    if (error_sink_) {
      error_sink_(line);
    } else {
      std::fprintf(stderr, "duplex: %s\n", line.c_str());
    }
  } catch (...) {
    // A sink that throws, or no memory for the line: nothing better to do than go on.
  }
}

}  // namespace duplex::net
