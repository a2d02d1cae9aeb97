// Event-loop helpers for the tests (lesson 03).
//
// Two ways to drive a loop in a test, both bounded in time:
//  - run_until steps the loop on the test's own thread until a condition holds (single-threaded,
//    so the test may touch connections directly between steps);
//  - LoopThread runs a loop on a thread of its own, the way a server runs, and call() executes
//    a function on that thread and waits for its result.
// An exception that ends run() on a LoopThread (a broken loop, or an exercise stub not written
// yet) is kept, not left to end the process: call() rethrows it in the test, so the failure
// names what threw.
// @lesson 03
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <thread>

#include "src/net/event_loop.hpp"

namespace duplex::testing {

inline constexpr std::chrono::milliseconds kLoopTimeout{5000};

// Steps `loop` until done() is true or `timeout` has passed; returns done().
bool run_until(net::EventLoop& loop, const std::function<bool()>& done,
               std::chrono::milliseconds timeout = kLoopTimeout);

class LoopThread {
 public:
  LoopThread();
  // Stops and joins the thread (if stop() was not called yet).
  ~LoopThread();
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;

  net::EventLoop& loop() { return loop_; }
  // Runs `function` on the loop thread, waits (bounded) and returns its result. Rethrows what
  // ended run() if the loop died before running it.
  template <typename Function>
  auto call(Function function) -> decltype(function()) {
    auto task = std::make_shared<std::packaged_task<decltype(function())()>>(std::move(function));
    auto result = task->get_future();
    loop_.post([task] { (*task)(); });
    auto deadline = std::chrono::steady_clock::now() + kLoopTimeout;
    while (result.wait_for(std::chrono::milliseconds{10}) != std::future_status::ready) {
      if (finished_future_.wait_for(std::chrono::seconds{0}) == std::future_status::ready) {
        finished_future_.get();  // rethrows the exception that ended run(), if one did
        throw std::runtime_error("LoopThread::call: the loop stopped before running the task");
      }
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("LoopThread::call: the loop did not run the task in time");
      }
    }
    return result.get();
  }
  // Stops the loop and joins; true if run() returned in time (never throws: destructors call it).
  bool stop();
  std::thread::id id() const { return thread_.get_id(); }

 private:
  net::EventLoop loop_;
  std::promise<void> finished_;
  std::shared_future<void> finished_future_;
  std::thread thread_;
};

}  // namespace duplex::testing
