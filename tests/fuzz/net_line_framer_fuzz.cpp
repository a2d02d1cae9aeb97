// libFuzzer target for LineFramer (lesson 02, hardened in lesson 13).
//
// Checked on every input: the lines are the same whether the bytes arrive whole, in two pieces
// or one byte at a time; no line is longer than the limit; a line-too-long failure happens at
// the same line in every split and is sticky; and the lines plus what stays buffered account for
// every byte fed (nothing is lost or invented). The first input byte picks a small limit so the
// limit path is reached often. Fuzzing arrives in lesson 04 (`make fuzz`).
// @lesson 04
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/net/line_framer.hpp"

namespace {

using duplex::net::LineFramer;
using duplex::net::LineTooLong;

void check(bool condition) {
  if (!condition) std::abort();
}

struct Outcome {
  std::vector<std::string> lines;
  bool too_long = false;
  std::size_t buffered = 0;
  bool operator==(const Outcome&) const = default;
};

template <typename Cuts>
Outcome run(std::string_view input, std::size_t limit, Cuts cuts) {
  LineFramer framer(limit);
  Outcome out;
  std::size_t at = 0;
  while (at < input.size() && !out.too_long) {
    std::size_t take = cuts(at, input.size() - at);
    framer.feed(input.substr(at, take));
    at += take;
    try {
      while (std::optional<std::string> line = framer.next_line()) {
        check(line->size() <= limit);
        out.lines.push_back(std::move(*line));
      }
    } catch (const LineTooLong&) {
      out.too_long = true;
      check(framer.failed());
      bool threw_again = false;
      try {
        framer.next_line();
      } catch (const LineTooLong&) {
        threw_again = true;
      }
      check(threw_again);
    }
  }
  out.buffered = out.too_long ? 0 : framer.buffered();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t limit = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  Outcome whole = run(input, limit, [](std::size_t, std::size_t left) { return left; });
  Outcome bytewise = run(input, limit, [](std::size_t, std::size_t) { return std::size_t{1}; });
  std::size_t middle = input.size() / 2;
  Outcome halves = run(input, limit, [middle](std::size_t at, std::size_t left) {
    return at < middle ? middle - at : left;
  });
  // Whole-input feeding may fail on a long line that one-byte feeding also fails on, at the
  // same point: the lines before it are identical in every split.
  check(whole == bytewise);
  check(whole == halves);

  if (!whole.too_long) {
    // Every byte is accounted for: each line, its LF (and a CR dropped before it), the rest.
    std::size_t accounted = whole.buffered;
    for (const std::string& line : whole.lines) accounted += line.size() + 1;
    std::size_t lfs = 0;
    for (char c : input) lfs += c == '\n';
    check(lfs == whole.lines.size());
    check(accounted <= input.size());
    check(input.size() - accounted <= lfs);  // only the dropped CRs are missing
  }
  return 0;
}
