// The report writer: result lines in, docs/benchmarks.md and its SVG charts out (lesson 12).
//
// Noise on a shared machine moves every absolute number; a ratio of two rows measured in the
// same run (duplex against nginx, WebSocket against raw TCP) moves much less. So the page leads
// with ratios, each the median over the runs of that run's ratio, and gives the absolute
// numbers (medians) with a description of the machine after them.
// @lesson 12
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "src/bench/result.hpp"

namespace duplex::bench {

struct MachineInfo {
  std::string date;      // "2026-11-25 13:40 UTC"
  std::string cpu;       // /proc/cpuinfo model name
  int cpus = 0;          // online CPUs
  std::string kernel;    // uname
  std::string compiler;  // the compiler that built the server and the tool
  std::string pinning;   // "server on CPU 0, load generator on CPU 1"
  std::string settings;  // "BENCH_SECONDS=5 BENCH_RUNS=3"
};

// One "duplex row over baseline row" comparison with its target (issues 8 and 15).
struct Comparison {
  std::string title;
  std::string row;       // result field row= of the measured thing
  std::string baseline;  // row= of what it is compared with
  std::string metric;    // the field compared, e.g. "rps"
  double target = 0;     // the ratio to reach (>=)
};

const std::vector<Comparison>& comparisons();

struct Report {
  std::string markdown;
  std::vector<std::pair<std::string, std::string>> images;  // file name -> SVG
};

// Builds docs/benchmarks.md (image links are "images/<file name>").
Report build_report(const std::vector<Result>& results, const MachineInfo& machine);

// The middle value (mean of the two middle ones for an even count); NaN when empty.
double median(std::vector<double> values);

}  // namespace duplex::bench
