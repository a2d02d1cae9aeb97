// decode_frames (lesson 09): reads WebSocket frames from stdin and prints each one field by field.
//
// A throwaway program to watch RFC 6455 §5.2 at work before there is a server: pipe bytes in
// (raw, or as hex with --hex) and it runs them through the real FrameParser and frame tracer.
//   printf '\x81\x05Hello' | build/lessons/09-frames/decode_frames
//   echo '81 85 37 fa 21 3d 7f 9f 4d 51 58' | build/lessons/09-frames/decode_frames --hex
//   --from-client
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "src/ws/frame_parser.hpp"
#include "src/ws/frame_trace.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: decode_frames [--hex] [--from-client] [--max-frame BYTES] < frames";

// "81 05 48 65" (any whitespace, either case) -> bytes; false on anything else.
bool hex_to_bytes(std::string_view text, std::string& out) {
  int high = -1;
  for (char ch : text) {
    if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r') continue;
    int value;
    if (ch >= '0' && ch <= '9')
      value = ch - '0';
    else if (ch >= 'a' && ch <= 'f')
      value = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F')
      value = ch - 'A' + 10;
    else
      return false;
    if (high < 0) {
      high = value;
    } else {
      out += static_cast<char>(high << 4 | value);
      high = -1;
    }
  }
  return high < 0;
}

}  // namespace

int main(int argc, char** argv) {
  bool hex = false;
  auto role = duplex::ws::Role::kClient;  // by default we read what a server sends: unmasked
  duplex::ws::FrameParserLimits limits;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--hex") {
      hex = true;
    } else if (arg == "--from-client") {
      role = duplex::ws::Role::kServer;  // frames from a client are read by a server
    } else if (arg == "--max-frame" && i + 1 < argc) {
      char* end = nullptr;
      limits.max_frame_size = std::strtoull(argv[++i], &end, 10);
      if (*end != '\0') {
        std::cerr << "decode_frames: --max-frame needs a number of bytes\n";
        return 2;
      }
    } else {
      std::cerr << "decode_frames: unknown argument " << arg << "; " << kUsage << "\n";
      return 2;
    }
  }

  std::string input;
  char block[4096];
  while (std::size_t n = std::fread(block, 1, sizeof block, stdin)) input.append(block, n);
  if (hex) {
    std::string bytes;
    if (!hex_to_bytes(input, bytes)) {
      std::cerr << "decode_frames: --hex input must be pairs of hex digits\n";
      return 2;
    }
    input = std::move(bytes);
  }

  // @anchor lesson09-decode-loop
  duplex::ws::FrameParser parser(role, limits);
  std::span<char> rest(input.data(), input.size());
  std::string payload_start;  // the first bytes of the current payload, for the trace
  std::size_t frame_start = 0, offset = 0;
  int frames = 0;
  for (;;) {
    auto result = parser.parse(rest);
    rest = rest.subspan(result.consumed);
    offset += result.consumed;
    if (result.failed()) {
      auto code = duplex::ws::to_int(result.error.code);
      std::cout << "error at byte " << offset - 1 << ": fail the connection with " << code << " ("
                << duplex::ws::close_code_name(code) << "): " << result.error.reason << "\n";
      return 1;
    }
    if (result.need_more()) {
      if (offset > frame_start) {
        std::cout << "incomplete frame: " << offset - frame_start
                  << " bytes at the end do not finish it\n";
        return 1;
      }
      return 0;
    }
    switch (result.step) {
      case duplex::ws::FrameStep::kHeader:
        payload_start.clear();
        break;
      case duplex::ws::FrameStep::kPayload:
        if (payload_start.size() < duplex::ws::kTracePayloadBytes) {
          payload_start +=
              result.payload.substr(0, duplex::ws::kTracePayloadBytes - payload_start.size());
        }
        break;
      case duplex::ws::FrameStep::kFrameEnd:
        std::cout << "frame " << ++frames << ", bytes " << frame_start << "-" << offset - 1 << ":\n"
                  << duplex::ws::trace_frame(parser.header(), payload_start);
        frame_start = offset;
        break;
    }
  }
}
