// WsRawClient: a WebSocket client for tests that can send any bytes at all (lesson 10).
//
// The conformance tests need a peer that breaks rules on purpose: unmasked frames, reserved
// bits, bad UTF-8, a continuation without a start. This client does the opening handshake, then
// writes whatever it is told and decodes the server's frames with a small decoder of its own
// (not the ws::FrameParser under test). Every read has a deadline; nothing sleeps.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "src/net/tcp_stream.hpp"

namespace duplex::testing {

inline constexpr std::chrono::milliseconds kWsReadTimeout{5000};

// The Sec-WebSocket-Key of RFC 6455 §1.3 and the accept value the server must answer with.
inline constexpr std::string_view kSampleKey = "dGhlIHNhbXBsZSBub25jZQ==";
inline constexpr std::string_view kSampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

// A frame as the server sent it.
struct RawFrame {
  bool fin = true;
  std::uint8_t rsv = 0;
  std::uint8_t opcode = 0;
  bool masked = false;
  std::string payload;  // unmasked

  // For a close frame: the code in its first two bytes, or 1005 when it has none.
  std::uint16_t close_code() const;
  std::string close_reason() const;
};

// One frame's bytes: masked with a fixed key unless `masked` is false; `rsv` is 0-7.
std::string raw_frame(std::uint8_t opcode, std::string_view payload, bool fin = true,
                      bool masked = true, std::uint8_t rsv = 0);
// A close frame's bytes with `code` (omitted when nullopt) and `reason`, masked.
std::string raw_close(std::optional<std::uint16_t> code, std::string_view reason = {});

// "GET <path> HTTP/1.1 ... Sec-WebSocket-Key: <kSampleKey> ..." plus `extra_fields` (CRLF-ended).
std::string handshake_request(std::string_view path, std::string_view extra_fields = {});

class WsRawClient {
 public:
  // Connects to 127.0.0.1:`port` and writes the handshake for `path` followed by `first_bytes`
  // in ONE write, then reads the response head. Throws std::runtime_error when the answer is not
  // a 101 (the head is in the message).
  static WsRawClient connect(std::uint16_t port, std::string_view path = "/echo",
                             std::string_view first_bytes = {});
  explicit WsRawClient(net::TcpStream stream) : stream_(std::move(stream)) {}

  const std::string& response_head() const { return head_; }

  void send_raw(std::string_view bytes);
  void send_frame(std::uint8_t opcode, std::string_view payload, bool fin = true) {
    send_raw(raw_frame(opcode, payload, fin));
  }
  void send_text(std::string_view text) { send_frame(0x1, text); }
  void send_binary(std::string_view bytes) { send_frame(0x2, bytes); }
  void send_close(std::optional<std::uint16_t> code, std::string_view reason = {}) {
    send_raw(raw_close(code, reason));
  }

  // The next frame, or nothing when the server closed the TCP connection first. Throws
  // std::runtime_error when nothing complete arrived before `timeout`.
  std::optional<RawFrame> read_frame(std::chrono::milliseconds timeout = kWsReadTimeout);
  // Reads frames until a close frame and returns it (skipping others); throws if the connection
  // ends or times out first. `skipped` counts the frames before it.
  RawFrame read_close(std::chrono::milliseconds timeout = kWsReadTimeout,
                      std::size_t* skipped = nullptr);
  // True when the server closed the TCP connection (end of stream or reset) within `timeout`
  // and sent no further byte.
  bool wait_for_eof(std::chrono::milliseconds timeout = kWsReadTimeout);
  net::TcpStream& stream() { return stream_; }

 private:
  // Reads what is available into buffer_, waiting at most until `deadline`. Returns false at end
  // of stream; throws on timeout.
  bool read_more(std::chrono::steady_clock::time_point deadline);
  bool read_head(std::chrono::steady_clock::time_point deadline);

  net::TcpStream stream_;
  std::string buffer_;
  std::string head_;
  bool eof_ = false;
};

}  // namespace duplex::testing
