// duplex-server: the demo server of lessons 06, 07, 10 and 11.
//
// Serves the static site in src/www (the course's demo pages), lesson 07's push endpoints over
// one Ticker (/poll, /long-poll, /stream, /events) and the WebSocket routes on the same port:
// /echo (lesson 10), /echo-trace, /chat and /ticker (lesson 11). One EventLoop, one thread.
// SIGINT or SIGTERM stops it gracefully: no new connections, waiting long-polls answered,
// streams ended, WebSocket clients told 1001 (going away), in-flight responses finished, exit
// status 0.
//
//   duplex-server [--host H] [--port N] [--root DIR] [--trace] [--access-log] [--help]
//
// The first line of output is the URL it serves, e.g. "http://127.0.0.1:8080/".
#include <cstdint>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "src/app/chat_endpoint.hpp"
#include "src/app/echo_endpoint.hpp"
#include "src/app/echo_trace_endpoint.hpp"
#include "src/app/push_endpoints.hpp"
#include "src/app/ticker.hpp"
#include "src/app/ticker_socket.hpp"
#include "src/http/http_server.hpp"
#include "src/http/router.hpp"
#include "src/http/static_files.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/resolve.hpp"
#include "src/net/signals.hpp"
#include "src/net/tcp_listener.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: duplex-server [--host H] [--port N] [--root DIR] [--trace] [--access-log] [--help]\n"
    "  --host H        address to listen on (default 127.0.0.1)\n"
    "  --port N        port to listen on, 0 picks a free one (default 8080)\n"
    "  --root DIR      document root for static files (default: src/www in the source tree)\n"
    "  --trace         print every request head, response head and WebSocket frame on the wire\n"
    "  --access-log    print one line per request: method, target, status, bytes, time\n";

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string root = DUPLEX_SOURCE_DIR "/src/www";
  bool trace = false;
  bool access_log = false;
  bool help = false;
};

std::optional<std::string> parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      options.help = true;
    } else if (flag == "--trace") {
      options.trace = true;
    } else if (flag == "--access-log") {
      options.access_log = true;
    } else if (flag == "--host" || flag == "--port" || flag == "--root") {
      if (i + 1 >= argc) return std::string(flag) + " needs a value";
      std::string_view value = argv[++i];
      if (flag == "--host") {
        options.host = value;
      } else if (flag == "--root") {
        options.root = value;
      } else {
        unsigned long port = 0;
        bool ok = !value.empty() && value.size() <= 5;
        for (char c : value) {
          ok = ok && c >= '0' && c <= '9';
          if (ok) port = port * 10 + static_cast<unsigned long>(c - '0');
        }
        if (!ok || port > 65535)
          return "--port wants a number from 0 to 65535, not '" + std::string(value) + "'";
        options.port = static_cast<std::uint16_t>(port);
      }
    } else {
      return "unknown flag " + std::string(flag) + " (try --help)";
    }
  }
  return std::nullopt;
}

int serve(const Options& options) {
  using namespace duplex;
  net::EventLoop loop;
  std::optional<http::HttpServer> server;
  app::Ticker ticker(loop);
  app::PushEndpoints push(ticker);
  // --trace shows WebSocket frames too, field by field (lesson 09).
  auto traced = [&options](ws::WsOptions ws_options) {
    ws_options.trace = options.trace;
    return ws_options;
  };
  app::TickerSocket ticker_socket(ticker, traced(app::ticker_socket_options()));
  app::ChatEndpoint chat(app::ChatLimits{}, traced(app::chat_options()));
  app::EchoTraceEndpoint echo_trace(traced(app::echo_trace_options()));
  std::optional<ws::WsEndpoint> echo;
  int signals_seen = 0;
  // Blocked before the port opens: from here on a SIGTERM is an event, not a death.
  net::SignalWatcher signals(loop, {SIGINT, SIGTERM}, [&](int) {
    if (++signals_seen > 1 || !server) {
      loop.stop();
      return;
    }
    // Stop first, so the answers below say "Connection: close"; then answer the waiting
    // long-polls and end the streams, which lets their connections finish and close.
    ticker.stop();
    server->stop([&loop] { loop.stop(); });
    push.shutdown();
    ticker_socket.shutdown();
    chat.shutdown();
    echo_trace.shutdown();
    if (echo) echo->close_all();
  });

  http::StaticFiles files(options.root);
  http::Router router;
  push.install(router);
  echo.emplace(app::install_echo_endpoint(router, traced(app::echo_options())));
  echo_trace.install(router);
  chat.install(router);
  ticker_socket.install(router);
  router.fallback(files.handler());

  http::HttpServerOptions server_options;
  server_options.trace = options.trace;
  server_options.access_log = options.access_log;
  auto addresses = net::resolve(options.host, options.port);
  server.emplace(loop, net::TcpListener::listen(addresses.front()), router.handler(),
                 server_options);
  server->start();
  ticker.start();
  std::cout << "http://" << server->local_address().to_string() << "/" << std::endl;
  loop.run();
  server.reset();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (auto error = parse(argc, argv, options)) {
    std::cerr << "duplex-server: " << *error << "\n";
    return 2;
  }
  if (options.help) {
    std::cout << kUsage;
    return 0;
  }
  try {
    return serve(options);
  } catch (const std::exception& error) {
    std::cerr << "duplex-server: " << error.what() << "\n";
    return 1;
  }
}
