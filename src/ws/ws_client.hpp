// WsClient: a blocking WebSocket client, the I/O glue around ClientHandshake and Protocol
// (lesson 08 for the handshake, lesson 10 for messages).
//
// It connects (with a timeout), sends the opening handshake and checks the answer, then speaks
// through the same sans-I/O Protocol the server uses, in the client role: every frame it sends is
// masked with a fresh key. Frames that arrive in the same read as the 101 response are fed to the
// Protocol at once, never dropped. It never blocks without a bound: connect, handshake, writes
// and the closing handshake each have a timeout, and receiving takes one.
// RFC 6455 §3 (ws URIs), §4.1 (client handshake), §5.3 (masking), §7.1.1 (the client waits for
// the server to close the TCP connection), §7.1.2-§7.1.4 (closing handshake).
// @lesson 10
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/net/tcp_stream.hpp"
#include "src/ws/protocol.hpp"

namespace duplex::ws {

class FrameTap;

// A parsed ws:// URL (RFC 6455 §3).
struct WsUrl {
  std::string host;          // a name or numeric address, without IPv6 brackets
  std::uint16_t port = 80;   // §3: 80 when the URL has none
  std::string target = "/";  // path and query: the request target of the handshake

  // The Host field (RFC 9110 §7.2): "host" or "host:port" when not 80, "[::1]:port" for IPv6.
  std::string host_field() const;
  std::string to_string() const;  // "ws://127.0.0.1:9008/chat"
};

// Parses "ws://host[:port][/path][?query]". Returns nothing and sets `error` for anything else:
// another scheme (wss:// needs TLS, which Duplex does not speak), a fragment (§3 forbids it),
// user information, an empty host, a port outside 1-65535.
std::optional<WsUrl> parse_ws_url(std::string_view url, std::string& error);

// The handshake failed: the server refused (non-101), answered wrongly, or did not answer in time.
class WsClientError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct WsClientOptions {
  std::vector<std::string> subprotocols;  // offered, most preferred first
  std::string origin;                     // empty: no Origin field
  std::vector<std::pair<std::string, std::string>> extra_fields;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds handshake_timeout{5000};  // from the request to a complete answer
  std::chrono::milliseconds write_timeout{5000};      // one blocked write (SO_SNDTIMEO)
  // close(): how long to wait for the peer's close frame, then for its end of stream.
  std::chrono::milliseconds close_timeout{5000};
  ProtocolLimits limits;
  MaskKeySource mask_source = random_mask_key;
  // When set, called with the handshake's heads and each frame's trace (ws::trace_frame), every
  // line prefixed "> " for what we send and "< " for what we receive.
  std::function<void(std::string_view text)> trace;
#if DUPLEX_LESSON >= 14
  // permessage-deflate (RFC 7692): offered when enabled (off by default); when the server
  // agrees, messages of at least deflate.min_compress_size go out compressed.
  PerMessageDeflateOptions deflate{.enabled = false};
#endif
};

class WsClient {
 public:
  // Resolves, connects, and completes the handshake. Throws net::SystemError or
  // net::ResolveError when the connection cannot be made ("connect 127.0.0.1:9: Connection
  // refused"), WsClientError when the handshake fails; each message is one line.
  static WsClient connect(std::string_view url, WsClientOptions options = {});
  static WsClient connect(const WsUrl& url, WsClientOptions options = {});
  // The handshake over a stream that is already connected.
  WsClient(net::TcpStream stream, const WsUrl& url, WsClientOptions options = {});

  ~WsClient();
  WsClient(WsClient&&) noexcept;
  WsClient& operator=(WsClient&&) noexcept;

  const std::string& subprotocol() const { return subprotocol_; }
  // The socket, for poll(): readable means poll_events() has something to read. -1 once closed.
  int fd() const;

  // Each sends one message (masked) and returns false when the Protocol refuses it: not open any
  // more, text that is not UTF-8, a control payload over 125 bytes. A write that fails or times
  // out ends the connection: the next events include kClose 1006.
  bool send_text(std::string_view text);
  bool send_binary(std::string_view bytes);
  bool send_ping(std::string_view payload = {});

  // The events already received and not yet taken, oldest first, without reading the socket.
  std::vector<Event> take_events();
  // Waits at most `timeout` for the socket to be readable, reads once, and returns every event
  // not yet taken (possibly none). A close from the server is answered, then the client waits
  // (close_timeout) for the server to end the TCP connection, as §7.1.1 asks.
  std::vector<Event> poll_events(std::chrono::milliseconds timeout);
  // The next event, or nothing if none came within `timeout` or the connection is closed.
  std::optional<Event> receive(std::chrono::milliseconds timeout);

  // The closing handshake from our side (§7.1.2): sends a close frame, waits up to close_timeout
  // for the server's close and then for its end of stream, and closes the socket. Returns true
  // when the server's close frame arrived (a clean close). Messages that arrive meanwhile stay
  // in take_events().
  bool close(CloseCode code = CloseCode::kNormal, std::string_view reason = {});

  // The socket is closed (after a closing handshake, an error, or the server's end of stream).
  bool closed() const;
  // What ended the connection, when it was an I/O error ("read: Connection reset by peer").
  const std::string& last_error() const { return last_error_; }
  const Protocol& protocol() const { return protocol_; }
#if DUPLEX_LESSON >= 14
  // The permessage-deflate parameters the server agreed to; nullopt when not offered or declined.
  const std::optional<DeflateParams>& deflate() const {
    return deflate_;
  }
#endif

 private:
  void handshake(const WsUrl& url);
  void trace_head(const FrameTap& tap, std::string_view head);
  void trace_frames(FrameTap& tap, std::string_view bytes);
  void feed(std::span<char> bytes);
  void flush();
  bool read_once();
  void end_transport(const std::string& error);
  void after_io();
  void wait_for_server_eof();

  WsClientOptions options_;
  net::TcpStream stream_;
  Protocol protocol_;
  std::string subprotocol_;
#if DUPLEX_LESSON >= 14
  std::optional<DeflateParams> deflate_;
#endif
  std::deque<Event> events_;
  std::unique_ptr<FrameTap> sent_tap_;
  std::unique_ptr<FrameTap> received_tap_;
  bool transport_closed_ = false;
  std::string last_error_;
};

}  // namespace duplex::ws
