// libFuzzer target: inflate(deflate(x)) == x (lesson 14; RFC 1951; RFC 7692 §7.2.1).
//
// The first input bytes choose the level (1..9), the window (2^8..2^15) and how the rest is cut
// into deflate() calls and which cuts end with a sync flush; the rest is x. The stream is
// inflated with exactly the deflater's window, so a match reaching too far back fails too.
// @lesson 14
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "src/deflate/deflater.hpp"
#include "src/deflate/inflater.hpp"

namespace {

using duplex::deflate::Deflater;
using duplex::deflate::DeflaterOptions;
using duplex::deflate::Flush;
using duplex::deflate::Inflater;
using duplex::deflate::InflateResult;
using duplex::deflate::InflaterOptions;

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const int level = 1 + data[0] % 9;
  const int window_bits = 8 + data[1] % 8;
  const std::size_t piece = 1 + std::size_t{data[2]} * 37;
  const bool sync_each_piece = (data[2] & 1) != 0;
  const std::string_view x(reinterpret_cast<const char*>(data) + 3, size - 3);

  Deflater deflater(DeflaterOptions{level, window_bits});
  std::string stream;
  std::string_view rest = x;
  do {
    const std::string_view chunk = rest.substr(0, piece);
    rest.remove_prefix(chunk.size());
    const Flush flush = rest.empty()      ? Flush::kFinish
                        : sync_each_piece ? Flush::kSync
                                          : Flush::kNone;
    const std::size_t before = stream.size();
    deflater.deflate(chunk, flush, stream);
    if (flush == Flush::kSync) {
      // RFC 7692 §7.2.1: every sync flush ends with the empty stored block.
      check(stream.size() >= before + 4 &&
            stream.compare(stream.size() - 4, 4, "\x00\x00\xff\xff", 4) == 0);
    }
  } while (!rest.empty());

  Inflater inflater(InflaterOptions{window_bits, x.size()});
  std::string out;
  std::vector<char> buffer(4096);
  std::string_view in = stream;
  for (;;) {
    const InflateResult r = inflater.inflate(in, buffer);
    check(!r.failed());
    out.append(buffer.data(), r.produced);
    in.remove_prefix(r.consumed);
    if (r.done()) break;
    check(!in.empty() || r.produced == buffer.size());
  }
  check(in.empty());
  check(out == x);
  return 0;
}
