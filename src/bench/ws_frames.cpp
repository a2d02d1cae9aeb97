// The load generator's WebSocket frames (lesson 12). See ws_frames.hpp.
// @lesson 12
#include "src/bench/ws_frames.hpp"

namespace duplex::bench {

std::string frame_header(std::uint8_t first_byte, std::size_t size, bool masked) {
  std::string header;
  header += static_cast<char>(first_byte);
  const unsigned mask_bit = masked ? 0x80 : 0x00;
  if (size < 126) {
    header += static_cast<char>(mask_bit | size);
  } else if (size <= 0xFFFF) {
    header += static_cast<char>(mask_bit | 126);
    header += static_cast<char>((size >> 8) & 0xFF);
    header += static_cast<char>(size & 0xFF);
  } else {
    header += static_cast<char>(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8)
      header += static_cast<char>((static_cast<std::uint64_t>(size) >> shift) & 0xFF);
  }
  return header;
}

std::string masked_frame(std::uint8_t first_byte, std::string_view payload,
                         const unsigned char key[4]) {
  std::string frame = frame_header(first_byte, payload.size(), true);
  frame.append(reinterpret_cast<const char*>(key), 4);
  const std::size_t start = frame.size();
  frame.resize(start + payload.size());
  for (std::size_t i = 0; i < payload.size(); ++i)
    frame[start + i] = static_cast<char>(payload[i] ^ static_cast<char>(key[i % 4]));
  return frame;
}

std::optional<ServerFrame> take_server_frame(std::string_view in) {
  if (in.size() < 2) return std::nullopt;
  const auto b0 = static_cast<unsigned char>(in[0]);
  const auto b1 = static_cast<unsigned char>(in[1]);
  std::uint64_t size = b1 & 0x7F;
  std::size_t header = 2;
  if (size == 126) {
    if (in.size() < 4) return std::nullopt;
    size = (static_cast<std::uint64_t>(static_cast<unsigned char>(in[2])) << 8) |
           static_cast<unsigned char>(in[3]);
    header = 4;
  } else if (size == 127) {
    if (in.size() < 10) return std::nullopt;
    size = 0;
    for (std::size_t i = 2; i < 10; ++i) size = (size << 8) | static_cast<unsigned char>(in[i]);
    header = 10;
  }
  const bool masked = (b1 & 0x80) != 0;
  if (masked) header += 4;
  if (in.size() < header || in.size() - header < size) return std::nullopt;
  return ServerFrame{b0 & 0x0F,
                     (b0 & 0x80) != 0,
                     (b0 & 0x40) != 0,
                     masked,
                     in.substr(header, static_cast<std::size_t>(size)),
                     header + static_cast<std::size_t>(size)};
}

}  // namespace duplex::bench
