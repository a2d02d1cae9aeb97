// The frame parser (lesson 09). RFC 6455 §5.2. See frame_parser.hpp.
// @lesson 09
#include "src/ws/frame_parser.hpp"

#include <algorithm>
#include <cstring>

namespace duplex::ws {

namespace {

// §5.2: a header is 2 bytes, plus 2 or 8 of extended length, plus 4 of masking key; the second
// byte says which.
std::size_t header_size(std::uint8_t b1) {
  std::uint8_t length7 = b1 & 0x7F;
  return 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + ((b1 & 0x80) != 0 ? 4 : 0);
}

}  // namespace

FrameParser::FrameParser(Role role, FrameParserLimits limits) : role_(role), limits_(limits) {}

FrameResult FrameParser::done(FrameStep step, std::size_t consumed,
                              std::string_view payload) const {
  FrameResult result;
  result.status = net::ParseStatus::kDone;
  result.consumed = consumed;
  result.step = step;
  result.payload = payload;
  return result;
}

FrameResult FrameParser::fail(CloseCode code, std::string_view reason, std::size_t consumed) {
  state_ = State::kFailed;
  error_ = {code, reason};
  FrameResult result;
  result.status = net::ParseStatus::kFailed;
  result.consumed = consumed;
  result.error = error_;
  return result;
}

// @anchor lesson09-parser-checks
const char* FrameParser::check_first_two_bytes(std::uint8_t b0, std::uint8_t b1) const {
  bool fin = (b0 & 0x80) != 0;
  std::uint8_t rsv = (b0 >> 4) & 0x7;
  std::uint8_t opcode = b0 & 0xF;
  bool masked = (b1 & 0x80) != 0;
  std::uint8_t length7 = b1 & 0x7F;
  // 1. RFC 6455 §5.2: RSV1-3 "MUST be 0 unless an extension is negotiated that defines meanings
  // for non-zero values".
  if ((rsv & ~limits_.allowed_rsv) != 0) return "reserved bits set without an extension";
  // 2. §5.2: "If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket
  // Connection_."
  if (is_reserved_opcode(opcode)) return "reserved opcode";
  if ((opcode & 0x8) != 0) {
    // 3. §5.5: "Control frames themselves MUST NOT be fragmented."
    if (!fin) return "fragmented control frame";
    // 4. §5.5: "All control frames MUST have a payload length of 125 bytes or less". This also
    // refuses the 126/127 markers, so no extended length is ever read for a control frame.
    if (length7 > kMaxControlPayload) return "control frame longer than 125 bytes";
  }
  // 5. §5.1: "The server MUST close the connection upon receiving a frame that is not masked"
  // and "A client MUST close a connection if it detects a masked frame."
  if (role_ == Role::kServer && !masked) return "unmasked frame from a client";
  if (role_ == Role::kClient && masked) return "masked frame from a server";
  return nullptr;
}

const char* FrameParser::decode_header(const std::uint8_t* b, FrameHeader& out,
                                       CloseCode& code) const {
  code = CloseCode::kProtocolError;
  out.fin = (b[0] & 0x80) != 0;
  out.rsv = (b[0] >> 4) & 0x7;
  out.opcode = static_cast<Opcode>(b[0] & 0xF);
  out.masked = (b[1] & 0x80) != 0;
  std::uint8_t length7 = b[1] & 0x7F;
  std::size_t at = 2;
  if (length7 == 126) {
    out.payload_length = std::uint64_t{b[2]} << 8 | b[3];
    at = 4;
  } else if (length7 == 127) {
    out.payload_length = 0;
    for (int i = 0; i < 8; ++i) out.payload_length = out.payload_length << 8 | b[2 + i];
    at = 10;
  } else {
    out.payload_length = length7;
  }
  // 6. §5.2: in the 64-bit length "the most significant bit MUST be 0".
  if (length7 == 127 && (out.payload_length >> 63) != 0) {
    return "64-bit length with the top bit set";
  }
  // 7. §5.2: "the minimal number of bytes MUST be used to encode the length". A sender that
  // breaks this MUST is broken or probing for parsers that disagree; Duplex refuses the
  // frame (1002) rather than guess.
  if ((length7 == 126 && out.payload_length <= 125) ||
      (length7 == 127 && out.payload_length <= 0xFFFF)) {
    return "length not in its minimal encoding";
  }
  if (out.masked) std::memcpy(out.mask_key.data(), b + at, 4);
  // 8. §10.4: an endpoint limits the size of frames it accepts; over the limit -> 1009
  // (§7.4.1), decided from the header alone, before reading or buffering any payload.
  if (out.payload_length > limits_.max_frame_size) {
    code = CloseCode::kMessageTooBig;
    return "frame larger than the limit";
  }
  return nullptr;
}

// @anchor lesson09-parse
FrameResult FrameParser::parse(std::span<char> input) {
  // @exercise lesson09-frame-parser #sans-io-steps-not-callbacks
  std::size_t consumed = 0;
  FrameResult need_more;  // status kNeedMore
  switch (state_) {
    case State::kFailed:
      return fail(error_.code, error_.reason, 0);

    case State::kHeader: {
      while (header_have_ < header_need_) {
        if (consumed == input.size()) {
          need_more.consumed = consumed;
          return need_more;
        }
        std::size_t take = std::min(header_need_ - header_have_, input.size() - consumed);
        std::memcpy(header_bytes_ + header_have_, input.data() + consumed, take);
        header_have_ += take;
        consumed += take;
        if (header_have_ == 2 && header_need_ == 2) {
          // Checks 1-5 need only these two bytes: fail before waiting for more.
          if (const char* reason = check_first_two_bytes(header_bytes_[0], header_bytes_[1])) {
            return fail(CloseCode::kProtocolError, reason, consumed);
          }
          header_need_ = header_size(header_bytes_[1]);
        }
      }

      header_have_ = 0;
      header_need_ = 2;
      CloseCode code;
      if (const char* reason = decode_header(header_bytes_, header_, code)) {
        return fail(code, reason, consumed);
      }
      payload_delivered_ = 0;
      state_ = State::kPayload;
      return done(FrameStep::kHeader, consumed);
    }

    case State::kPayload: {
      std::uint64_t left = header_.payload_length - payload_delivered_;
      if (left == 0) {
        state_ = State::kHeader;
        return done(FrameStep::kFrameEnd, 0);
      }
      if (input.empty()) return need_more;
      std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(left, input.size()));
      char* piece = input.data();
      // §5.3: unmask in place, continuing the key where the previous piece stopped.
      if (header_.masked) apply_mask(piece, take, header_.mask_key, payload_delivered_);
      payload_delivered_ += take;
      return done(FrameStep::kPayload, take, std::string_view(piece, take));
    }
  }
  return need_more;
  // @exercise end
}

#if DUPLEX_LESSON >= 12
// @anchor lesson12-whole-frame
FrameParser::WholeFrame FrameParser::parse_whole_frame(std::span<char> input) {
  PeekedFrame frame = peek_whole_frame(input);
  if (frame.status != PeekedFrame::Status::kWhole) return {};
  std::size_t length = static_cast<std::size_t>(frame.header.payload_length);
  char* payload = input.data() + frame.header_size;
  if (frame.header.masked) apply_mask(payload, length, frame.header.mask_key, 0);  // §5.3
  header_ = frame.header;
  payload_delivered_ = length;
  return {frame.size, std::string_view(payload, length)};
}

FrameParser::PeekedFrame FrameParser::peek_whole_frame(std::span<const char> input) const {
  PeekedFrame frame;
  // Only at a frame boundary: a frame begun in an earlier read continues the incremental way.
  if (state_ != State::kHeader || header_have_ != 0) return frame;
  frame.status = PeekedFrame::Status::kPartial;
  if (input.size() < 2) return frame;
  const auto* b = reinterpret_cast<const std::uint8_t*>(input.data());
  // The same checks as parse(), on the header where it lies instead of a copy in header_bytes_.
  // A frame that fails one is left to parse(), which reports it. The usual frame passes the
  // five checks of the first two bytes by its looks alone, so they run only for the others:
  // FIN with opcode 0, 1 or 2 and no RSV bit (0x80-0x82; checks 1-4 concern RSV bits, reserved
  // opcodes and control frames), and the mask bit our role requires (check 5).
  bool usual_first_byte = static_cast<std::uint8_t>(b[0] - 0x80) <= 2;
  bool mask_as_required = ((b[1] & 0x80) != 0) == (role_ == Role::kServer);
  if (!(usual_first_byte && mask_as_required) && check_first_two_bytes(b[0], b[1]) != nullptr) {
    return {};
  }
  frame.header_size = header_size(b[1]);
  if (input.size() < frame.header_size) return frame;
  CloseCode code;
  if (decode_header(b, frame.header, code) != nullptr) return {};
  frame.size = frame.header_size + static_cast<std::size_t>(frame.header.payload_length);
  if (frame.header.payload_length > input.size() - frame.header_size) return frame;
  frame.status = PeekedFrame::Status::kWhole;
  return frame;
}
#endif

}  // namespace duplex::ws
