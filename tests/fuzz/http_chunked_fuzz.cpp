// libFuzzer target for ChunkedDecoder and ChunkedEncoder (lesson 05).
//
// Checked on every input: the decoder never consumes more than it is given, decodes the same
// payload (or fails at the same offset with the same status) whole, split in two and byte by
// byte, never exceeds the body limit, and whatever it decodes survives an encode-decode round
// trip unchanged.
// @lesson 05
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "src/http/chunked_decoder.hpp"
#include "src/http/chunked_encoder.hpp"

namespace {

using duplex::http::ChunkedDecoder;
using duplex::http::ChunkedEncoder;
using duplex::http::ParseResult;
using duplex::http::ParserLimits;
using duplex::http::ParseStatus;

void check(bool condition) {
  if (!condition) std::abort();
}

struct Decoded {
  ParseStatus status;
  std::size_t consumed = 0;
  int error_status = 0;
  std::size_t error_offset = 0;
  std::string payload;
  bool operator==(const Decoded&) const = default;
};

template <typename Cuts>
Decoded decode(std::string_view input, const ParserLimits& limits, Cuts cuts) {
  ChunkedDecoder decoder(limits);
  Decoded out{ParseStatus::kNeedMore};
  std::size_t at = 0;
  while (at < input.size()) {
    std::size_t take = cuts(at);
    ParseResult r = decoder.feed(input.substr(at, take), out.payload);
    check(r.consumed <= take);
    out.status = r.status;
    if (r.failed()) {
      out.error_status = r.error.status;
      out.error_offset = r.error.offset;
      out.consumed = 0;
      return out;
    }
    out.consumed += r.consumed;
    if (r.done()) return out;
    check(r.consumed == take);
    at += take;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ParserLimits limits;
  limits.max_body = 4096;
  limits.max_chunk_line = 64;
  limits.max_header_bytes = 256;
  limits.max_fields = 4;

  Decoded whole = decode(input, limits, [&](std::size_t at) { return size - at; });
  check(whole.payload.size() <= limits.max_body);
  if (whole.status == ParseStatus::kFailed) check(whole.error_offset <= size);

  std::size_t cut = size / 3 + 1;
  Decoded split = decode(input, limits, [&](std::size_t at) {
    return at < cut ? cut - at < size - at ? cut - at : size - at : size - at;
  });
  check(split == whole);
  Decoded bytewise = decode(input, limits, [](std::size_t) { return std::size_t{1}; });
  check(bytewise == whole);

  if (whole.status == ParseStatus::kDone) {
    ChunkedEncoder encoder;
    std::string wire;
    for (std::size_t at = 0; at < whole.payload.size(); at += 100) {
      encoder.encode(std::string_view(whole.payload).substr(at, 100), wire);
    }
    encoder.finish(wire);
    Decoded again = decode(wire, limits, [&](std::size_t at) { return wire.size() - at; });
    check(again.status == ParseStatus::kDone);
    check(again.payload == whole.payload);
    check(again.consumed == wire.size());
  }
  return 0;
}
