// Frame serialisation (lesson 09): header + payload, masked when a client sends.
//
// RFC 6455 §5.1-§5.3: a server's frames go out unmasked, so one serialised frame can be written
// to any number of connections (a broadcast is encoded once); a client's frames are masked with a
// fresh key each, so they are encoded per send.
// @lesson 09
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "src/ws/frame_header.hpp"

namespace duplex::ws {

// Appends one frame to `out` without allocating beyond `out`'s growth. With a key, the payload is
// masked as it is copied (never in the caller's buffer).
void append_frame(std::string& out, Opcode opcode, std::string_view payload, bool fin = true,
                  std::optional<MaskKey> mask = std::nullopt, std::uint8_t rsv = 0);

// The same, as a new string: for a message encoded once and sent to many connections.
// `rsv`: the RSV bits (kRsv1 for a compressed message's first frame, RFC 7692 §6); 0 otherwise.
std::string serialize_frame(Opcode opcode, std::string_view payload, bool fin = true,
                            std::optional<MaskKey> mask = std::nullopt, std::uint8_t rsv = 0);

}  // namespace duplex::ws
