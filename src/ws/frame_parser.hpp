// The frame parser (lesson 09): a sans-I/O reader of RFC 6455 §5.2 frames.
//
// It takes whatever bytes arrived, in pieces of any size, and answers like every parser in Duplex
// (net::ParseResult): need more, done, or failed, with the bytes consumed. "Done" is one step of
// a frame: a header is complete (and has passed every check), a piece of payload is ready
// (unmasked in place, inside the caller's buffer, never copied), or the frame ended. "Failed"
// carries the close code to fail the connection with (RFC 6455 §7.1.7) and why. Every check runs
// before any payload is read, so an oversized frame is refused without buffering it.
// Implements RFC 6455 §5.1, §5.2, §5.3, §5.5 and the framing part of §10.4.
// @lesson 09
#pragma once

#if DUPLEX_LESSON >= 12
// parse_whole_frame() (lesson 12) is a shortcut for the common case of a whole frame already in
// the buffer: one call instead of four steps, the same checks. usual_whole_frame() is a shorter
// one still, for the echo's usual frame: two bytes judged, inline.
#endif

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "src/net/parse_result.hpp"
#include "src/ws/close_code.hpp"
#include "src/ws/frame_header.hpp"
#include "src/ws/role.hpp"

namespace duplex::ws {

// 1 MiB, the default of python-websockets: large enough for chat and game state, small enough
// that a hostile peer cannot make one connection hold much memory.
inline constexpr std::uint64_t kDefaultMaxFrameSize = 1024 * 1024;

struct FrameParserLimits {
  // The largest payload of one frame; a larger one fails the connection with 1009.
  std::uint64_t max_frame_size = kDefaultMaxFrameSize;
  // RSV bits (kRsv1 = 0b100 ...) an extension has negotiated; 0 without extensions (§5.2).
  std::uint8_t allowed_rsv = 0;
};

// Why the peer's bytes are not a frame we accept: the close code to fail the connection with
// (1002, or 1009 for a frame over the limit) and one sentence for logs and the close reason.
struct FrameError {
  CloseCode code = CloseCode::kProtocolError;
  std::string_view reason;  // a string literal
};

// Which step of a frame a "done" result completed.
enum class FrameStep {
  kHeader,    // header() holds a new, checked header
  kPayload,   // `payload` is the next piece of the frame's payload, unmasked
  kFrameEnd,  // the frame's payload is complete (also right after a header of length 0)
};

// The parser's answer: a net::ParseResult, plus, when done, the step and the payload piece.
struct FrameResult : net::ParseResult<FrameError> {
  FrameStep step = FrameStep::kHeader;  // done only
  std::string_view payload;             // done with kPayload only: a view into the input
};

class FrameParser {
 public:
  // `role` is who WE are: a server requires masked frames, a client unmasked ones.
  explicit FrameParser(Role role, FrameParserLimits limits = {});

  // Advances by one step over the front of `input`. Payload bytes are unmasked in place, which
  // is why the input is mutable. Call in a loop, dropping `consumed` bytes each time, until it
  // needs more or fails. After a failure every call fails again, consuming nothing.
  FrameResult parse(std::span<char> input);

  const FrameHeader& header() const { return header_; }
  // Between frames: not one byte of the next frame has arrived yet.
  bool at_frame_start() const { return state_ == State::kHeader && header_have_ == 0; }
  bool failed() const { return state_ == State::kFailed; }
#if DUPLEX_LESSON >= 12
  // The shortcut for the common case. When no frame is in progress and a whole frame, header
  // and payload, lies at the front of `input`, takes it in one call: header() holds it (checked
  // like parse() checks), the payload is unmasked in place, and `size` says how many bytes of
  // `input` it was. Otherwise -- part of the frame still to come, or a frame that breaks a rule
  // -- takes nothing (size 0, state unchanged) and parse() goes on step by step, reporting any
  // error itself, so there is one place that fails the connection.
  struct WholeFrame {
    std::size_t size = 0;      // bytes of `input` taken; 0 when the frame was not taken
    std::string_view payload;  // all of the payload: a view into the input, unmasked
  };
  WholeFrame parse_whole_frame(std::span<char> input);
  // The same look without taking anything: nothing is unmasked and the state does not move.
  // kWhole: a whole frame that passes every check lies at the front of `input` (`header`,
  // `header_size` and `size` describe it). kPartial: no check has failed yet but the header or
  // the payload is still to come (`size` is the frame's when its header is whole, else 0).
  // kNo: a frame is in progress, or the frame breaks a rule (parse() reports it).
  struct PeekedFrame {
    enum class Status { kNo, kPartial, kWhole };
    Status status = Status::kNo;
    std::size_t size = 0;
    std::size_t header_size = 0;
    FrameHeader header;
  };
  PeekedFrame peek_whole_frame(std::span<const char> input) const;
  // The frame an echo meets most, judged from its first two bytes, inline so that a loop over
  // the frames of one read keeps everything in registers: FIN, text or binary, no RSV bit
  // (0x81, 0x82), masked as a server requires (§5.1), a 7-bit length (no extended length, so
  // none in a longer encoding than needed, §5.2) within max_frame_size (§10.4). parse() accepts
  // every such frame. Returns its size when one lies whole at the front of `input`, else 0
  // (peek_whole_frame() judges it). Judges bytes only: the caller makes sure a frame begins at
  // `input` (at_frame_start()). Its header is kUsualHeaderSize bytes, the key after the first two.
  static constexpr std::size_t kUsualHeaderSize = 2 + kMaskKeySize;
  std::size_t usual_whole_frame(std::span<const char> input) const {
    if (input.size() < kUsualHeaderSize || role_ != Role::kServer) return 0;
    const auto* b = reinterpret_cast<const std::uint8_t*>(input.data());
    std::uint8_t length = b[1] & 0x7F;
    bool usual = static_cast<std::uint8_t>(b[0] - 0x81) <= 1 && (b[1] & 0x80) != 0 &&
                 length <= kMaxControlPayload && length <= limits_.max_frame_size;
    std::size_t size = kUsualHeaderSize + length;
    return usual && size <= input.size() ? size : 0;
  }
#endif
#if DUPLEX_LESSON >= 14
  // An extension was negotiated after construction (RFC 7692 §6: permessage-deflate uses RSV1).
  void allow_rsv(std::uint8_t bits) {
    limits_.allowed_rsv = bits;
  }
#endif

 private:
  enum class State { kHeader, kPayload, kFailed };

  FrameResult done(FrameStep step, std::size_t consumed, std::string_view payload = {}) const;
  FrameResult fail(CloseCode code, std::string_view reason, std::size_t consumed);
  // The checks that need only the first two bytes; nullptr when they pass.
  const char* check_first_two_bytes(std::uint8_t b0, std::uint8_t b1) const;
  // Decodes a complete header at `b` into `out` and runs the checks that need all of it (6-8);
  // nullptr when they pass, else why not, with `code` set.
  const char* decode_header(const std::uint8_t* b, FrameHeader& out, CloseCode& code) const;

  Role role_;
  FrameParserLimits limits_;
  State state_ = State::kHeader;
  // The header arrives into this small buffer first, so it may be split anywhere.
  std::uint8_t header_bytes_[kMaxFrameHeaderSize];
  std::size_t header_have_ = 0;
  std::size_t header_need_ = 2;
  FrameHeader header_;
  // How much of the current frame's payload has been delivered: where the mask key continues.
  std::uint64_t payload_delivered_ = 0;
  FrameError error_;
};

}  // namespace duplex::ws
