// HttpServer: an HTTP/1.1 origin server on the event loop (lesson 06).
//
// It puts the pieces together: a net::TcpServer accepts connections, each gets an
// HttpConnection that parses requests and calls the handler with an Exchange, and the
// HttpServerOptions bound what any client may cost. RFC 9112 §9 (connection management),
// RFC 9110 §15.6.4 (503 past the connection limit).
//
//   net::EventLoop loop;
//   Router router;  router.get("/hello", [](Exchange& e) { e.respond(200, "text/plain", "hi\n");
//   }); HttpServer server(loop, net::TcpListener::listen(address), router.handler());
//   server.start();
//   loop.run();
// @lesson 06
#pragma once

#include <functional>
#include <memory>

#include "src/http/exchange.hpp"
#include "src/http/server_context.hpp"
#include "src/http/server_options.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/socket_address.hpp"
#include "src/net/tcp_listener.hpp"
#include "src/net/tcp_server.hpp"
#include "src/net/timer.hpp"

namespace duplex::http {

class HttpServer {
 public:
  using Handler = std::function<void(Exchange& exchange)>;

  HttpServer(net::EventLoop& loop, net::TcpListener listener, Handler handler,
             HttpServerOptions options = {});
  // Aborts what is still open. Destroy the server before its loop.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Starts accepting (on the loop thread).
  void start();
  // Graceful stop: new connections are refused, idle ones close, and each request in progress
  // finishes (its response says "Connection: close") within options.stop_timeout; then
  // `on_stopped` runs. The loop must keep running meanwhile.
  void stop(std::function<void()> on_stopped = {});

  net::SocketAddress local_address() const { return tcp_.local_address(); }
  // Connections speaking HTTP right now (upgraded ones are no longer counted).
  std::size_t connection_count() const { return context_->connections.size(); }
  const HttpServerOptions& options() const { return context_->options; }
  net::EventLoop& loop() { return loop_; }

 private:
  void close_listener_and_rest();

  net::EventLoop& loop_;
  std::unique_ptr<ServerContext> context_;
  net::TcpServer tcp_;
  std::function<void()> on_stopped_;
  net::Timer stop_timer_;  // the bound on stop(): stop_timeout
  bool tcp_stopped_ = false;
};

}  // namespace duplex::http
