// Backoff (lesson 15): exponential delays with equal jitter from a splitmix64 generator, whose
// output, unlike std::uniform_int_distribution's, is the same with every standard library.
// @lesson 15
#include "src/redis/backoff.hpp"

#include <algorithm>
#include <random>

namespace duplex::redis {

Backoff::Backoff(BackoffOptions options)
    : options_(options),
      state_(options.seed
                 ? *options.seed
                 : (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}()) {
  if (options_.min.count() < 1) options_.min = std::chrono::milliseconds{1};
  if (options_.max < options_.min) options_.max = options_.min;
  if (!(options_.factor >= 1.0)) options_.factor = 1.0;
}

std::chrono::milliseconds Backoff::nominal() const noexcept {
  double value = nominal_ == 0 ? static_cast<double>(options_.min.count()) : nominal_;
  return std::chrono::milliseconds{
      static_cast<std::int64_t>(std::min(value, static_cast<double>(options_.max.count())))};
}

std::chrono::milliseconds Backoff::next() {
  std::int64_t nominal_ms = nominal().count();
  double grown = static_cast<double>(nominal_ms) * options_.factor;
  nominal_ = std::min(grown, static_cast<double>(options_.max.count()));
  std::int64_t low = nominal_ms / 2;
  auto span = static_cast<std::uint64_t>(nominal_ms - low) + 1;
  return std::chrono::milliseconds{low + static_cast<std::int64_t>(random() % span)};
}

std::uint64_t Backoff::random() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace duplex::redis
