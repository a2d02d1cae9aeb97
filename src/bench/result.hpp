// Result: one measurement as one line of text, the format between duplex-bench's load modes and
// its report writer (lesson 12).
//
//   result row=ws-small run=2 msgs_per_s=181234.5 p50_us=310.2 errors=0
//
// Every load mode prints its result this way on stdout; tests/bench/run appends the lines to a
// file and `duplex-bench report` turns the file into docs/benchmarks.md. A value never holds a
// space (the writer replaces spaces with '_'), so splitting on spaces is the whole parser.
// @lesson 12
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace duplex::bench {

struct Result {
  std::map<std::string, std::string> fields;

  void set(const std::string& key, std::string_view value);
  void set(const std::string& key, double value);  // printed with up to 6 significant digits
  std::string get(const std::string& key) const;   // "" when absent
  std::optional<double> number(const std::string& key) const;

  // "result key=value ..." (keys in sorted order).
  std::string line() const;
  // Parses a line() back; nullopt for any other line (program output, comments).
  static std::optional<Result> parse(std::string_view line);
};

// A value as a results file holds it, for prose: the writer's '_' back to spaces.
std::string readable(std::string_view value);

}  // namespace duplex::bench
