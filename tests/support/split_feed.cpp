// Splitting one input every way a network could (lesson 02). See split_feed.hpp.
// @lesson 02
#include "tests/support/split_feed.hpp"

#include <algorithm>
#include <random>

namespace duplex::testing {

std::vector<SplitPlan> split_plans(std::string_view input, std::uint32_t seed, int random_plans,
                                   std::size_t max_two_piece) {
  std::vector<SplitPlan> plans;
  plans.push_back({"whole", {input}});

  SplitPlan bytewise{"bytewise", {}};
  for (std::size_t i = 0; i < input.size(); ++i) bytewise.chunks.push_back(input.substr(i, 1));
  plans.push_back(std::move(bytewise));

  // Two pieces: at every index when the input is small, otherwise at a stride that still
  // covers the start and the end (where headers and terminators live).
  std::size_t stride = input.size() <= max_two_piece ? 1 : input.size() / max_two_piece + 1;
  for (std::size_t cut = 1; cut < input.size(); cut += stride) {
    plans.push_back({"split@" + std::to_string(cut), {input.substr(0, cut), input.substr(cut)}});
  }

  std::mt19937 random(seed);
  for (int n = 0; n < random_plans && !input.empty(); ++n) {
    SplitPlan plan{"random#" + std::to_string(n) + " seed=" + std::to_string(seed), {}};
    std::size_t at = 0;
    while (at < input.size()) {
      std::uniform_int_distribution<std::size_t> length(
          1, std::min<std::size_t>(input.size() - at, 64));
      std::size_t take = length(random);
      plan.chunks.push_back(input.substr(at, take));
      at += take;
    }
    plans.push_back(std::move(plan));
  }
  return plans;
}

}  // namespace duplex::testing
