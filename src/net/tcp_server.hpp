// TcpServer: accepts clients in the event loop and gives each one a Connection (lesson 03).
//
// The listening socket is one more descriptor in the loop: readable means "clients are waiting
// in the accept queue". The server accepts them, wraps each in a Connection, and lets the layer
// above (echo, later HTTP) install its handlers. It enforces a maximum number of connections
// and survives running out of descriptors (EMFILE) without spinning.
// @lesson 03
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

#include "src/net/connection.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/socket_address.hpp"
#include "src/net/tcp_listener.hpp"

namespace duplex::net {

struct TcpServerLimits {
  // Connections open at once; one more is handed to on_reject. Default 10000.
  std::size_t max_connections = 10000;
  // After accept() fails for lack of descriptors or memory, wait this long (or until a
  // connection closes) before accepting again. Default 100 ms.
  std::chrono::milliseconds accept_backoff{100};
  // At most this many accepts per wake-up, so a connection storm cannot starve served clients.
  std::size_t max_accepts_per_wakeup = 256;
  // Applied to every accepted connection.
  ConnectionLimits connection;
};

class TcpServer {
 public:
  // Called for each accepted connection before it starts reading: set its handlers here.
  using ConnectHandler = std::function<void(Connection& connection)>;
  // Called instead of ConnectHandler past max_connections. The connection is started and may
  // send a reply (HTTP answers 503) before close(). Default: abort() at once.
  using RejectHandler = std::function<void(Connection& connection)>;

  // Takes the listener (from TcpListener::listen) and makes it non-blocking.
  TcpServer(EventLoop& loop, TcpListener listener, TcpServerLimits limits = {});
  // Aborts the connections still open (reason kShutdown). Destroy the server before its loop.
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  void set_on_connect(ConnectHandler handler) { on_connect_ = std::move(handler); }
  void set_on_reject(RejectHandler handler) { on_reject_ = std::move(handler); }

  // Starts accepting (on the loop thread).
  void start();
  // Stops accepting (closes the listener) and closes every connection gracefully with reason
  // kShutdown. `on_stopped` runs once the last connection is gone (at once if none). The loop
  // must keep running for the graceful part; each close is bounded by linger_timeout.
  void stop(std::function<void()> on_stopped = {});

  SocketAddress local_address() const { return address_; }
  std::size_t connection_count() const noexcept { return accepted_; }
  bool accepting() const noexcept { return listener_.has_value() && !backing_off_; }
  const TcpServerLimits& limits() const noexcept { return limits_; }

 private:
  void on_acceptable();
  void adopt(Fd fd);
  void pause_accepting();
  void resume_accepting();
  void released(Connection& connection, bool counted);

  EventLoop& loop_;
  std::optional<TcpListener> listener_;
  SocketAddress address_;
  TcpServerLimits limits_;
  ConnectHandler on_connect_;
  RejectHandler on_reject_;
  std::function<void()> on_stopped_;
  std::unordered_map<Connection*, std::shared_ptr<Connection>> connections_;
  std::size_t accepted_ = 0;
  bool backing_off_ = false;
  TimerId backoff_timer_ = 0;
};

}  // namespace duplex::net
