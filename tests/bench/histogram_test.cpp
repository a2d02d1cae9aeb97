// Tests for LatencyHistogram (lesson 12): percentiles are what a sorted list would say, to within
// one bucket (1/64 of the value).
// @lesson 12
#include "src/bench/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace duplex::bench {
namespace {

TEST(L12_LatencyHistogram, EmptyHistogramAnswersZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.percentile(99.9), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(L12_LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 10; ++v) h.record(v);
  EXPECT_EQ(h.percentile(50), 5u);
  EXPECT_EQ(h.percentile(90), 9u);
  EXPECT_EQ(h.percentile(100), 10u);
  EXPECT_EQ(h.percentile(0), 1u);  // rank 0 is clamped to the smallest value
  EXPECT_DOUBLE_EQ(h.mean(), 5.5);
}

TEST(L12_LatencyHistogram, BucketsCoverEveryValueWithoutGaps) {
  // Each bucket's upper edge + 1 is the next bucket's first value: no value falls between.
  for (int bucket = 0; bucket < 64 * 20; ++bucket) {
    std::uint64_t upper = LatencyHistogram::bucket_upper(bucket);
    EXPECT_EQ(LatencyHistogram::bucket_of(upper), bucket) << bucket;
    EXPECT_EQ(LatencyHistogram::bucket_of(upper + 1), bucket + 1) << bucket;
  }
  EXPECT_LT(LatencyHistogram::bucket_of(UINT64_MAX),
            LatencyHistogram::kRanges * LatencyHistogram::kSubBuckets);
}

TEST(L12_LatencyHistogram, PercentilesMatchASortedListWithinOneBucket) {
  std::mt19937_64 random(12);
  std::lognormal_distribution<double> latency(11.0, 1.5);  // around 60 us, a long tail
  std::vector<std::uint64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<std::uint64_t>(latency(random)) + 1;
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * values.size()));
    std::uint64_t exact = values[std::max<std::size_t>(rank, 1) - 1];
    std::uint64_t got = h.percentile(p);
    EXPECT_GE(got, exact) << "p" << p;
    EXPECT_LE(static_cast<double>(got), static_cast<double>(exact) * (1.0 + 1.0 / 64) + 1)
        << "p" << p;
  }
  EXPECT_EQ(h.percentile(100), values.back());
  EXPECT_EQ(h.min(), values.front());
}

TEST(L12_LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, all;
  for (std::uint64_t v = 1; v < 5000; v += 7) {
    (v % 2 ? a : b).record(v * 1000);
    all.record(v * 1000);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  for (double p : {10.0, 50.0, 99.0}) EXPECT_EQ(a.percentile(p), all.percentile(p));
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.min(), all.min());
}

}  // namespace
}  // namespace duplex::bench
