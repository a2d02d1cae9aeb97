// WsConnection: one server-side WebSocket connection on the event loop (lesson 10).
//
// The I/O glue between a net::Connection (after the 101 of lesson 08) and the sans-I/O Protocol
// (lesson 10): bytes read go into the Protocol, its events become the application's callbacks,
// and its output goes back to the socket. The glue adds what needs a clock or a socket: the
// keep-alive ping and its pong deadline, the close timeout, the message deadline, the bounded
// send queue, closing TCP at the right moment, the error policy for the application's handlers,
// and the --trace view of every frame.
//
//   handlers.on_message = [](WsConnection& ws, Message& message) {
//     message.is_text() ? ws.send_text(message.data) : ws.send_binary(message.data);
//   };
//
// Everything runs on the loop thread; no method may be called from another thread.
// RFC 6455 §5.4-§5.5 (via Protocol), §7.1.1-§7.1.5 (closing the TCP connection, 1005/1006),
// §7.1.7 (failing), §7.4.1 (1011 when a handler throws), §10.4 (limits).
// @lesson 10
#pragma once

#include <any>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/net/connection.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/timer.hpp"
#include "src/ws/close_code.hpp"
#include "src/ws/frame_header.hpp"
#include "src/ws/protocol.hpp"
#include "src/ws/ws_connection_trace.hpp"
#include "src/ws/ws_options.hpp"

namespace duplex::ws {

class Group;
class WsConnection;

enum class MessageType { kText, kBinary };

// One whole message (all fragments joined, RFC 6455 §5.4). The handler may move `data` away.
struct Message {
  MessageType type = MessageType::kText;
  std::string data;  // text: valid UTF-8 (checked as it arrived, RFC 6455 §8.1)
  bool is_text() const { return type == MessageType::kText; }
};

// Something went wrong; on_close follows when the TCP connection is gone.
struct WsError {
  // The close code we sent (1002, 1007, 1009: the peer broke a rule; 1008: our send queue
  // overflowed or a message took too long; 1011: a handler threw), or 1006 when nothing could
  // be sent (keep-alive or close timeout, I/O error).
  CloseCode code = CloseCode::kAbnormalClosure;
  std::string what;  // one sentence: "invalid UTF-8 in a text message"
};

// An exception from any of these never unwinds the event loop. From on_open, on_message or
// on_error it closes the connection with 1011 (RFC 6455 §7.4.1: "an unexpected condition that
// prevented it from fulfilling the request"), reported through on_error (unless on_error itself
// threw); from on_close it is logged through the loop's error sink and the connection is gone
// anyway.
struct WsHandlers {
  // The handshake is done (the 101 is queued); messages may be sent from here on.
  std::function<void(WsConnection& connection)> on_open;
  std::function<void(WsConnection& connection, Message& message)> on_message;
  // Called exactly once, when the TCP connection is closed, at the end of the loop's round
  // (never from inside a send or a close). `code` and `reason` come from the peer's close
  // frame; 1005 when it had no code, 1006 when none arrived (RFC 6455 §7.1.5).
  std::function<void(WsConnection& connection, CloseCode code, std::string_view reason)> on_close;
  std::function<void(WsConnection& connection, const WsError& error)> on_error;
#if DUPLEX_LESSON >= 12
  // Lesson 12: the connection echoes by itself: every message goes back as it came, text as
  // text, binary as binary, and on_message is not called. A message that is one whole frame is
  // unmasked straight from the receive buffer into the send buffer, and checked there (one pass
  // over its bytes, no message built); any other (fragmented, or with --trace) takes the usual
  // way and is sent back with send_text() or send_binary().
  bool echo = false;
#endif
};

// What every connection of one endpoint shares (never copied per connection).
struct WsConfig {
  WsHandlers handlers;
  WsOptions options;
};

class WsConnection : public std::enable_shared_from_this<WsConnection> {
 public:
  // Takes `transport` over (it must have sent or queued the 101 and nothing after it): installs
  // its data and close handlers, starts the keep-alive timer, joins `group` when given, and calls
  // on_open. Bytes already in the transport's input buffer are the first frames; the transport
  // delivers them as soon as the current handler returns.
  static std::shared_ptr<WsConnection> adopt(net::Connection& transport,
                                             std::shared_ptr<const WsConfig> config,
                                             std::string subprotocol = {}, Group* group = nullptr);
  ~WsConnection() { leave_groups(); }
  WsConnection(const WsConnection&) = delete;
  WsConnection& operator=(const WsConnection&) = delete;

  // --- Sending. Each only queues: what is queued in one round of the loop leaves in one write
  // at its end (net::Connection's cork), and nothing here calls a handler back except on_error.
  // Each returns false (and sends nothing) when the connection is not open (after a close was
  // sent or received), when the argument is invalid (text not UTF-8, a control payload over
  // 125 bytes, a close code that may not be sent), or when the send queue is full (which also
  // closes the connection with 1008).
  bool send_text(std::string_view text) { return send_message(Opcode::kText, text); }
  bool send_binary(std::string_view bytes) { return send_message(Opcode::kBinary, bytes); }
  bool ping(std::string_view payload = {});
  // A frame made once by serialize_frame() (Group::broadcast uses it).
  bool send_frame(std::string_view frame);
  // Starts the closing handshake (RFC 6455 §7.1.2). CloseCode::kNoStatusReceived sends a close
  // without a body; 1006 and 1015 are refused (they are never sent, §7.4.1). If the peer does
  // not answer within close_timeout, TCP is dropped.
  bool close(CloseCode code = CloseCode::kNormal, std::string_view reason = {});

  // --- State
  // Messages may be sent: the handshake is done and no close was sent or received.
  bool is_open() const {
    return state_ == State::kOpen && protocol_.state() == Protocol::State::kOpen;
  }
  // The TCP connection is gone (on_close has run or is running).
  bool is_closed() const { return state_ == State::kClosed; }
  // Backpressure: bytes handed to the socket layer that the peer has not taken yet.
  std::size_t bytes_queued() const {
    return is_closed() ? 0 : transport_->bytes_queued() + protocol_.pending_output().size();
  }
  std::size_t max_send_queue() const { return config_->options.max_send_queue; }
  const std::string& subprotocol() const { return subprotocol_; }
  // A number unique in this process, for logs and traces.
  std::uint64_t id() const { return id_; }
  // Per-connection application state: a user name, a room, a session.
  std::any& user_data() { return user_data_; }
  const Protocol& protocol() const { return protocol_; }

#if DUPLEX_LESSON >= 14
  // adopt() after a handshake that agreed permessage-deflate (HandshakeResult::deflate, RFC 7692
  // §5): the Protocol compresses and decompresses with these parameters and the options of
  // config->options.handshake.deflate. nullopt: no compression, like the overload above.
  static std::shared_ptr<WsConnection> adopt(net::Connection& transport,
                                             std::shared_ptr<const WsConfig> config,
                                             std::string subprotocol, Group* group,
                                             const std::optional<DeflateParams>& deflate);
#endif

 private:
  struct Private {};

 public:
  WsConnection(Private, net::Connection& transport, std::shared_ptr<const WsConfig> config,
               std::string subprotocol);

 private:
  friend class Group;

  // The connection's one state; the Protocol keeps the state of the frames.
  enum class State {
    kOpen,           // messages flow both ways
    kClosing,        // a close was sent or received (or we failed): the handshake ends it
    kDisconnecting,  // the TCP connection is being closed; on_close comes after this round
    kClosed,         // the TCP connection is gone and on_close has run
  };

  // adopt()'s second half: handlers, keep-alive, the group, on_open.
  static void start(const std::shared_ptr<WsConnection>& self, net::Connection& transport,
                    Group* group);
  void on_data(net::Buffer& input);
#if DUPLEX_LESSON >= 12
  // WsHandlers::echo's fast path: the whole frames at the front of `data`, the first of them
  // planned in `first`; returns the bytes answered, 0 when the usual way must take the first.
  std::size_t echo_frames(const Protocol::EchoPlan& first, std::span<const char> data);
  // What keep-alive counts as received: the Protocol's bytes and those on_data left in the
  // input for a frame to complete.
  std::uint64_t bytes_received() const;
#endif
  void dispatch_events();
  void after_protocol();
  void flush_output();
  // flush_output(), then `queued`: the tail of every send.
  bool flushed(bool queued) {
    flush_output();
    return queued;
  }
  void write(std::string_view bytes);
  bool send_message(Opcode opcode, std::string_view payload);
  bool can_send(std::size_t bytes);
  void close_with(CloseCode code, std::string_view reason, std::string what);
  void arm_keepalive(std::chrono::milliseconds delay);
  void on_keepalive();
  void watch_message_deadline();
  void arm_message_timer(std::chrono::milliseconds delay);
  void drop(std::string what);
  void on_transport_closed(net::CloseReason reason, int error_number);
  void leave_groups();
  void report_error(CloseCode code, std::string what);
  // The error policy: an exception from an application handler never unwinds the event loop.
  template <typename Call>
  void call_handler(const char* name, Call&& call) {
    try {
      call();
    } catch (const std::exception& error) {
      handler_threw(name, error.what());
    } catch (...) {
      handler_threw(name, "an exception that is not a std::exception");
    }
  }
  void handler_threw(const char* name, std::string_view what);

  std::shared_ptr<const WsConfig> config_;
  // Kept to the end: a closed net::Connection holds no socket and no buffer memory.
  std::shared_ptr<net::Connection> transport_;
  net::EventLoop& loop_;
  Protocol protocol_;
  State state_ = State::kOpen;
  std::string subprotocol_;
  std::uint64_t id_;
  std::any user_data_;
  std::vector<Group*> groups_;
  std::unique_ptr<ConnectionTrace> trace_;  // --trace only
  // Bound to the transport: each fires only while it is open, dies with this object, and an
  // exception from it closes the connection.
  net::Timer keepalive_timer_;       // the next look for silence, then the pong deadline
  net::Timer close_timer_;           // our close waits for its answer
  net::Timer message_timer_;         // a frame or message that began must end in time
  std::uint64_t received_mark_ = 0;  // Protocol::bytes_received() when keep-alive last looked
  bool awaiting_pong_ = false;
  // The message deadline: whether a frame or message is being timed, and since when. on_data
  // clears it each time the Protocol stops between messages.
  bool message_pending_ = false;
  net::EventLoop::Clock::time_point message_since_{};
#if DUPLEX_LESSON >= 12
  std::vector<Event> events_;  // dispatch_events()'s buffer, kept for its capacity (lesson 12)
  bool fast_echo_ = false;     // WsHandlers::echo, and no trace that must see every byte
  std::size_t held_ = 0;       // bytes on_data left in the input: a frame not whole yet
#endif
};

}  // namespace duplex::ws
