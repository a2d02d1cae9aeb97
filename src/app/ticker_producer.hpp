// TickerProducer: which process makes the ticks, and what it proposes (lesson 15).
// @lesson 15
//
// With several duplex-server processes on one Redis (RedisTickerEngine) there must be one tick
// sequence, made by one producer at a time; otherwise each process's Ticker would count on its
// own and a client that moves from one process to another would see other ids and values.
//
// Every process runs the same script on Redis once per interval (redis_ticker_engine.cpp),
// proposing the tick that follows the last one it knows. The script holds a lease, a key with
// an expiry (SET ... PX): when nobody holds it, or the caller does, the caller holds it for
// another lease period and is the producer; its proposal is appended to the ticks' stream if it
// is the very next tick, and published. So the producer is whoever ran the script first once
// the lease was free, and keeps it by ticking; when it dies or loses Redis, its lease runs out
// and the next process to run the script takes over. The script answers one of three things:
//
//   kProduced    the proposal is the next tick: it was appended and published
//   kHeld        another process holds the lease: nothing was done
//   kOutOfStep   the caller holds the lease, but the proposal does not follow the last tick
//                (it has just taken over, or knew nothing yet): here is the last tick
//
// This class is the sans-I/O part of a process: what to propose on each timer, what an answer
// means, and at most one proposal owed an answer at a time (two in flight would both be
// computed from the same last tick). A tick's value follows from the last tick alone
// (next_tick), so the producer that takes over continues the walk exactly where the last left it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "src/app/ticker.hpp"

namespace duplex::app {

// Where the walk starts when there is no tick yet: the value the Ticker of lesson 07 starts at.
inline constexpr std::int64_t kTickerStartValue = 1000;

// The tick after `last` (id 0: none yet): id + 1, and a value that moves by -3..+3, decided by the
// new id alone (a hash of it), so that every process computes the same tick from the same last.
TickerEvent next_tick(const TickerEvent& last);

struct TickAnswer {
  enum class Kind { kProduced, kHeld, kOutOfStep };
  Kind kind = Kind::kHeld;
  TickerEvent last;  // kOutOfStep: the last tick (id 0: none)
};

class TickerProducer {
 public:
  // The interval's timer fired: the proposal to send, or nullopt while one is owed an answer.
  std::optional<TickerEvent> on_timer();
  // The script's answer to the proposal owed. After kOutOfStep the corrected proposal comes
  // back, to be sent at once (the caller holds the lease now: no need to wait an interval).
  std::optional<TickerEvent> on_answer(const TickAnswer& answer);
  // The proposal got no answer (Redis away, the connection lost): the next timer proposes
  // again, not knowing whether it still holds the lease; the script will say.
  void on_no_answer();

  bool producing() const { return producing_; }  // the last answer said it held the lease
  bool waiting() const { return owed_.has_value(); }
  std::uint64_t produced() const { return produced_; }  // ticks this process made
  // "last=7 owed=8 producing": for traces and for tests that compare states.
  std::string describe() const;

 private:
  std::optional<TickerEvent> propose();

  std::optional<TickerEvent> last_;  // the last tick, when known (it made it, or was told)
  std::optional<TickerEvent> owed_;  // the proposal owed an answer
  bool producing_ = false;
  std::uint64_t produced_ = 0;
};

}  // namespace duplex::app
