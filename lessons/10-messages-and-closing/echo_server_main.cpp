// echo_server (lesson 10): the /echo WebSocket endpoint on an HTTP server, alone.
//
// A throwaway program to try lesson 10 before the demo server serves /echo: an HttpServer on
// one event loop, a Router with app::install_echo_endpoint, and nothing else. Every message
// comes back as it was sent (up to 16 MiB); --trace prints every frame in both directions.
//
//   echo_server [--host H] [--port N] [--trace] [--help]
//
// The first line of output is the endpoint's URL, e.g. "ws://127.0.0.1:9010/echo". SIGINT or
// SIGTERM says 1001 (going away) to every client, then stops.
#include <csignal>
#include <cstdint>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "src/app/echo_endpoint.hpp"
#include "src/http/http_server.hpp"
#include "src/http/router.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/resolve.hpp"
#include "src/net/signals.hpp"
#include "src/net/tcp_listener.hpp"

namespace {

using namespace duplex;

constexpr std::string_view kUsage =
    "usage: echo_server [--host H] [--port N] [--trace] [--help]\n"
    "  --host H   address to listen on (default 127.0.0.1)\n"
    "  --port N   port to listen on, 0 picks a free one (default 9010)\n"
    "  --trace    print every WebSocket frame in both directions on stderr\n";

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9010;
  bool trace = false;
  bool help = false;
};

std::optional<std::string> parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      options.help = true;
    } else if (flag == "--trace") {
      options.trace = true;
    } else if (flag == "--host" || flag == "--port") {
      if (i + 1 >= argc) return std::string(flag) + " needs a value";
      std::string_view value = argv[++i];
      if (flag == "--host") {
        options.host = value;
        continue;
      }
      unsigned long port = 0;
      bool ok = !value.empty() && value.size() <= 5;
      for (char c : value) {
        ok = ok && c >= '0' && c <= '9';
        if (ok) port = port * 10 + static_cast<unsigned long>(c - '0');
      }
      if (!ok || port > 65535) {
        return "--port wants a number from 0 to 65535, not '" + std::string(value) + "'";
      }
      options.port = static_cast<std::uint16_t>(port);
    } else {
      return "unknown flag " + std::string(flag) + " (try --help)";
    }
  }
  return std::nullopt;
}

// @anchor lesson10-echo-server
int serve(const Options& options) {
  net::EventLoop loop;
  http::Router router;
  ws::WsOptions ws_options = app::echo_options();
  ws_options.trace = options.trace;
  ws::WsEndpoint echo = app::install_echo_endpoint(router, ws_options);
  std::optional<http::HttpServer> server;
  net::SignalWatcher signals(loop, {SIGINT, SIGTERM}, [&](int) {
    // Clients hear 1001 and answer; then the server stops (closing whatever remains).
    echo.close_all(ws::CloseCode::kGoingAway, "server stopping");
    server->stop([&loop] { loop.stop(); });
  });
  server.emplace(loop, net::TcpListener::listen(net::resolve(options.host, options.port).front()),
                 router.handler());
  server->start();
  std::cout << "ws://" << server->local_address().to_string() << "/echo" << std::endl;
  loop.run();
  server.reset();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (auto error = parse(argc, argv, options)) {
    std::cerr << "echo_server: " << *error << "\n";
    return 2;
  }
  if (options.help) {
    std::cout << kUsage;
    return 0;
  }
  try {
    return serve(options);
  } catch (const std::exception& error) {
    std::cerr << "echo_server: " << error.what() << "\n";
    return 1;
  }
}
