// libFuzzer target for Inflater (lesson 14; RFC 1951 §3.2).
//
// The first byte picks the window (2^8..2^15); the rest is the stream. Checked on every input:
// no crash or over-read (ASan), never more output than max_output, and the same answer, the same
// bytes and the same consumed count whole, split in two and byte by byte into small output
// pieces.
// @lesson 14
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "src/deflate/inflater.hpp"

namespace {

using duplex::deflate::InflateError;
using duplex::deflate::Inflater;
using duplex::deflate::InflateResult;
using duplex::deflate::InflaterOptions;

constexpr std::size_t kMaxOutput = 1 << 18;

void check(bool condition) {
  if (!condition) std::abort();
}

struct Outcome {
  int status = 0;  // 0 need more, 1 done, 2 failed
  InflateError error = InflateError::kNone;
  std::size_t consumed = 0;
  std::string output;
  bool operator==(const Outcome&) const = default;
};

template <typename Cuts>
Outcome run(std::string_view input, int window_bits, std::size_t piece_size, Cuts cuts) {
  Inflater inflater(InflaterOptions{window_bits, kMaxOutput});
  Outcome out;
  std::vector<char> piece(piece_size);
  std::size_t at = 0;
  while (at < input.size()) {
    // A copy of exactly the chunk, so an over-read leaves the heap block ASan watches.
    const std::size_t take = cuts(at);
    const std::vector<char> chunk(input.begin() + static_cast<std::ptrdiff_t>(at),
                                  input.begin() + static_cast<std::ptrdiff_t>(at + take));
    std::string_view rest(chunk.data(), chunk.size());
    for (;;) {
      const InflateResult r = inflater.inflate(rest, piece);
      check(r.consumed <= rest.size());
      check(r.produced <= piece.size());
      out.output.append(piece.data(), r.produced);
      check(out.output.size() <= kMaxOutput);
      rest.remove_prefix(r.consumed);
      out.consumed += r.consumed;
      if (r.failed()) {
        out.status = 2;
        out.error = r.error;
        out.consumed = 0;
        out.output.clear();
        return out;
      }
      if (r.done()) {
        out.status = 1;
        return out;
      }
      if (rest.empty() && r.produced < piece.size()) break;
    }
    at += take;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int window_bits = 8 + data[0] % 8;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  const Outcome whole =
      run(input, window_bits, 1 << 16, [&](std::size_t at) { return input.size() - at; });
  const std::size_t cut = input.size() / 3 + 1;
  const Outcome split = run(input, window_bits, 1000, [&](std::size_t at) {
    return at < cut && cut < input.size() ? cut - at : input.size() - at;
  });
  check(split == whole);
  if (input.size() <= 512) {
    const Outcome bytewise = run(input, window_bits, 7, [](std::size_t) { return std::size_t{1}; });
    check(bytewise == whole);
  }
  return 0;
}
