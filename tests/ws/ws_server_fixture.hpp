// WsTestServer: an HttpServer with WebSocket routes on a loop thread of its own (lesson 10).
//
// The test thread plays the client with WsRawClient (blocking, time-bounded); the server runs
// on its loop like a program's. Everything that touches the server, its endpoints or its
// connections runs on the loop thread through call(). Recorder collects what the handlers saw.
// @lesson 10
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "src/http/http_server.hpp"
#include "src/http/router.hpp"
#include "src/ws/ws_connection.hpp"
#include "tests/support/loop_thread.hpp"

namespace duplex::testing {

class WsTestServer {
 public:
  // `setup` adds routes on the loop thread before the server starts.
  explicit WsTestServer(std::function<void(http::Router&)> setup);
  ~WsTestServer();

  std::uint16_t port() const { return port_; }
  template <typename Function>
  auto call(Function function) {
    return thread_.call(std::move(function));
  }
  net::EventLoop& loop() { return thread_.loop(); }

 private:
  LoopThread thread_;
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
  std::uint16_t port_ = 0;
};

// Handlers that record every callback as a line ("open", "message text hi", "close 1000 bye",
// "error 1002 ...") and can wait for one. Declare it before the server that uses it.
class Recorder {
 public:
  // Handlers that record, then call `on_message` (if any) for messages.
  ws::WsHandlers handlers(
      std::function<void(ws::WsConnection&, ws::Message&)> on_message = nullptr);
  std::vector<std::string> lines() const;
  // Waits (bounded) until a line starting with `prefix` was recorded; returns it or "".
  std::string wait_for(const std::string& prefix,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) const;
  // The connection of the last on_open, while it lives. Use it on the loop thread only.
  std::shared_ptr<ws::WsConnection> last_connection() const;

 private:
  void add(std::string line);

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<std::string> lines_;
  std::weak_ptr<ws::WsConnection> last_;
};

}  // namespace duplex::testing
