// Splitting one input every way a network could (lesson 02; used by every parser's tests).
//
// TCP delivers a byte stream, so a parser must give the same answer however the bytes are cut
// into reads. `split_plans()` returns the ways to cut one input that the tests try: whole, one
// byte at a time, every two-piece split, and a few seeded random cuts (the seed makes a failure
// reproducible). A test feeds each plan to a fresh parser and compares the results.
// @lesson 02
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace duplex::testing {

struct SplitPlan {
  std::string name;  // "whole", "bytewise", "split@17", "random#3": printed when a plan fails
  std::vector<std::string_view> chunks;
};

// Every plan's chunks are views into `input`, which must outlive them. For inputs longer than
// `max_two_piece`, the two-piece splits are sampled instead of all tried, to keep tests fast.
std::vector<SplitPlan> split_plans(std::string_view input, std::uint32_t seed = 1,
                                   int random_plans = 8, std::size_t max_two_piece = 4096);

}  // namespace duplex::testing
