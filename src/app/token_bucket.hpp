// TokenBucket: a per-connection rate limit (lesson 11).
//
// The bucket holds up to `burst` tokens and gains `rate` tokens per second; each message takes
// one. A person typing never empties it; a script sending in a loop does, and from then on gets
// exactly `rate` messages per second through, whatever it sends. Sans-I/O: the caller passes
// the time, so tests need no clock.
// @lesson 11
#pragma once

#include <chrono>

namespace duplex::app {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts full. `rate`: tokens per second (> 0); `burst`: the most it holds (>= 1).
  TokenBucket(double rate, double burst, Clock::time_point now);

  // Takes a token if there is one at `now`.
  bool try_take(Clock::time_point now);
  double tokens(Clock::time_point now);

 private:
  void refill(Clock::time_point now);

  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace duplex::app
