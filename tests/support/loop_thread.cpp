// Event-loop helpers for the tests (lesson 03).
// @lesson 03
#include "tests/support/loop_thread.hpp"

#include <exception>

namespace duplex::testing {

bool run_until(net::EventLoop& loop, const std::function<bool()>& done,
               std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return done();
    loop.run_once(std::min(left, std::chrono::milliseconds{50}));
  }
  return true;
}

LoopThread::LoopThread()
    : finished_future_(finished_.get_future().share()), thread_([this] {
        try {
          loop_.run();
          finished_.set_value();
        } catch (...) {
          finished_.set_exception(std::current_exception());
        }
      }) {}

LoopThread::~LoopThread() {
  if (thread_.joinable()) stop();
}

bool LoopThread::stop() {
  if (!thread_.joinable()) return true;
  loop_.stop();
  bool in_time = finished_future_.wait_for(kLoopTimeout) == std::future_status::ready;
  // Joining a thread that did not finish would hang the test binary: the watchdog ends it.
  thread_.join();
  return in_time;
}

}  // namespace duplex::testing
