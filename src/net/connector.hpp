// Connector: a non-blocking TCP connect on the event loop (lesson 15).
//
// TcpStream::connect (lesson 01) blocks the thread until the handshake ends, which a loop that
// serves thousands of clients cannot afford: a Redis that does not answer its SYNs would freeze
// every WebSocket for a minute. Here the socket is made with SOCK_NONBLOCK, connect(2) returns
// EINPROGRESS at once, the loop watches the socket for writability, and SO_ERROR then says how
// the handshake ended (connect(2), "EINPROGRESS"). A net::Timer bounds the wait. The outcome is
// handed over, always at a later point of the loop and never from inside connect(), as a started
// net::Connection or a named ConnectError.
// @lesson 15
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "src/net/connection.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/fd.hpp"
#include "src/net/socket_address.hpp"
#include "src/net/timer.hpp"

namespace duplex::net {

// 2 s: loopback and a LAN answer a SYN in well under a millisecond; a peer that has not answered
// in 2 s is down or filtered, and the caller's backoff does better than the kernel's SYN retries
// (which give up only after about two minutes).
inline constexpr std::chrono::milliseconds kDefaultConnectTimeout{2000};

enum class ConnectFailure {
  kRefused,      // ECONNREFUSED: nothing listens there (an RST answered the SYN)
  kTimedOut,     // ConnectOptions::timeout passed without an answer
  kUnreachable,  // ENETUNREACH, EHOSTUNREACH: no route
  kSystemError,  // any other errno from socket(), connect() or SO_ERROR
};
const char* to_string(ConnectFailure failure) noexcept;

struct ConnectError {
  ConnectFailure failure = ConnectFailure::kSystemError;
  int error_number = 0;  // the errno; 0 for kTimedOut
  // "connect 127.0.0.1:6379: refused (Connection refused)"
  std::string message;
};

struct ConnectOptions {
  std::chrono::milliseconds timeout = kDefaultConnectTimeout;  // zero: the kernel's own limit
  ConnectionLimits limits;                                     // for the Connection handed over
};

class Connector {
 public:
  // Exactly one of the two is set. The connection is started (registered with the loop); set its
  // handlers before the handler returns. An exception from the handler is reported to the loop's
  // error sink and aborts the connection it was given.
  using Handler =
      std::function<void(std::shared_ptr<Connection> connection, const ConnectError* error)>;

  explicit Connector(EventLoop& loop);
  // Cancels an attempt in progress: its handler never runs and its socket is closed.
  ~Connector();
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;

  // Starts an attempt (cancelling one in progress). The handler runs once, on the loop thread,
  // in a later callback of the loop: never from inside this call.
  void connect(const SocketAddress& address, ConnectOptions options, Handler handler);
  void cancel() noexcept;
  bool connecting() const noexcept { return handler_ != nullptr; }

 private:
  void on_writable();
  void fail(ConnectFailure failure, int error_number);
  void succeed();
  void stop_watching() noexcept;

  EventLoop& loop_;
  Fd fd_;
  SocketAddress address_;
  ConnectOptions options_;
  Handler handler_;
  Timer timer_;
  bool watching_ = false;
};

}  // namespace duplex::net
