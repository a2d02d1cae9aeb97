// The frame header (lesson 09). RFC 6455 §5.2. See frame_header.hpp.
// @lesson 09
#include "src/ws/frame_header.hpp"

namespace duplex::ws {

bool is_reserved_opcode(std::uint8_t opcode) {
  return (opcode >= 0x3 && opcode <= 0x7) || opcode >= 0xB;
}

const char* opcode_name(Opcode opcode) {
  switch (opcode) {
    case Opcode::kContinuation:
      return "continuation";
    case Opcode::kText:
      return "text";
    case Opcode::kBinary:
      return "binary";
    case Opcode::kClose:
      return "close";
    case Opcode::kPing:
      return "ping";
    case Opcode::kPong:
      return "pong";
  }
  return "reserved";
}

std::size_t frame_header_size(const FrameHeader& header) {
  std::size_t size = 2;
  if (header.payload_length > 0xFFFF) {
    size += 8;
  } else if (header.payload_length > 125) {
    size += 2;
  }
  return size + (header.masked ? 4 : 0);
}

// @anchor lesson09-encode-header
std::size_t encode_frame_header(const FrameHeader& header, char* out) {
  auto* bytes = reinterpret_cast<std::uint8_t*>(out);
  bytes[0] = static_cast<std::uint8_t>((header.fin ? 0x80 : 0) | (header.rsv & 0x7) << 4 |
                                       (static_cast<std::uint8_t>(header.opcode) & 0xF));
  std::uint8_t mask_bit = header.masked ? 0x80 : 0;
  std::size_t at = 2;
  // RFC 6455 §5.2: "the minimal number of bytes MUST be used to encode the length".
  if (header.payload_length <= 125) {
    bytes[1] = static_cast<std::uint8_t>(mask_bit | header.payload_length);
  } else if (header.payload_length <= 0xFFFF) {
    bytes[1] = mask_bit | 126;
    bytes[2] = static_cast<std::uint8_t>(header.payload_length >> 8);
    bytes[3] = static_cast<std::uint8_t>(header.payload_length);
    at = 4;
  } else {
    bytes[1] = mask_bit | 127;
    for (int i = 0; i < 8; ++i) {
      bytes[2 + i] = static_cast<std::uint8_t>(header.payload_length >> (56 - 8 * i));
    }
    at = 10;
  }
  if (header.masked) {
    for (std::size_t i = 0; i < 4; ++i) bytes[at + i] = header.mask_key[i];
    at += 4;
  }
  return at;
}

}  // namespace duplex::ws
