// Test helper: a FrameParser's steps as text (lesson 09). See frame_log.hpp.
// @lesson 09
#include "tests/ws/frame_log.hpp"

#include <memory>

#include "tests/support/guarded_buffer.hpp"

namespace duplex::ws::testing {

#if DUPLEX_LESSON >= 12
std::string frame_log(Role role, const std::vector<std::string_view>& chunks,
                      FrameParserLimits limits, bool guarded, bool whole_frames) {
#else
std::string frame_log(Role role, const std::vector<std::string_view>& chunks,
                      FrameParserLimits limits, bool guarded) {
#endif
  FrameParser parser(role, limits);
  std::string log, payload;
  std::size_t since_frame_end = 0;  // bytes of a frame not yet completed
  auto log_frame = [&] {
    const FrameHeader& h = parser.header();
    log += "frame fin=" + std::to_string(h.fin) + " rsv=" + std::to_string(h.rsv) +
           " op=" + std::to_string(static_cast<int>(h.opcode)) +
           " mask=" + std::to_string(h.masked) + " len=" + std::to_string(h.payload_length) +
           " payload=" + payload + "\n";
    since_frame_end = 0;
  };
  for (std::string_view chunk : chunks) {
    std::string copy;
    std::unique_ptr<duplex::testing::GuardedBuffer> guard;
    std::span<char> input;
    if (guarded) {
      guard = std::make_unique<duplex::testing::GuardedBuffer>(chunk);
      input = std::span<char>(const_cast<char*>(guard->view().data()), chunk.size());
    } else {
      copy.assign(chunk);
      input = std::span<char>(copy.data(), copy.size());
    }
    for (;;) {
#if DUPLEX_LESSON >= 12
      if (whole_frames) {
        if (auto frame = parser.parse_whole_frame(input); frame.size != 0) {
          input = input.subspan(frame.size);
          payload.assign(frame.payload);
          log_frame();
          continue;
        }
      }
#endif
      auto result = parser.parse(input);
      input = input.subspan(result.consumed);
      since_frame_end += result.consumed;
      if (result.need_more()) break;
      if (result.failed()) {
        log += "error " + std::to_string(to_int(result.error.code)) + " " +
               std::string(result.error.reason) + "\n";
        return log;
      }
      if (result.step == FrameStep::kHeader) {
        payload.clear();
      } else if (result.step == FrameStep::kPayload) {
        payload += result.payload;
      } else {
        log_frame();
      }
    }
  }
  if (since_frame_end > 0) log += "partial\n";
  return log;
}

}  // namespace duplex::ws::testing
