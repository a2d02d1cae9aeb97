// The frame tracer (lesson 09). RFC 6455 §5.2. See frame_trace.hpp.
// @lesson 09
#include "src/ws/frame_trace.hpp"

#include <algorithm>

#include "src/ws/close_code.hpp"

namespace duplex::ws {

namespace {

const char kHex[] = "0123456789abcdef";

void append_hex(std::string& out, std::uint8_t byte) {
  out += kHex[byte >> 4];
  out += kHex[byte & 0xF];
}

// Hex dump, 16 bytes a row, with the printable characters on the right.
void append_rows(std::string& out, std::string_view label, std::string_view bytes) {
  for (std::size_t row = 0; row < bytes.size(); row += 16) {
    std::size_t n = std::min<std::size_t>(16, bytes.size() - row);
    out += row == 0 ? label : std::string(label.size(), ' ');
    for (std::size_t i = 0; i < 16; ++i) {
      if (i < n) {
        append_hex(out, static_cast<std::uint8_t>(bytes[row + i]));
        out += ' ';
      } else {
        out += "   ";
      }
    }
    out += '|';
    for (std::size_t i = 0; i < n; ++i) {
      auto c = static_cast<unsigned char>(bytes[row + i]);
      out += c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '.';
    }
    out += "|\n";
  }
}

}  // namespace

// @anchor lesson09-trace
std::string trace_frame(const FrameHeader& header, std::string_view payload) {
  std::string out = "FIN=";
  out += header.fin ? '1' : '0';
  out += " RSV=";
  for (int bit = 2; bit >= 0; --bit) out += (header.rsv >> bit) & 1 ? '1' : '0';
#if DUPLEX_LESSON >= 14
  // RFC 7692 §6: with permessage-deflate, RSV1 on a message's first frame means "compressed",
  // and the payload rows below show DEFLATE data, not the message.
  if ((header.rsv & kRsv1) != 0 &&
      (header.opcode == Opcode::kText || header.opcode == Opcode::kBinary)) {
    out += " (rsv1: compressed)";
  }
#endif
  out += " opcode=0x";
  out += kHex[static_cast<std::uint8_t>(header.opcode) & 0xF];
  out += " (";
  out += opcode_name(header.opcode);
  out += ") MASK=";
  out += header.masked ? '1' : '0';
  if (header.masked) {
    out += " key=";
    for (std::size_t i = 0; i < 4; ++i) {
      if (i > 0) out += ' ';
      append_hex(out, header.mask_key[i]);
    }
  }
  out += " length=" + std::to_string(header.payload_length);
  // Which of the three length encodings of §5.2 carried it.
  out += header.payload_length <= 125      ? " (7-bit)"
         : header.payload_length <= 0xFFFF ? " (16-bit)"
                                           : " (64-bit)";
  out += '\n';

  std::size_t shown = std::min(
      {payload.size(), kTracePayloadBytes, static_cast<std::size_t>(header.payload_length)});
  if (header.payload_length == 0) out += "  payload  (none)\n";
  if (header.masked && shown > 0) {
    // The bytes as they crossed the network: the payload masked again with the same key.
    std::string wire(payload.substr(0, std::min<std::size_t>(shown, 16)));
    apply_mask(wire.data(), wire.size(), header.mask_key, 0);
    append_rows(out, "  on wire  ", wire);
  }
  append_rows(out, "  payload  ", payload.substr(0, shown));
  if (header.payload_length > shown) {
    out += "  ... " + std::to_string(header.payload_length - shown) + " more payload bytes\n";
  }
  if (header.opcode == Opcode::kClose && shown >= 2) {
    unsigned code =
        static_cast<unsigned char>(payload[0]) << 8 | static_cast<unsigned char>(payload[1]);
    out += "  close code " + std::to_string(code) + " (" +
           close_code_name(static_cast<std::uint16_t>(code)) + ")\n";
  }
  return out;
}

}  // namespace duplex::ws
