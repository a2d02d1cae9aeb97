// Parsers for the output of the outside tools the benchmark drives (lesson 12): wrk, the HTTP
// load generator users trust, and `strace -c`, the syscall counter. Their text becomes fields of
// a Result, so a wrk row and a duplex-bench row land in the same table.
//
// Both are pure functions of the text: tests/bench/tool_output_test.cpp feeds them recorded
// outputs, no tool needed.
// @lesson 12
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "src/bench/result.hpp"

namespace duplex::bench {

// wrk's report (run with --latency) as Result fields: rps, requests, seconds, mb_per_s,
// lat_mean_us, p50_us, p75_us, p90_us, p99_us, non_2xx, socket_connect/read/write/timeout, and
// errors=1 with error=... when wrk saw a non-2xx/3xx answer, a failed connect or a timeout (a
// fast wrong answer must not count as a fast answer). nullopt when the text has no "Requests/sec:"
// line (wrk failed).
std::optional<Result> parse_wrk_output(std::string_view text);

// A wrk duration ("574.27us", "1.00ms", "2.5s", "1.2m") in microseconds; nullopt otherwise.
std::optional<double> wrk_duration_us(std::string_view text);
// A wrk byte size ("106.35MB", "512B", "1.5KB"; wrk's units are powers of 1024) in bytes.
std::optional<double> wrk_bytes(std::string_view text);

// The total number of system calls in a `strace -c` summary (the "calls" column of its
// "total" line). A summary without a total line (strace saw no call) is 0; text that is no
// summary at all (strace failed before attaching) is nullopt.
std::optional<std::uint64_t> parse_strace_total(std::string_view text);

}  // namespace duplex::bench
