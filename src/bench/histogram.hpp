// LatencyHistogram: latencies recorded in constant time and memory, read back as percentiles
// (lesson 12).
//
// A load generator records millions of latencies; keeping them all to sort would measure the
// allocator. Instead each value falls into a bucket: the power of two below it picks a range,
// and 64 linear sub-buckets split that range, so any value is known to within 1/64 (1.6 %) of
// itself, from 1 ns to centuries, in 30 KiB of counters. This is the idea of HdrHistogram, written
// small.
// @lesson 12
#pragma once

#include <array>
#include <cstdint>

namespace duplex::bench {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 6;  // 64 sub-buckets: 1.6 % resolution
  static constexpr int kSubBuckets = 1 << kSubBucketBits;
  static constexpr int kRanges = 64 - kSubBucketBits + 1;

  void record(std::uint64_t nanoseconds);
  void merge(const LatencyHistogram& other);
  void clear();

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const noexcept { return max_; }
  double mean() const noexcept;
  // The smallest recorded value v such that at least `percent` % of the values are <= v, given
  // as the upper edge of v's bucket (never more than 1.6 % above the true value, and clamped to
  // max()). 0 when empty. `percent` in [0, 100].
  std::uint64_t percentile(double percent) const;

  // Bucket arithmetic, public for the tests.
  static int bucket_of(std::uint64_t value) noexcept;
  static std::uint64_t bucket_upper(int bucket) noexcept;  // the largest value in the bucket

 private:
  std::array<std::uint64_t, kRanges * kSubBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace duplex::bench
