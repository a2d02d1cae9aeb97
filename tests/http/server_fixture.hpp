// An HttpServer on a loop thread of its own, for the server tests (lessons 06 and 07).
//
// The test thread plays the client with blocking, time-bounded sockets; the server runs as it
// does in a program, on its own loop. Everything that touches the server or its router runs
// on the loop thread through call().
// @lesson 06
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "src/http/http_server.hpp"
#include "src/http/router.hpp"
#include "tests/support/loop_thread.hpp"

namespace duplex::testing {

class TestServer {
 public:
  // `setup` adds routes (on the loop thread, before the server starts).
  TestServer(std::function<void(http::Router&)> setup, http::HttpServerOptions options = {});
  // The same, for routes that need the server's loop (a ticker, timers).
  TestServer(std::function<void(http::Router&, net::EventLoop&)> setup,
             http::HttpServerOptions options = {});
  ~TestServer();

  std::uint16_t port() const { return port_; }
  template <typename Function>
  auto call(Function function) {
    return thread_.call(std::move(function));
  }
  http::HttpServer& server() { return *server_; }
  net::EventLoop& loop() { return thread_.loop(); }
  // The access-log and trace lines written so far (options.log is captured when not set).
  std::string log() const;
  // Stops the server gracefully and waits (bounded) until it reports it has stopped.
  bool stop();

 private:
  LoopThread thread_;
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
  std::uint16_t port_ = 0;
  mutable std::mutex log_mutex_;
  std::string log_;
};

}  // namespace duplex::testing
