// The WebSocket protocol state machine (lesson 10). RFC 6455 §5.4-§5.6, §7, §8.1. See
// protocol.hpp.
// @lesson 10
#include "src/ws/protocol.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "src/ws/frame_writer.hpp"

namespace duplex::ws {

namespace {

constexpr std::uint64_t kMaxEagerReserve = 64 * 1024;

}  // namespace

Protocol::Protocol(Role role, ProtocolLimits limits, MaskKeySource mask_source)
    : role_(role),
      limits_(limits),
      mask_source_(std::move(mask_source)),
      parser_(role, FrameParserLimits{limits.max_frame_size, 0}) {}

void Protocol::receive_data(std::string_view data) {
  input_copy_.assign(data);
  std::span<char> rest(input_copy_.data(), input_copy_.size());
  do {
    rest = rest.subspan(receive_data_in_place(rest));
  } while (!rest.empty());
}

// @anchor lesson10-receive
std::size_t Protocol::receive_data_in_place(std::span<char> data) {
  // After a failure, a received close or end of file, input is dropped (§7.1.7: "MUST NOT
  // continue to attempt to process data"; §5.5.1: nothing follows a close frame).
  if (failed_ || close_received_ || eof_) return data.size();
  std::span<char> rest = data;
  // Stops after a frame that ends a message or is a control frame: its events are then the
  // last ones queued, and the caller handles them before the next frame is parsed.
  bool stop = false;
  while (!stop && !failed_) {
    // Nothing left and no frame begun: parse() would only say it needs more.
    if (rest.empty() && parser_.at_frame_start()) break;
#if DUPLEX_LESSON >= 12
    // Lesson 12: a frame that arrived whole (the usual case for small messages) is taken in one
    // call; any other goes step by step below. Both run the same checks.
    if (auto frame = parser_.parse_whole_frame(rest); frame.size != 0) {
      rest = rest.subspan(frame.size);
      if (on_header() && (frame.payload.empty() || on_payload(frame.payload))) {
        stop = on_frame_end();
      }
      continue;
    }
#endif
    FrameResult result = parser_.parse(rest);
    rest = rest.subspan(result.consumed);
    if (result.need_more()) break;
    if (result.failed()) {
      fail(result.error.code, result.error.reason);
      break;
    }
    switch (result.step) {
      case FrameStep::kHeader:
        on_header();
        break;
      case FrameStep::kPayload:
        on_payload(result.payload);
        break;
      case FrameStep::kFrameEnd:
        stop = on_frame_end();
        break;
    }
  }
  std::size_t consumed = data.size() - rest.size();
  bytes_received_ += consumed;
  // After a failure or a close nothing more is read: the rest is dropped, so all is consumed.
  return failed_ || close_received_ ? data.size() : consumed;
}

// @anchor lesson10-fragments
bool Protocol::on_header() {
  const FrameHeader& header = parser_.header();
#if DUPLEX_LESSON >= 14
  // RFC 7692 §6: RSV1 marks a compressed message on its first frame only. The parser let RSV1
  // through because permessage-deflate was agreed; where else it appears is an error (§6.1:
  // "An endpoint MUST NOT set the "Per-Message Compressed" bit of control frames and non-first
  // fragments of a data message"; RFC 6455 §5.2 fails the connection for it).
  if ((header.rsv & kRsv1) != 0 && is_control(header.opcode)) {
    fail(CloseCode::kProtocolError, "RSV1 set on a control frame");
    return false;
  }
  if ((header.rsv & kRsv1) != 0 && header.opcode == Opcode::kContinuation) {
    fail(CloseCode::kProtocolError, "RSV1 set on a continuation frame");
    return false;
  }
#endif
  if (is_control(header.opcode)) {
    // §5.4: control frames may arrive between the fragments of a message; they use their own
    // buffer so the message being assembled is left alone.
    control_.clear();
    return true;
  }
  if (header.opcode == Opcode::kContinuation) {
    // §5.4: a continuation frame continues something; with nothing started it is an error.
    if (!in_message_) {
      fail(CloseCode::kProtocolError, "continuation frame without a message to continue");
      return false;
    }
  } else {
    // §5.4: the fragments of one message are not interleaved with another message.
    if (in_message_) {
      fail(CloseCode::kProtocolError, "new data frame inside a fragmented message");
      return false;
    }
    in_message_ = true;
    message_opcode_ = header.opcode;
    message_.clear();
    utf8_.reset();
#if DUPLEX_LESSON >= 14
    compressed_ = (header.rsv & kRsv1) != 0;
#endif
  }
  // §10.4: the message limit is checked against the announced length, before the payload.
  if (header.payload_length > limits_.max_message_size - message_.size()) {
    fail(CloseCode::kMessageTooBig, "message larger than the limit");
    return false;
  }
  // A single-frame message's size is known, so one allocation can hold it. Only up to
  // kMaxEagerReserve, though: a peer could announce 1 MiB and send nothing, and memory should
  // follow the bytes that really arrived, not the ones promised.
  if (header.opcode != Opcode::kContinuation && header.fin) {
    message_.reserve(std::min<std::uint64_t>(header.payload_length, kMaxEagerReserve));
  }
  return true;
}

bool Protocol::on_payload(std::string_view piece) {
  if (is_control(parser_.header().opcode)) {
    control_.append(piece);
    return true;
  }
#if DUPLEX_LESSON >= 14
  if (compressed_) return inflate_piece(piece, false);
#endif
  // §8.1: check text as it arrives, so bad UTF-8 fails the connection at the first bad byte,
  // even in the middle of a fragment, not only when the message is complete.
  if (message_opcode_ == Opcode::kText && !utf8_.feed(piece)) {
    fail(CloseCode::kInvalidPayload, "invalid UTF-8 in a text message");
    return false;
  }
  message_.append(piece);
  return true;
}

bool Protocol::on_frame_end() {
  const FrameHeader& header = parser_.header();
  if (is_control(header.opcode)) {
    on_control_frame(header.opcode);
    return true;
  }
  if (!header.fin) return false;
#if DUPLEX_LESSON >= 14
  if (compressed_ && !inflate_piece({}, true)) return true;
#endif
  if (message_opcode_ == Opcode::kText && !utf8_.complete()) {
    fail(CloseCode::kInvalidPayload, "text message ends inside a UTF-8 sequence");
    return true;
  }
  in_message_ = false;
  Event event{message_opcode_ == Opcode::kText ? Event::Kind::kText : Event::Kind::kBinary,
              std::move(message_), CloseCode::kNormal};
  message_.clear();
  events_.push_back(std::move(event));
  return true;
}

void Protocol::on_control_frame(Opcode opcode) {
  if (opcode == Opcode::kPing) {
    events_.push_back({Event::Kind::kPing, control_, CloseCode::kNormal});
    // §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response"
    // with "identical Application data" -- unless it already sent its close (§5.5.1).
    if (state_ == State::kOpen) send_frame(Opcode::kPong, control_);
  } else if (opcode == Opcode::kPong) {
    // §5.5.3: a pong may be unsolicited (a heartbeat); it is reported, never an error.
    events_.push_back({Event::Kind::kPong, control_, CloseCode::kNormal});
  } else {
    on_close_frame();
  }
}

// @anchor lesson10-close
void Protocol::on_close_frame() {
  std::string_view body = control_;
  CloseCode code = CloseCode::kNoStatusReceived;
  std::string_view reason;
  if (body.size() == 1) {
    // §5.5.1: a body starts with a 2-byte code; one byte cannot be one.
    fail(CloseCode::kProtocolError, "close frame with a one-byte payload");
    return;
  }
  if (body.size() >= 2) {
    auto raw = static_cast<std::uint16_t>(static_cast<unsigned char>(body[0]) << 8 |
                                          static_cast<unsigned char>(body[1]));
    // §7.4: 1005, 1006, 1015 and unassigned codes must never be on the wire.
    if (!is_valid_wire_close_code(raw)) {
      fail(CloseCode::kProtocolError, "invalid close code");
      return;
    }
    code = static_cast<CloseCode>(raw);
    reason = body.substr(2);
    // §5.5.1: the reason is UTF-8; §8.1 makes bad UTF-8 a 1007.
    if (!is_valid_utf8(reason)) {
      fail(CloseCode::kInvalidPayload, "close reason is not UTF-8");
      return;
    }
  }
  close_received_ = true;
  close_code_ = code;
  close_reason_.assign(reason);
  events_.push_back({Event::Kind::kClose, close_reason_, code});
  if (state_ == State::kOpen) {
    // §5.5.1: answer with a close, "typically echoing the status code it received"; an empty
    // close is answered with an empty one, since 1005 may not be sent.
    append_close_frame(code, {});
    close_sent_ = true;
  }
  state_ = State::kClosed;
}

// @anchor lesson10-fail
void Protocol::fail(CloseCode code, std::string_view reason) {
  failed_ = true;
  events_.push_back({Event::Kind::kFailure, std::string(reason), code});
  // §7.1.7: send a close frame with the code if none was sent yet, then nothing more.
  if (!close_sent_) {
    append_close_frame(code, reason.substr(0, kMaxCloseReason));
    close_sent_ = true;
  }
  if (!close_received_) close_code_ = CloseCode::kAbnormalClosure;
  state_ = State::kClosed;
}

void Protocol::receive_eof() {
  if (eof_) return;
  eof_ = true;
  // §7.1.5: the connection closed without a close frame: "_The WebSocket Connection Close Code_
  // is considered to be 1006", reported to the application only.
  if (!close_received_ && !failed_) {
    close_code_ = CloseCode::kAbnormalClosure;
    events_.push_back({Event::Kind::kClose, std::string(), CloseCode::kAbnormalClosure});
  }
  state_ = State::kClosed;
}

std::vector<Event> Protocol::events_received() {
  return std::exchange(events_, {});
}

#if DUPLEX_LESSON >= 12
void Protocol::events_received(std::vector<Event>& out) {
  out.clear();
  out.swap(events_);
}

void Protocol::reuse_message_buffer(std::string&& buffer) {
  if (in_message_ || buffer.capacity() <= message_.capacity() ||
      buffer.capacity() > kMaxEagerReserve) {
    return;
  }
  message_ = std::move(buffer);
  message_.clear();
}
#endif

void Protocol::append_close_frame(CloseCode code, std::string_view reason) {
  char body[2 + kMaxCloseReason];
  std::size_t size = 0;
  if (code != CloseCode::kNoStatusReceived) {
    body[0] = static_cast<char>(to_int(code) >> 8);
    body[1] = static_cast<char>(to_int(code) & 0xFF);
    reason = reason.substr(0, kMaxCloseReason);
    reason.copy(body + 2, reason.size());
    size = 2 + reason.size();
  }
  send_frame(Opcode::kClose, std::string_view(body, size));
}

bool Protocol::send_frame(Opcode opcode, std::string_view payload) {
  std::optional<MaskKey> key;
  if (role_ == Role::kClient) key = mask_source_();
  append_frame(output_, opcode, payload, true, key);
  return true;
}

bool Protocol::send_text(std::string_view text) {
  // Sending invalid UTF-8 would make the peer fail the connection with 1007 (§8.1).
  if (state_ != State::kOpen || !is_valid_utf8(text)) return false;
#if DUPLEX_LESSON >= 14
  if (compresses(text.size())) return send_compressed(Opcode::kText, text);
#endif
  return send_frame(Opcode::kText, text);
}

#if DUPLEX_LESSON >= 12
std::size_t Protocol::send_header(Opcode opcode, std::string_view payload,
                                  char (&header)[kMaxFrameHeaderSize]) {
  if (state_ != State::kOpen || role_ != Role::kServer) return 0;
  if (opcode == Opcode::kText ? !is_valid_utf8(payload) : opcode != Opcode::kBinary) return 0;
  FrameHeader frame;
  frame.opcode = opcode;
  frame.payload_length = payload.size();
  return encode_frame_header(frame, header);
}
#endif

#if DUPLEX_LESSON >= 12
bool Protocol::may_echo() const {
  // Only where receive_data_in_place() would deliver the next frame as a message and a reply
  // may be sent: open (no close sent or received, no failure), between messages and between
  // frames. A client never echoes this way: its frames must be masked with a fresh key (§5.3).
  if (state_ != State::kOpen || role_ != Role::kServer || in_message_) return false;
#if DUPLEX_LESSON >= 14
  // A compressed message must be inflated, and a reply may have to be compressed.
  if (deflate_) return false;
#endif
  return parser_.at_frame_start();
}

// @anchor lesson12-echo-plan
Protocol::EchoPlan Protocol::plan_echo(std::span<const char> data, std::size_t max_partial) const {
  EchoPlan plan;
  if (!may_echo()) return plan;
  FrameParser::PeekedFrame frame = parser_.peek_whole_frame(data);
  using Peek = FrameParser::PeekedFrame::Status;
  if (frame.status == Peek::kNo) return plan;
  if (frame.header_size == 0 || data.size() < frame.header_size) {
    // Not even the header yet; parse() would wait as well.
    plan.status = EchoPlan::Status::kPartial;
    return plan;
  }
  const FrameHeader& header = frame.header;
  // §5.4: a message in one frame has FIN set and a data opcode, and no RSV bit is ours to
  // echo: the first byte is 0x81 (text) or 0x82 (binary). §10.4: the message limit.
  bool fin_text_or_binary = static_cast<std::uint8_t>(data[0] - 0x81) <= 1;
  if (!fin_text_or_binary || header.payload_length > limits_.max_message_size) return plan;
  if (frame.status == Peek::kPartial) {
    // §8.1 fail fast: text whose payload has begun is checked as it arrives, by the usual way,
    // not held until a promised end that may never come.
    bool text_begun = header.opcode == Opcode::kText && data.size() > frame.header_size;
    if (frame.size <= max_partial && !text_begun) plan.status = EchoPlan::Status::kPartial;
    return plan;
  }
  plan.status = EchoPlan::Status::kWhole;
  plan.input_size = frame.size;
  // The reply is the frame without its masking key (a server's frames are not masked, §5.1).
  plan.reply_size = frame.size - kMaskKeySize;
  plan.header_size = frame.header_size;
  return plan;
}

namespace {

// @anchor lesson12-echo
// The reply to the whole frame of `size` bytes at `frame` (header `header_size` bytes), written
// to `out`: the header, then the payload unmasked on the way (RFC 6455 §5.3). False, with
// nothing to count, for text that is not UTF-8.
bool write_echo_reply(const char* frame, std::size_t header_size, std::size_t size, char* out) {
  // The reply's header is the frame's own without the mask bit and the key: FIN, no RSV bit
  // and the opcode are as the plan required, and the length is already in its minimal encoding
  // (§5.2; the parser refuses any other), which is the same for both.
  std::size_t at = header_size - kMaskKeySize;
  out[0] = frame[0];
  out[1] = static_cast<char>(frame[1] & 0x7F);
  if (at > 2) std::memcpy(out + 2, frame + 2, at - 2);  // the extended length
  MaskKey key;
  std::memcpy(key.data(), frame + at, kMaskKeySize);
  std::size_t length = size - header_size;
  std::uint8_t bits = unmask_copy(frame + header_size, out + at, length, key, 0);
  // §8.1: checked once, on the bytes that go back out; send_text() would check them again.
  // ASCII is valid UTF-8, so only text with a byte of 0x80 or more goes through the DFA.
  bool text = static_cast<std::uint8_t>(frame[0]) == 0x81;
  return !text || (bits & 0x80) == 0 || is_valid_utf8(std::string_view(out + at, length));
}

}  // namespace

// @anchor lesson12-echo-run
Protocol::EchoRun Protocol::echo_whole_frames(std::span<const char> data, std::span<char> out) {
  EchoRun run;
  if (!may_echo()) return run;
  for (;;) {
    std::span<const char> rest = data.subspan(run.taken);
    // The usual frame is judged from its first two bytes; any other goes through plan_echo().
    // §10.4: the message limit.
    std::size_t header_size = FrameParser::kUsualHeaderSize;
    std::size_t size = parser_.usual_whole_frame(rest);
    if (size == 0 || size - header_size > limits_.max_message_size) {
      EchoPlan plan = plan_echo(rest, 0);
      if (plan.status != EchoPlan::Status::kWhole) break;
      header_size = plan.header_size;
      size = plan.input_size;
    }
    // The reply is the frame without its masking key (a server's frames are not masked, §5.1).
    std::size_t reply_size = size - kMaskKeySize;
    if (reply_size > out.size() - run.written ||
        !write_echo_reply(rest.data(), header_size, size, out.data() + run.written)) {
      break;
    }
    run.taken += size;
    run.written += reply_size;
  }
  bytes_received_ += run.taken;
  return run;
}
#endif

bool Protocol::send_binary(std::string_view bytes) {
  if (state_ != State::kOpen) return false;
#if DUPLEX_LESSON >= 14
  if (compresses(bytes.size())) return send_compressed(Opcode::kBinary, bytes);
#endif
  return send_frame(Opcode::kBinary, bytes);
}

bool Protocol::send_ping(std::string_view payload) {
  if (state_ != State::kOpen || payload.size() > kMaxControlPayload) return false;
  return send_frame(Opcode::kPing, payload);
}

bool Protocol::send_pong(std::string_view payload) {
  if (state_ != State::kOpen || payload.size() > kMaxControlPayload) return false;
  return send_frame(Opcode::kPong, payload);
}

bool Protocol::send_close(CloseCode code, std::string_view reason) {
  if (state_ != State::kOpen) return false;
  if (code == CloseCode::kNoStatusReceived) {
    if (!reason.empty()) return false;
  } else if (!is_valid_wire_close_code(to_int(code)) || reason.size() > kMaxCloseReason ||
             !is_valid_utf8(reason)) {
    return false;
  }
  append_close_frame(code, reason);
  close_sent_ = true;
  state_ = State::kClosing;
  return true;
}

bool Protocol::send_serialized_frame(std::string_view frame) {
  if (state_ != State::kOpen || role_ != Role::kServer) return false;
  output_.append(frame);
  return true;
}

std::string Protocol::data_to_send() {
  std::string out = std::move(output_);
  out.erase(0, output_written_);
  output_.clear();
  output_written_ = 0;
  return out;
}

std::string_view Protocol::pending_output() const {
  return std::string_view(output_).substr(output_written_);
}

void Protocol::consume_output(std::size_t written) {
  output_written_ += std::min(written, output_.size() - output_written_);
  // Everything written: reuse the buffer from its start, keeping its capacity.
  if (output_written_ == output_.size()) {
    output_.clear();
    output_written_ = 0;
  }
}

bool Protocol::should_close_transport() const {
  if (failed_ || eof_) return true;
  return role_ == Role::kServer && closing_handshake_done();
}

#if DUPLEX_LESSON >= 14
void Protocol::enable_deflate(const DeflateParams& agreed,
                              const PerMessageDeflateOptions& options) {
  PerMessageDeflateOptions ours = options;
  // One limit for a message, compressed or not: what it decompresses to (RFC 6455 §10.4).
  ours.max_message_size = static_cast<std::size_t>(limits_.max_message_size);
  deflate_ = std::make_unique<PerMessageDeflate>(
      agreed,
      role_ == Role::kServer ? PerMessageDeflate::Side::kServer : PerMessageDeflate::Side::kClient,
      ours);
  // RFC 7692 §6: the extension gives RSV1 its meaning; RSV2 and RSV3 stay errors.
  parser_.allow_rsv(kRsv1);
}

// @anchor lesson14-inflate-piece
// Each fragment is decompressed as it arrives, so memory follows the decompressed size (bounded
// by the message limit) and a bomb is stopped at the limit, not after it was all buffered. The
// UTF-8 check runs on the decompressed bytes (RFC 7692 §6: the message is text once inflated).
bool Protocol::inflate_piece(std::string_view piece, bool last) {
  const std::size_t start = message_.size();
  const InflateOutcome outcome =
      last ? deflate_->finish_message(message_) : deflate_->decompress(piece, message_);
  // What was inflated before a stream error is checked first: how the payload was cut into
  // reads decides how much comes out before the decoder meets the error, and the verdict must
  // not depend on it (the fuzz target compares whole and split input).
  if (message_opcode_ == Opcode::kText && !utf8_.feed(std::string_view(message_).substr(start))) {
    fail(CloseCode::kInvalidPayload, "invalid UTF-8 in a text message");
    return false;
  }
  if (!outcome.ok) {
    // 1009 over the limit, 1007 for a payload that is not the DEFLATE data RSV1 promised.
    fail(outcome.close_code == PerMessageDeflate::kCloseTooBig ? CloseCode::kMessageTooBig
                                                               : CloseCode::kInvalidPayload,
         outcome.close_code == PerMessageDeflate::kCloseTooBig
             ? "decompressed message larger than the limit"
             : "invalid compressed data in a message");
    return false;
  }
  return true;
}

// @anchor lesson14-send-compressed
// RFC 7692 §6.1 and §7.2.1: the payload is the compressed message without its 00 00 ff ff tail,
// and RSV1 is set on the first frame, which is the only one since Protocol sends each message
// in one frame. Control frames never come here (§6.1).
bool Protocol::send_compressed(Opcode opcode, std::string_view payload) {
  deflated_.clear();
  deflate_->compress(payload, deflated_);
  std::optional<MaskKey> key;
  if (role_ == Role::kClient) key = mask_source_();
  append_frame(output_, opcode, deflated_, true, key, kRsv1);
  // Like the message buffer: a large scratch is not kept by an idle connection.
  if (deflated_.capacity() > kMaxEagerReserve) std::string().swap(deflated_);
  return true;
}
#endif

}  // namespace duplex::ws
