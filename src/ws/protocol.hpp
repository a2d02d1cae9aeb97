// The WebSocket protocol state machine (lesson 10), sans-I/O.
//
// One Protocol object is one side of one connection after the handshake. Bytes that arrived go
// in with receive_data(); events come out of events_received() (a whole message, a ping, a pong,
// the peer's close, or the failure we detected); bytes to write come out of data_to_send(). It
// never touches a socket and never reads a clock: the I/O glue does both, and asks
// should_close_transport() and awaiting_close_reply() to drive its timers. The model is Python
// websockets' Protocol.
// Implements RFC 6455 §5.4 (fragmentation), §5.5 (control frames), §5.6 and §8.1 (text is
// UTF-8), §7 (closing the connection, failing it), §7.4 (close codes) and §10.4 (limits).
// @lesson 10
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/ws/close_code.hpp"
#include "src/ws/frame_parser.hpp"
#include "src/ws/masking.hpp"
#include "src/ws/role.hpp"
#include "src/ws/utf8_validator.hpp"
#if DUPLEX_LESSON >= 14
#include <memory>

#include "src/ws/permessage_deflate.hpp"
#endif

namespace duplex::ws {

// 1 MiB, like the frame limit: one message a hostile peer can make us hold.
inline constexpr std::uint64_t kDefaultMaxMessageSize = 1024 * 1024;
// RFC 6455 §5.5: 125 bytes of control payload minus the 2-byte code.
inline constexpr std::size_t kMaxCloseReason = 123;

struct ProtocolLimits {
  std::uint64_t max_frame_size = kDefaultMaxFrameSize;      // one frame's payload; over -> 1009
  std::uint64_t max_message_size = kDefaultMaxMessageSize;  // all fragments together; over -> 1009
};

struct Event {
  enum class Kind {
    kText,     // data: a whole text message, valid UTF-8
    kBinary,   // data: a whole binary message
    kPing,     // data: the ping's payload (the pong is already queued)
    kPong,     // data: the pong's payload (solicited or not; never an error)
    kClose,    // the connection is closing or closed: code + data = reason. 1005 means the peer's
               // close frame carried no code, 1006 that the connection ended without one
    kFailure,  // we failed the connection (§7.1.7): code we sent, data = what was wrong
  };
  Kind kind;
  std::string data;
  CloseCode code = CloseCode::kNormal;
};

class Protocol {
 public:
  // kOpen: messages flow both ways. kClosing: we sent a close and wait for the peer's.
  // kClosed: both closes exchanged, or the connection failed, or the transport ended.
  enum class State { kOpen, kClosing, kClosed };

  // `mask_source` gives a client's masking keys (§5.3); a server never calls it.
  explicit Protocol(Role role, ProtocolLimits limits = {},
                    MaskKeySource mask_source = random_mask_key);

  // --- State, for the I/O glue ---
  State state() const { return state_; }
  Role role() const { return role_; }
  bool close_sent() const { return close_sent_; }
  bool close_received() const { return close_received_; }
  bool failed() const { return failed_; }
  // We sent a close and the peer has not answered: the glue runs its close timeout.
  bool awaiting_close_reply() const { return close_sent_ && !close_received_ && !failed_ && !eof_; }
  // After writing pending_output(), close the TCP connection now. True after a failure, after
  // end of file, and for a server once both closes are exchanged (RFC 6455 §7.1.1: the server
  // closes first, so its TIME_WAIT does not burden the client). A client instead waits for the
  // server to close, with a timeout, once closing_handshake_done().
  bool should_close_transport() const;
  bool closing_handshake_done() const { return close_sent_ && close_received_; }
  // The code and reason of the peer's close (1005 when it had none, 1006 when it never came).
  CloseCode close_code() const { return close_code_; }
  std::string_view close_reason() const { return close_reason_; }
  // Bytes consumed so far: keep-alive notes when this last moved.
  std::uint64_t bytes_received() const { return bytes_received_; }
  // A frame or a fragmented message has begun and not ended: the glue bounds how long that may
  // last (WsOptions::message_timeout). Between two receive_data_in_place() calls it turns false
  // exactly when the call stopped after the end of a message or of a control frame outside one.
  bool mid_message() const { return in_message_ || !parser_.at_frame_start(); }

  // --- Input ---
  // Bytes as read from the transport, split anywhere. Payload is unmasked inside the caller's
  // buffer (modifying it) and each payload byte is copied once, into the message being
  // assembled. Parsing stops right after a frame that completes a message or is a control
  // frame, so the caller can handle that frame's events, and queue its replies, before the next
  // frame is parsed; the return value is how many bytes were consumed, and the caller offers
  // the rest again. After a failure, a received close or end of file the input is dropped: all
  // of it counts as consumed.
#if DUPLEX_LESSON >= 12
  // Lesson 12: a whole frame costs one call, and a message no allocation once the message
  // buffer has grown.
#endif
  std::size_t receive_data_in_place(std::span<char> data);
  // The same for all of `data` at once (a copy into a reused buffer, then receive_data_in_place
  // until nothing is left), for callers that need not act between messages.
  void receive_data(std::string_view data);
  // The transport reached end of file. Without a close frame first, this reports kClose 1006.
  void receive_eof();
  // The events produced since the last call, oldest first.
  std::vector<Event> events_received();
#if DUPLEX_LESSON >= 12
  // Lesson 12: the same into `out` (cleared first), swapping buffers so that neither side
  // allocates a new vector per call in steady state.
  void events_received(std::vector<Event>& out);
  // Gives back the buffer of a message event the application did not keep, so the next message
  // is assembled in it instead of a new allocation. Buffers over 64 KiB are
  // dropped: an idle connection should not hold the memory of its largest message.
  void reuse_message_buffer(std::string&& buffer);
#endif

  // --- Output --- Each returns false (and sends nothing) when the frame may not be sent: the
  // state is not kOpen (after send_close() or a failure nothing more goes out, RFC 6455 §5.5.1),
  // or the argument is invalid (text not UTF-8, control payload over 125 bytes, a close code
  // that may not appear on the wire).
  bool send_text(std::string_view text);
  bool send_binary(std::string_view bytes);
  bool send_ping(std::string_view payload = {});
  bool send_pong(std::string_view payload = {});
  // Starts the closing handshake (§7.1.2). CloseCode::kNoStatusReceived sends a close frame
  // without a body; 1006, 1015 and the other invalid codes are refused. `reason` must be UTF-8
  // and at most kMaxCloseReason bytes.
  bool send_close(CloseCode code = CloseCode::kNormal, std::string_view reason = {});
  // A server's frame made once by serialize_frame() for many connections (a broadcast). Only a
  // server may use this: a client must mask each frame with a fresh key.
  bool send_serialized_frame(std::string_view frame);

  // Takes every byte waiting to be written.
  std::string data_to_send();
  // Or, to write without copying: what is waiting, then how much of it was written.
  std::string_view pending_output() const;
  void consume_output(std::size_t written);

#if DUPLEX_LESSON >= 12
  // For a large message from a server: the checks of send_text() (opcode kText) or
  // send_binary() (kBinary), then the frame's header written into `header` instead of the whole
  // frame queued. Returns the header's size, 0 when refused (and always for a client, which must
  // mask). The caller writes pending_output(), the header, then `payload` as it is (a server
  // does not mask, RFC 6455 §5.1), and saves copying the payload into this object's buffer.
  std::size_t send_header(Opcode opcode, std::string_view payload,
                          char (&header)[kMaxFrameHeaderSize]);

  // Lesson 12, for a server that echoes (WsHandlers::echo): the reply to a whole message in one
  // frame, written straight from the input, without the message ever being built.
  // plan_echo() looks at the front of `data` and changes nothing. kWhole: a text or binary
  // frame with FIN set, no extension bits and no message in progress, within every limit and
  // whole in `data`, while messages may be sent; `input_size` is its size, `reply_size` the
  // size of the reply frame. kPartial: such a frame may be on its way but is not whole yet (at
  // most `max_partial` bytes in all, as far as its header tells; text only until its payload
  // begins, so bad UTF-8 still fails fast, §8.1). kNo: anything else, left to
  // receive_data_in_place().
  struct EchoPlan {
    enum class Status { kNo, kPartial, kWhole };
    Status status = Status::kNo;
    std::size_t input_size = 0;
    std::size_t reply_size = 0;
    std::size_t header_size = 0;  // of the input frame
  };
  EchoPlan plan_echo(std::span<const char> data, std::size_t max_partial) const;
  // The replies to the whole frames at the front of `data`, one after the other into `out`
  // while each one fits: a frame's reply is its header without the mask bit and the key, then
  // its payload unmasked on the way (RFC 6455 §5.3). The frames count as received. Stops before
  // the first frame that plan_echo() would not call kWhole, whose reply does not fit, or whose
  // text is not UTF-8 (§8.1; receive_data_in_place() then fails the connection with 1007 as
  // usual). The state is checked once (echoing changes none of it), and the usual frame
  // (FrameParser::usual_whole_frame) is judged without a PeekedFrame or an EchoPlan. Returns
  // the input bytes answered and the reply bytes written.
  struct EchoRun {
    std::size_t taken = 0;
    std::size_t written = 0;
  };
  EchoRun echo_whole_frames(std::span<const char> data, std::span<char> out);
#endif

#if DUPLEX_LESSON >= 14
  // --- permessage-deflate (RFC 7692), once the handshake agreed it. From then on RSV1 is
  // accepted on the first frame of a data message (the message is compressed, §6), messages
  // that should_compress() go out compressed, and control frames never are (§6.1). The
  // decompressed size is bounded by limits.max_message_size (over it: 1009), a payload that is
  // not DEFLATE data closes with 1007.
  void enable_deflate(const DeflateParams& agreed, const PerMessageDeflateOptions& options = {});
  const PerMessageDeflate* deflate() const {
    return deflate_.get();
  }
  // send_text()/send_binary() would compress a message of this size.
  bool compresses(std::size_t message_size) const {
    return deflate_ != nullptr && deflate_->should_compress(message_size);
  }
#endif

 private:
#if DUPLEX_LESSON >= 12
  // Where a message may be echoed as it came: open, a server, between messages and frames.
  bool may_echo() const;
#endif
  bool on_header();
  bool on_payload(std::string_view piece);
  // True when receive_data_in_place() stops here: a message or a control frame ended, or the
  // connection failed.
  bool on_frame_end();
  void on_control_frame(Opcode opcode);
  void on_close_frame();
  void fail(CloseCode code, std::string_view reason);
  void append_close_frame(CloseCode code, std::string_view reason);
  bool send_frame(Opcode opcode, std::string_view payload);
#if DUPLEX_LESSON >= 14
  // Feeds one piece of a compressed message's payload to the decompressor (`last`: the message
  // ended, the tail goes in) and checks the UTF-8 of what came out.
  bool inflate_piece(std::string_view piece, bool last);
  bool send_compressed(Opcode opcode, std::string_view payload);
#endif

  Role role_;
  ProtocolLimits limits_;
  MaskKeySource mask_source_;
  FrameParser parser_;
  State state_ = State::kOpen;

  // The message being assembled; kept between messages when its buffer was not handed out.
  bool in_message_ = false;
  Opcode message_opcode_ = Opcode::kText;
  std::string message_;
  Utf8Validator utf8_;
  std::string control_;  // payload of the current control frame (at most 125 bytes)

  std::vector<Event> events_;
  std::string output_;
  std::size_t output_written_ = 0;
  std::string input_copy_;  // the string_view overload's copy, reused
#if DUPLEX_LESSON >= 14
  std::unique_ptr<PerMessageDeflate> deflate_;  // null until enable_deflate()
  bool compressed_ = false;                     // the message being received had RSV1
  std::string deflated_;                        // send_compressed()'s scratch
#endif

  bool close_sent_ = false;
  bool close_received_ = false;
  bool failed_ = false;
  bool eof_ = false;
  CloseCode close_code_ = CloseCode::kAbnormalClosure;
  std::string close_reason_;
  std::uint64_t bytes_received_ = 0;
};

}  // namespace duplex::ws
