// Timer: a one-shot or repeating timer that cancels itself when destroyed (lesson 03).
//
// EventLoop::run_after hands out a TimerId that somebody must remember to cancel, on every path
// that ends the object the callback points into. A Timer member does that by itself: destroying
// the object destroys its timers, and a timer destroyed before it fires never fires. A timer
// bound to a Connection holds it weakly (it fires only while the connection is open) and, if its
// callback throws, closes that connection (CloseReason::kApplicationError); an unbound timer's
// exception is only reported to the loop's error sink.
// @lesson 03
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "src/net/event_loop.hpp"

namespace duplex::net {

class Connection;

class Timer {
 public:
  // Not bound: an exception from the callback is reported and the loop goes on.
  explicit Timer(EventLoop& loop);
  // Bound: the callback runs only while `owner` is open; an exception aborts `owner`. `owner`
  // must be managed by a shared_ptr (Connection::create).
  explicit Timer(Connection& owner);
  ~Timer();
  Timer(Timer&& other) noexcept;
  Timer& operator=(Timer&& other) noexcept;
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // (Re)arms a one-shot timer: a pending run is cancelled first. The callback may destroy or
  // restart this Timer.
  void start(std::chrono::milliseconds delay, std::function<void()> callback);
  // (Re)arms a repeating timer (intervals under 1 ms count as 1 ms).
  void start_every(std::chrono::milliseconds interval, std::function<void()> callback);
  void cancel() noexcept;
  // True from start() until the one-shot callback begins, or until cancel() or destruction.
  bool active() const noexcept;

 private:
  std::function<void()> wrap(std::function<void()> callback) const;

  EventLoop* loop_;
  std::weak_ptr<Connection> owner_;
  bool bound_ = false;
  TimerId id_ = 0;
};

}  // namespace duplex::net
