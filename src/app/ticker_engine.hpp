// TickerEngine: what makes the ticks of lesson 07's Ticker (lesson 15).
// @lesson 15
//
// Lesson 07's Ticker makes its own events on a timer; lesson 11 copies one loop's events to the
// other loops of the process (TickerRelay). Across processes that is no longer enough: two
// duplex-server processes behind one proxy would each count 1, 2, 3 ... with their own values,
// and a client that reconnects to the other one (a WebSocket, an EventSource with its
// Last-Event-ID, a long-poll with since=N) would land in another sequence. The engine is the
// seam, like the chat's (chat_engine.hpp):
//
//   MemoryTickerEngine  the Ticker ticks on its own timer, as before (one process)
//   RedisTickerEngine   one producer among the processes makes the ticks in Redis, and every
//                       process feeds them to its Ticker (redis_ticker_engine.hpp)
//
// Either way the push endpoints, the ticker socket and the relay read the same Ticker as before:
// the engine only decides where its events come from.
#pragma once

#include <string_view>

#include "src/app/ticker.hpp"

namespace duplex::app {

class TickerEngine {
 public:
  virtual ~TickerEngine() = default;
  virtual void start() = 0;  // on the Ticker's loop thread
  virtual void stop() = 0;   // no more events; stop() before the loop ends
  virtual std::string_view name() const = 0;
};

class MemoryTickerEngine : public TickerEngine {
 public:
  explicit MemoryTickerEngine(Ticker& ticker) : ticker_(ticker) {}
  void start() override { ticker_.start(); }
  void stop() override { ticker_.stop(); }
  std::string_view name() const override { return "memory"; }

 private:
  Ticker& ticker_;
};

}  // namespace duplex::app
