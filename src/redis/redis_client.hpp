// RedisClient: a RespSession on the event loop (lesson 15).
//
// The sans-I/O RespSession knows RESP, pipelining and Pub/Sub; this class gives it a socket and a
// clock. It connects without blocking (net::Connector, with a connect timeout), feeds what the
// net::Connection reads to the session and queues what the session writes, fails the connection
// when Redis stops answering (the reply timeout), reconnects with exponential backoff and jitter
// (Backoff), and lets the session resubscribe on every new connection. The application sees one
// completion per command (a reply, an error reply included, or a named ClientError), the Pub/Sub
// events of a subscriber, and the connection's state changes, so the chat and ticker engines can
// tell their clients "Redis is gone" and "back".
//
// A process uses two: one for commands and one subscriber (RESP2 allows only the Pub/Sub
// commands on a subscribed connection, redis.io "Pub/Sub"), whatever the number of WebSocket
// clients. Everything runs on the loop's thread. Callbacks never run inside a call into the
// client; an exception from one is reported to the loop's error sink and the client goes on.
// @lesson 15
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "src/net/connection.hpp"
#include "src/net/connector.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/socket_address.hpp"
#include "src/net/timer.hpp"
#include "src/redis/backoff.hpp"
#include "src/redis/resp_session.hpp"
#include "src/redis/value.hpp"

namespace duplex::redis {

// 5 s: Redis answers a command in microseconds; five seconds of silence while a reply is owed
// means it is stuck, paused or gone, and every command behind it waits too.
inline constexpr std::chrono::milliseconds kDefaultReplyTimeout{5000};

struct ClientOptions {
  SessionOptions session;  // protocol, parser limits, max_pending, setup commands (AUTH, ...)
  std::chrono::milliseconds connect_timeout = net::kDefaultConnectTimeout;
  // While a reply or a subscription confirmation is owed and nothing arrives for this long, the
  // connection is failed (ClientError::kReplyTimeout) and a new one made. Zero disables it.
  // Blocking commands (BLPOP 0, XREAD BLOCK) need a longer one, or a client of their own.
  std::chrono::milliseconds reply_timeout = kDefaultReplyTimeout;
  BackoffOptions backoff;        // 100 ms doubling to 5 s, each delay in [d/2, d]
  net::ConnectionLimits limits;  // of the TCP connection (backpressure; no idle timeout)
};

// Why a command got no reply.
enum class ClientError {
  kNone,
  kNotConnected,               // sent while no connection was up: nothing was written
  kConnectionLost,             // the connection ended first; the command may or may not have run
  kReplyTimeout,               // the connection was failed by the reply timeout; the same caveat
  kProtocolError,              // Redis's reply stream broke RESP; the connection was failed
  kNotAllowedWhileSubscribed,  // RESP2 subscriber connection: only the Pub/Sub commands
  kTooManyPending,             // SessionOptions::max_pending commands already wait
  kBadCommand,                 // refused by RespSession (empty, MONITOR, HELLO, ...)
  kStopped,                    // stop() was called before the reply came
};
std::string_view to_string(ClientError error);

// The end of one command: `value` when error is kNone (which may be an error reply: check
// value.is_error()), else the reason.
struct Reply {
  ClientError error = ClientError::kNone;
  Value value;
  bool ok() const noexcept { return error == ClientError::kNone; }
};

enum class DisconnectReason {
  kConnectFailed,   // connect(2) failed (refused, unreachable, ...): error_number
  kConnectTimeout,  // ClientOptions::connect_timeout passed
  kPeerClosed,      // Redis closed the connection (restart, CLIENT KILL, timeout on its side)
  kIoError,         // a read or write failed: error_number
  kReplyTimeout,    // ClientOptions::reply_timeout passed with a reply owed
  kProtocolError,   // the reply stream broke RESP, or a reply came that no command waits for
  kSetupFailed,     // a setup command (AUTH, SELECT, ...) got an error reply: detail
  kStopped,         // stop()
};
std::string_view to_string(DisconnectReason reason);

struct Disconnect {
  DisconnectReason reason = DisconnectReason::kStopped;
  int error_number = 0;
  std::string detail;  // the Redis error, the parser's error, the connect error's text
  // True for the first report of an outage: the client had been connected. Failed attempts to
  // come back are reported too, with was_connected false.
  bool was_connected = false;
  int attempt = 0;                        // failed attempts in a row, this one included
  std::chrono::milliseconds retry_in{0};  // the next attempt's delay; 0 after stop()
  std::string describe() const;           // one line for a log
};

class RedisClient {
 public:
  enum class State { kStopped, kConnecting, kSettingUp, kConnected, kWaitingToRetry };

  using Callback = std::function<void(Reply reply)>;
  // kMessage, kSubscribed, kUnsubscribed and kPush events (resp_session.hpp).
  using PushHandler = std::function<void(const SessionEvent& event)>;
  using ConnectedHandler = std::function<void()>;
  using DisconnectedHandler = std::function<void(const Disconnect& disconnect)>;

  RedisClient(net::EventLoop& loop, net::SocketAddress address, ClientOptions options = {});
  // Drops the connection and every callback still owed, uncalled (the objects they point into
  // may be going away too): call stop() first to have them fail with kStopped. Not from inside
  // one of this client's callbacks.
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  void set_on_push(PushHandler handler) { on_push_ = std::move(handler); }
  // After connecting, once every setup command is answered (and before any reply to a command
  // sent on the new connection).
  void set_on_connected(ConnectedHandler handler) { on_connected_ = std::move(handler); }
  void set_on_disconnected(DisconnectedHandler handler) { on_disconnected_ = std::move(handler); }

  // Connects (again, after stop()). The outcome comes through the handlers.
  void start();
  // Closes the connection and stops reconnecting: every command owed a reply fails with
  // kStopped, and on_disconnected reports kStopped if a connection was up or being made.
  void stop();

  // Sends one command (pipelined: it does not wait for earlier replies). `done` runs exactly once
  // with the reply or the reason there is none. While not connected it fails with kNotConnected
  // (nothing is queued: the application decides what to retry). `done` may be empty.
  void command(std::span<const std::string_view> args, Callback done);
  void command(std::initializer_list<std::string_view> args, Callback done);
  void command(std::span<const std::string> args, Callback done);

  // Pub/Sub: the wanted set changes at once and survives reconnection (RespSession).
  void subscribe(std::span<const std::string_view> channels);
  void psubscribe(std::span<const std::string_view> patterns);
  void unsubscribe(std::span<const std::string_view> channels = {});
  void punsubscribe(std::span<const std::string_view> patterns = {});

  State state() const noexcept { return state_; }
  bool connected() const noexcept { return state_ == State::kConnected; }
  const RespSession& session() const noexcept { return session_; }
  const net::SocketAddress& address() const noexcept { return address_; }
  std::uint64_t connections_made() const noexcept { return connections_made_; }
  std::uint64_t bytes_read() const noexcept { return bytes_read_; }  // over every connection

 private:
  // What the application is owed, in the order it happened: a session event, or a state change.
  struct Ready {
    enum class Note { kEvent, kConnected, kDisconnected };
    Note note = Note::kEvent;
    SessionEvent event;
    ClientError error = ClientError::kNone;
    Callback callback;  // a command refused before it reached the session
    Disconnect disconnect;
  };

  void connect_now();
  void on_connect(std::shared_ptr<net::Connection> connection, const net::ConnectError* error);
  void became_connected();
  void on_data(net::Buffer& input);
  void on_close(net::CloseReason reason, int error_number);
  void fail_connection(Disconnect disconnect, ClientError pending_error, bool retry);
  void after_call();
  void on_reply_timeout();
  void pull_events(ClientError lost_as);
  void dispatch();
  void deliver(Ready& ready);
  void flush();
  void watch_replies(bool progress);
  bool awaiting() const noexcept;
  void schedule_dispatch();

  net::EventLoop& loop_;
  net::SocketAddress address_;
  ClientOptions options_;
  RespSession session_;
  Backoff backoff_;
  net::Connector connector_;
  std::shared_ptr<net::Connection> connection_;
  State state_ = State::kStopped;
  std::size_t setup_left_ = 0;
  std::string setup_error_;
  std::string protocol_error_;
  int failed_attempts_ = 0;
  std::unordered_map<CommandId, Callback> callbacks_;
  std::deque<Ready> ready_;
  std::vector<SessionEvent> batch_;
  bool dispatching_ = false;
  PushHandler on_push_;
  ConnectedHandler on_connected_;
  DisconnectedHandler on_disconnected_;
  net::Timer reply_timer_;
  net::Timer retry_timer_;
  net::Timer dispatch_timer_;
  std::uint64_t connections_made_ = 0;
  std::uint64_t bytes_read_ = 0;
};

}  // namespace duplex::redis
