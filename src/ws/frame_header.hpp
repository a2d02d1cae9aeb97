// The frame header (lesson 09): the fields of RFC 6455 §5.2 and their encoding on the wire.
//
//   byte 0: FIN | RSV1 | RSV2 | RSV3 | opcode (4 bits)
//   byte 1: MASK | payload length (7 bits: 0-125, or 126 / 127 = "read 2 / 8 more bytes")
//   then 0, 2 or 8 bytes of extended length (network byte order), then 0 or 4 bytes of key.
// Decoding, with all its checks, is FrameParser's job (frame_parser.hpp).
// @lesson 09
#pragma once

#include <cstddef>
#include <cstdint>

#include "src/ws/masking.hpp"

namespace duplex::ws {

// RFC 6455 §5.2 and §11.8. 0x3-0x7 and 0xB-0xF are reserved.
enum class Opcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// RFC 6455 §5.5: control frames are those whose opcode has its high bit set.
constexpr bool is_control(Opcode opcode) {
  return (static_cast<std::uint8_t>(opcode) & 0x8) != 0;
}
bool is_reserved_opcode(std::uint8_t opcode);
// "text", "ping", ... or "reserved".
const char* opcode_name(Opcode opcode);

// RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less".
inline constexpr std::size_t kMaxControlPayload = 125;
// 2 bytes + 8 bytes of 64-bit length + 4 bytes of key.
inline constexpr std::size_t kMaxFrameHeaderSize = 14;

// RSV bits as they sit in byte 0, shifted down: RSV1 = 0b100, RSV2 = 0b010, RSV3 = 0b001.
inline constexpr std::uint8_t kRsv1 = 0b100;

struct FrameHeader {
  bool fin = true;
  std::uint8_t rsv = 0;
  Opcode opcode = Opcode::kText;
  bool masked = false;
  std::uint64_t payload_length = 0;
  MaskKey mask_key{};  // meaningful only when masked
};

// The number of bytes encode_frame_header() writes: 2, 4 or 10, plus 4 when masked.
std::size_t frame_header_size(const FrameHeader& header);

// Writes the header in its one legal (shortest) length encoding to `out`, which must have room for
// kMaxFrameHeaderSize bytes. Returns the number of bytes written.
std::size_t encode_frame_header(const FrameHeader& header, char* out);

}  // namespace duplex::ws
