// The WebSocket frames a load generator writes and reads (lesson 12): a client's frames,
// masked as RFC 6455 §5.3 requires, and a server's unmasked frames taken whole from the front of
// what arrived. The loads build frames by the thousand and check what comes back, so this is a
// small, allocation-light copy of the wire format, not the server's parser (which a load must not
// trust to test itself).
// @lesson 12
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace duplex::bench {

// RFC 6455 §5.2 opcodes, as the first byte with FIN set.
constexpr std::uint8_t kFinText = 0x81;
constexpr std::uint8_t kFinBinary = 0x82;
constexpr std::uint8_t kFinPong = 0x8A;

// A frame header for a payload of `size` bytes: the 7-bit length, or 126 and 16 bits, or 127
// and 64 bits, in network byte order (RFC 6455 §5.2); the MASK bit set when `masked` (the
// masking key itself is not part of it).
std::string frame_header(std::uint8_t first_byte, std::size_t size, bool masked);

// A whole client frame: header, the 4-byte key, the payload XORed with the key (§5.3).
std::string masked_frame(std::uint8_t first_byte, std::string_view payload,
                         const unsigned char key[4]);

// One whole frame at the front of `in`, as a server sends it: its opcode (0x1 text, 0x8 close,
// 0x9 ping, ...), FIN, RSV1 (compressed, RFC 7692), its payload and the bytes it took. A server
// never masks (§5.1): `masked` says it did, and the payload is then left masked.
struct ServerFrame {
  int opcode = 0;
  bool fin = false;
  bool rsv1 = false;
  bool masked = false;
  std::string_view payload;
  std::size_t length = 0;
};

// nullopt while the frame is incomplete.
std::optional<ServerFrame> take_server_frame(std::string_view in);

}  // namespace duplex::bench
