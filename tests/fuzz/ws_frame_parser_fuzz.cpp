// libFuzzer target for src/ws/frame_parser.cpp (lesson 09).
//
// Byte 0 picks the role and byte 1 a chunk size; the rest is the input. Invariants: no crash or
// over-read (ASan), the same frames and error whether the input comes whole or in chunks, and no
// payload beyond what the header announced or the limit allows.
// @lesson 09
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "src/ws/frame_parser.hpp"

namespace {

std::string run(duplex::ws::Role role, const std::string& input, std::size_t chunk) {
  duplex::ws::FrameParserLimits limits;
  limits.max_frame_size = 4096;
  duplex::ws::FrameParser parser(role, limits);
  std::string copy = input, log;
  std::uint64_t payload_seen = 0;
  for (std::size_t at = 0; at < copy.size(); at += chunk) {
    std::span<char> rest(copy.data() + at, std::min(chunk, copy.size() - at));
    for (;;) {
      auto result = parser.parse(rest);
      if (result.consumed > rest.size()) std::abort();
      rest = rest.subspan(result.consumed);
      using Step = duplex::ws::FrameStep;
      if (result.need_more()) break;
      if (result.failed()) {
        return log + "error " + std::to_string(duplex::ws::to_int(result.error.code)) + "\n";
      }
      if (result.step == Step::kHeader) {
        payload_seen = 0;
        if (parser.header().payload_length > limits.max_frame_size) std::abort();
        log += "header " + std::to_string(parser.header().payload_length) + "\n";
      } else if (result.step == Step::kPayload) {
        payload_seen += result.payload.size();
        if (payload_seen > parser.header().payload_length) std::abort();
        log += result.payload;
      } else {
        if (payload_seen != parser.header().payload_length) std::abort();
        log += "\nend\n";
      }
    }
  }
  return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  auto role = (data[0] & 1) != 0 ? duplex::ws::Role::kServer : duplex::ws::Role::kClient;
  std::size_t chunk = data[1] % 16 + 1;
  std::string input(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::string whole = run(role, input, input.size() + 1);
  if (run(role, input, chunk) != whole) std::abort();
  return 0;
}
