// LatencyHistogram (lesson 12). See histogram.hpp.
// @lesson 12
#include "src/bench/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace duplex::bench {

// @anchor lesson12-buckets
// Values below 64 get a bucket each (range 0). A larger value with its highest bit at position
// p (p >= 6) lies in range p - 5, and its next 6 bits pick the sub-bucket.
int LatencyHistogram::bucket_of(std::uint64_t value) noexcept {
  if (value < kSubBuckets) return static_cast<int>(value);
  int high = 63 - std::countl_zero(value);
  int range = high - kSubBucketBits + 1;
  int sub = static_cast<int>((value >> (high - kSubBucketBits)) & (kSubBuckets - 1));
  return range * kSubBuckets + sub;
}

std::uint64_t LatencyHistogram::bucket_upper(int bucket) noexcept {
  int range = bucket / kSubBuckets;
  auto sub = static_cast<std::uint64_t>(bucket % kSubBuckets);
  if (range == 0) return sub;
  int shift = range - 1;  // width of one sub-bucket is 2^shift
  std::uint64_t lower = (std::uint64_t{kSubBuckets} | sub) << shift;
  return lower + ((std::uint64_t{1} << shift) - 1);
}

void LatencyHistogram::record(std::uint64_t nanoseconds) {
  ++counts_[static_cast<std::size_t>(bucket_of(nanoseconds))];
  ++count_;
  min_ = std::min(min_, nanoseconds);
  max_ = std::max(max_, nanoseconds);
  sum_ += static_cast<long double>(nanoseconds);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void LatencyHistogram::clear() {
  *this = LatencyHistogram();
}

double LatencyHistogram::mean() const noexcept {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::uint64_t LatencyHistogram::percentile(double percent) const {
  if (count_ == 0) return 0;
  percent = std::clamp(percent, 0.0, 100.0);
  // The rank of the wanted value, 1-based: at least one value, at most all of them.
  auto rank = static_cast<std::uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(bucket_upper(static_cast<int>(i)), max_);
  }
  return max_;
}

}  // namespace duplex::bench
