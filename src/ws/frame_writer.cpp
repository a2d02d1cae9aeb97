// Frame serialisation (lesson 09). RFC 6455 §5.2-§5.3. See frame_writer.hpp.
// @lesson 09
#include "src/ws/frame_writer.hpp"

namespace duplex::ws {

// @anchor lesson09-serialise
void append_frame(std::string& out, Opcode opcode, std::string_view payload, bool fin,
                  std::optional<MaskKey> mask, std::uint8_t rsv) {
  FrameHeader header;
  header.fin = fin;
  header.rsv = rsv;
  header.opcode = opcode;
  header.payload_length = payload.size();
  header.masked = mask.has_value();
  if (mask) header.mask_key = *mask;
  char head[kMaxFrameHeaderSize];
  std::size_t head_size = encode_frame_header(header, head);
  std::size_t start = out.size();
  out.append(head, head_size);
  out.append(payload);
  if (mask) apply_mask(out.data() + start + head_size, payload.size(), *mask, 0);
}

std::string serialize_frame(Opcode opcode, std::string_view payload, bool fin,
                            std::optional<MaskKey> mask, std::uint8_t rsv) {
  std::string out;
  out.reserve(kMaxFrameHeaderSize + payload.size());
  append_frame(out, opcode, payload, fin, mask, rsv);
  return out;
}

}  // namespace duplex::ws
