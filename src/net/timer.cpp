// Timer (lesson 03): RAII over EventLoop::run_after / run_every / cancel.
// @lesson 03
#include "src/net/timer.hpp"

#include <utility>

#include "src/net/connection.hpp"

namespace duplex::net {

Timer::Timer(EventLoop& loop) : loop_(&loop) {}

Timer::Timer(Connection& owner)
    : loop_(&owner.loop()), owner_(owner.weak_from_this()), bound_(true) {}

Timer::~Timer() {
  cancel();
}

Timer::Timer(Timer&& other) noexcept
    : loop_(other.loop_),
      owner_(std::move(other.owner_)),
      bound_(other.bound_),
      id_(std::exchange(other.id_, 0)) {}

Timer& Timer::operator=(Timer&& other) noexcept {
  if (this != &other) {
    cancel();
    loop_ = other.loop_;
    owner_ = std::move(other.owner_);
    bound_ = other.bound_;
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void Timer::start(std::chrono::milliseconds delay, std::function<void()> callback) {
  cancel();
  id_ = loop_->run_after(delay, wrap(std::move(callback)));
}

void Timer::start_every(std::chrono::milliseconds interval, std::function<void()> callback) {
  cancel();
  id_ = loop_->run_every(interval, wrap(std::move(callback)));
}

void Timer::cancel() noexcept {
  if (id_ != 0) loop_->cancel(id_);
  id_ = 0;
}

bool Timer::active() const noexcept {
  return id_ != 0 && loop_->timer_pending(id_);
}

// The loop's callback captures nothing of this object, only the loop and the owner: the Timer
// may move, or be destroyed by its own callback, while the loop holds the callback.
std::function<void()> Timer::wrap(std::function<void()> callback) const {
  if (!bound_) return callback;
  return [loop = loop_, owner = owner_, callback = std::move(callback)] {
    std::shared_ptr<Connection> connection = owner.lock();
    if (!connection || !connection->is_open()) return;
    try {
      callback();
    } catch (...) {
      loop->report_exception("timer");
      connection->abort_for(CloseReason::kApplicationError);
    }
  };
}

}  // namespace duplex::net
