// duplex-echo: the lesson-03 echo server, many clients on one thread (lesson 03).
//
// Every byte a client sends comes back to it. One EventLoop serves all clients; a TcpServer
// accepts them; each Connection echoes what it reads, stops reading from a client that does not
// read its echoes (backpressure), and closes after --idle-timeout seconds of silence. SIGINT or
// SIGTERM stops it cleanly: no new clients, open ones closed, exit status 0.
//
//   duplex-echo [--host H] [--port N] [--idle-timeout SECONDS] [--quiet] [--help]
//
// The first line of output is the address it listens on, e.g. "tcp://127.0.0.1:8080".
// @lesson 03
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "src/net/connection.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/resolve.hpp"
#include "src/net/signals.hpp"
#include "src/net/tcp_listener.hpp"
#include "src/net/tcp_server.hpp"

namespace {

using duplex::net::Buffer;
using duplex::net::Connection;

constexpr std::string_view kUsage =
    "usage: duplex-echo [--host H] [--port N] [--idle-timeout SECONDS] [--quiet] [--help]\n"
    "  --host H              address to listen on (default 127.0.0.1)\n"
    "  --port N              port to listen on, 0 picks a free one (default 8080)\n"
    "  --idle-timeout S      close a client after S seconds of silence (default 60, 0: never)\n"
    "  --quiet               do not log connections on stderr\n";

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  long idle_timeout_seconds = 60;
  bool quiet = false;
  bool help = false;
};

std::optional<long> parse_number(std::string_view text, long max) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

// Returns an error message, or nothing when the arguments are fine.
std::optional<std::string> parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      options.help = true;
      continue;
    }
    if (flag == "--quiet") {
      options.quiet = true;
      continue;
    }
    if (flag != "--port" && flag != "--host" && flag != "--idle-timeout") {
      return "unknown flag " + std::string(flag) + " (try --help)";
    }
    if (i + 1 >= argc) return std::string(flag) + " needs a value";
    std::string_view value = argv[++i];
    if (flag == "--host") {
      options.host = value;
    } else if (flag == "--port") {
      auto port = parse_number(value, 65535);
      if (!port) return "--port wants a number from 0 to 65535, not '" + std::string(value) + "'";
      options.port = static_cast<std::uint16_t>(*port);
    } else {
      auto seconds = parse_number(value, 86400);
      if (!seconds)
        return "--idle-timeout wants seconds from 0 to 86400, not '" + std::string(value) + "'";
      options.idle_timeout_seconds = *seconds;
    }
  }
  return std::nullopt;
}

int serve(const Options& options) {
  duplex::net::EventLoop loop;
  // Before any thread exists and before the port opens: a SIGTERM from now on is read by the
  // loop instead of killing the process.
  int signals_seen = 0;
  std::optional<duplex::net::TcpServer> server;
  duplex::net::SignalWatcher signals(loop, {SIGINT, SIGTERM}, [&](int) {
    // First signal: stop accepting, close the clients gracefully, then leave the loop.
    // A second one: leave now.
    if (++signals_seen > 1 || !server) {
      loop.stop();
      return;
    }
    server->stop([&loop] { loop.stop(); });
  });

  auto addresses = duplex::net::resolve(options.host, options.port);
  duplex::net::TcpServerLimits limits;
  limits.connection.idle_timeout = std::chrono::seconds(options.idle_timeout_seconds);
  server.emplace(loop, duplex::net::TcpListener::listen(addresses.front()), limits);

  server->set_on_connect([&options](Connection& connection) {
    if (!options.quiet) std::cerr << "client connected (fd " << connection.fd() << ")\n";
    connection.set_on_data([](Connection& self, Buffer& input) {
      self.send(input.view());
      input.consume(input.size());
    });
    connection.set_on_close([&options](Connection&, duplex::net::CloseReason reason, int error) {
      if (options.quiet) return;
      std::cerr << "client closed: " << duplex::net::to_string(reason);
      if (error != 0) std::cerr << " (" << std::strerror(error) << ")";
      std::cerr << "\n";
    });
  });
  server->start();
  std::cout << "tcp://" << server->local_address().to_string() << std::endl;
  loop.run();
  server.reset();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (auto error = parse(argc, argv, options)) {
    std::cerr << "duplex-echo: " << *error << "\n";
    return 2;
  }
  if (options.help) {
    std::cout << kUsage;
    return 0;
  }
  try {
    return serve(options);
  } catch (const std::exception& error) {
    std::cerr << "duplex-echo: " << error.what() << "\n";
    return 1;
  }
}
