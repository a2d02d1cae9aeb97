// The frame tracer (lesson 09): one frame, field by field, as RFC 6455 §5.2 draws it.
//
// The I/O glue prints this for every frame with `--trace`, and the lesson's decode_frames program
// prints it for bytes read from stdin, so the diagram becomes something you can watch.
// @lesson 09
#pragma once

#include <string>
#include <string_view>

#include "src/ws/frame_header.hpp"

namespace duplex::ws {

// How many payload bytes the tracer shows.
inline constexpr std::size_t kTracePayloadBytes = 32;

// Two or more lines, each ending in '\n':
//   FIN=1 RSV=000 opcode=0x1 (text) MASK=1 key=37 fa 21 3d length=5 (7-bit)
//     on wire  7f 9f 4d 51 58                                   |..MQX|
//     payload  48 65 6c 6c 6f                                   |Hello|
// `payload` is the unmasked payload, or its first bytes (at most kTracePayloadBytes are shown).
// A masked frame also gets an "on wire" row: its first bytes as they were sent, still masked.
// From lesson 14, a text or binary frame with RSV1 says so after its RSV bits:
//   FIN=1 RSV=100 (rsv1: compressed) opcode=0x1 (text) MASK=0 length=7 (7-bit)
std::string trace_frame(const FrameHeader& header, std::string_view payload);

}  // namespace duplex::ws
