// Backoff: the delays between reconnection attempts, exponential with jitter (lesson 15).
//
// After Redis goes away, every Duplex process retries. A fixed delay would have them all knock
// at once when it comes back (and a tight one would burn the CPU of a machine whose Redis is
// down for an hour); doubling spreads the attempts out, the cap bounds the time a restarted
// Redis waits for its clients, and jitter (each delay drawn between half and all of the nominal
// one, "equal jitter") keeps processes that lost Redis at the same instant from retrying in
// step. The generator is seedable, so a test sees a known schedule.
// @lesson 15
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace duplex::redis {

struct BackoffOptions {
  std::chrono::milliseconds min{100};   // the first nominal delay
  std::chrono::milliseconds max{5000};  // no nominal delay exceeds this
  double factor = 2.0;                  // each failure multiplies the nominal delay (>= 1)
  // The jitter's generator; nullopt draws a seed from std::random_device.
  std::optional<std::uint64_t> seed;
};

class Backoff {
 public:
  explicit Backoff(BackoffOptions options = {});

  // The delay before the next attempt: nominal(n) = min(max, min * factor^n) for the n-th call
  // since reset(), drawn uniformly in [nominal / 2, nominal].
  std::chrono::milliseconds next();
  // After a success: the next delay is the smallest again.
  void reset() noexcept { nominal_ = 0; }
  // The nominal delay next() draws from.
  std::chrono::milliseconds nominal() const noexcept;

 private:
  std::uint64_t random();

  BackoffOptions options_;
  double nominal_ = 0;  // 0: not started, next() uses min
  std::uint64_t state_;
};

}  // namespace duplex::redis
