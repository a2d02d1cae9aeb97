// SignalWatcher: turns signals such as SIGINT and SIGTERM into loop events (lesson 03).
//
// A classic signal handler interrupts whatever the thread was doing and may call almost
// nothing (only async-signal-safe functions). signalfd turns a signal into a readable
// descriptor instead: the signal is blocked, stays pending, and the loop reads it like any
// other input, then runs an ordinary callback that may stop servers and the loop.
// @lesson 03
#pragma once

#include <signal.h>

#include <functional>
#include <initializer_list>

#include "src/net/event_loop.hpp"
#include "src/net/fd.hpp"

namespace duplex::net {

class SignalWatcher {
 public:
  using Handler = std::function<void(int signal_number)>;

  // Blocks `signals` in the calling thread and watches them through a signalfd. Threads
  // inherit the mask, so create it before starting other threads: a thread that does not
  // block the signal would receive it with its default action (for SIGTERM: death).
  SignalWatcher(EventLoop& loop, std::initializer_list<int> signals, Handler handler);
  // Stops watching and restores the calling thread's previous mask. A watched signal that is
  // still pending (arrived, never read by the loop) is discarded first, not delivered.
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  void on_readable();

  EventLoop& loop_;
  Handler handler_;
  sigset_t previous_mask_;
  Fd fd_;
};

}  // namespace duplex::net
