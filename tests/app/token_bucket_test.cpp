// Tests for the per-connection rate limit (lesson 11). The time is passed in: no clock, no sleep.
// @lesson 11
#include "src/app/token_bucket.hpp"

#include <gtest/gtest.h>

namespace duplex::app {
namespace {

using std::chrono::milliseconds;

TEST(L11_TokenBucket, AllowsABurstThenTheSustainedRate) {
  TokenBucket::Clock::time_point t0{};
  TokenBucket bucket(5, 10, t0);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(bucket.try_take(t0)) << i;
  EXPECT_FALSE(bucket.try_take(t0)) << "the burst is spent";
  EXPECT_FALSE(bucket.try_take(t0 + milliseconds(199)));
  EXPECT_TRUE(bucket.try_take(t0 + milliseconds(200))) << "5 per second: one token per 200 ms";
  EXPECT_FALSE(bucket.try_take(t0 + milliseconds(200)));
  // A long pause refills to the burst, not beyond.
  EXPECT_DOUBLE_EQ(bucket.tokens(t0 + milliseconds(60'000)), 10.0);
}

TEST(L11_TokenBucket, TimeGoingBackwardsAddsNothing) {
  TokenBucket::Clock::time_point t0{milliseconds(10'000)};
  TokenBucket bucket(1, 1, t0);
  EXPECT_TRUE(bucket.try_take(t0));
  // A caller mixing up its times must not be able to mint tokens.
  EXPECT_FALSE(bucket.try_take(t0 - milliseconds(5'000)));
  EXPECT_FALSE(bucket.try_take(t0 + milliseconds(999)));
  EXPECT_TRUE(bucket.try_take(t0 + milliseconds(2000)));
}

}  // namespace
}  // namespace duplex::app
