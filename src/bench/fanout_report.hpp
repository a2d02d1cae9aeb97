// The fan-out section of docs/benchmarks.md (lesson 15): the rows of `duplex-bench fanout`
// (fanout_load.hpp), one chat room over the memory engine in one process and over the Redis
// engine in 1, 2 and 4 processes, as one table of medians with the Redis cost per message.
//
// @lesson 15
#pragma once

#include <string>
#include <vector>

#include "src/bench/result.hpp"

namespace duplex::bench {

// The rows, in the order of the table: "fanout-memory-1", "fanout-redis-1", ...
const std::vector<std::string>& fanout_rows();

// The Markdown section, "## Fan-out ..." to its last table row; "Not run." when no row is there.
std::string fanout_section(const std::vector<Result>& results);

}  // namespace duplex::bench
