// duplex-server: the demo server of the course, from lesson 06 on.
// @lesson 06
//
// Serves the static site in src/www (the course's demo pages) over HTTP/1.1. SIGINT or SIGTERM
// stops it gracefully: no new connections, in-flight responses finished, exit status 0. The
// first line of output is the URL it serves, e.g. "http://127.0.0.1:8080/".
//
//   duplex-server [--host H] [--port N] [--root DIR] [--trace] [--access-log]
#if DUPLEX_LESSON >= 7
//
// Lesson 07 adds the push endpoints over one Ticker (/poll, /long-poll, /stream, /events); on
// SIGTERM the waiting long-polls are answered and the streams ended.
#endif
#if DUPLEX_LESSON >= 10
//
// The WebSocket routes share the port: /echo (lesson 10), /echo-trace, /chat and /ticker
// (lesson 11). On SIGTERM the WebSocket clients are told 1001 (going away).
#endif
#if DUPLEX_LESSON >= 12
//
// One event loop per thread (lesson 12), --threads of them, by default one per online CPU.
// Each loop has its own listening socket on the one port (SO_REUSEPORT: the kernel spreads new
// connections over them), its own server and routes, and serves its connections alone. What
// the loops share goes by message passing (EventLoop::post): the first loop's Ticker makes the
// events and a TickerRelay copies them to the others' Tickers; one ChatHub on the first loop
// owns the chat rooms. With --threads 1 there is one loop, no relay and no hub, as before.
#endif
#if DUPLEX_LESSON >= 14
//
// --no-deflate declines WebSocket compression (lesson 14).
#endif
#if DUPLEX_LESSON >= 15
//
// The chat's rooms and the ticker live in engines (lesson 15): in this process by default, or in
// Redis with --redis HOST:PORT, so that several duplex-server processes share the rooms and
// serve one tick sequence (each engine has one command connection and one subscriber connection
// per process, on the first loop).
#endif

#include <cstdint>
#include <exception>
#include <functional>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#if DUPLEX_LESSON >= 12
#include <unistd.h>

#include <memory>
#include <mutex>
#include <thread>
#include <vector>
#endif

#if DUPLEX_LESSON >= 7
#include "src/app/push_endpoints.hpp"
#include "src/app/ticker.hpp"
#endif
#if DUPLEX_LESSON >= 10
#include "src/app/echo_endpoint.hpp"
#endif
#if DUPLEX_LESSON >= 11
#include "src/app/chat_endpoint.hpp"
#include "src/app/chat_hub.hpp"
#include "src/app/echo_trace_endpoint.hpp"
#include "src/app/ticker_relay.hpp"
#include "src/app/ticker_socket.hpp"
#endif
#if DUPLEX_LESSON >= 15
#include "src/app/memory_chat_engine.hpp"
#include "src/app/redis_chat_engine.hpp"
#include "src/app/redis_ticker_engine.hpp"
#include "src/app/ticker_engine.hpp"
#endif
#include "src/http/http_server.hpp"
#include "src/http/router.hpp"
#include "src/http/static_files.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/resolve.hpp"
#include "src/net/signals.hpp"
#include "src/net/tcp_listener.hpp"

namespace {

constexpr std::string_view kUsage =
#if DUPLEX_LESSON >= 12
    "usage: duplex-server [--host H] [--port N] [--threads N] [--root DIR] [--trace] [--access-log]"
    " [--help]\n"
#else
    "usage: duplex-server [--host H] [--port N] [--root DIR] [--trace] [--access-log] [--help]\n"
#endif
    "  --host H        address to listen on (default 127.0.0.1)\n"
    "  --port N        port to listen on, 0 picks a free one (default 8080)\n"
#if DUPLEX_LESSON >= 12
    "  --threads N     event loops, one per thread, 1 to 1024 (default: one per online CPU)\n"
#endif
    "  --root DIR      document root for static files (default: src/www in the source tree)\n"
#if DUPLEX_LESSON >= 10
    "  --trace         print every request head, response head and WebSocket frame on the wire\n"
#else
    "  --trace         print every request head and response head on the wire\n"
#endif
    "  --access-log    print one line per request: method, target, status, bytes, time\n"
#if DUPLEX_LESSON >= 14
    "  --no-deflate    decline permessage-deflate (RFC 7692): WebSocket messages uncompressed\n"
#endif
#if DUPLEX_LESSON >= 15
    "  --redis H:P     share the chat's rooms and the ticker with other processes through\n"
    "                  Redis at H:P (default: both live in this process)\n"
#endif
    ;

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
#if DUPLEX_LESSON >= 12
  unsigned threads = 0;  // 0: one per online CPU
#endif
  std::string root = DUPLEX_SOURCE_DIR "/src/www";
  bool trace = false;
  bool access_log = false;
#if DUPLEX_LESSON >= 14
  bool deflate = true;  // WebSocket compression, on unless --no-deflate
#endif
  bool help = false;
#if DUPLEX_LESSON >= 15
  std::string redis;  // HOST:PORT of the chat's Redis; empty: the memory engine
#endif
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
#if DUPLEX_LESSON >= 14
    } else if (flag == "--no-deflate") {
      options.deflate = false;
#endif
#if DUPLEX_LESSON >= 15
    } else if (flag == "--redis") {
      if (i + 1 >= argc) return std::string(flag) + " needs a value";
      options.redis = argv[++i];
      auto colon = options.redis.rfind(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == options.redis.size())
        return "--redis wants HOST:PORT, not '" + options.redis + "'";
#endif
    } else if (flag == "--host" || flag == "--port" || flag == "--root"
#if DUPLEX_LESSON >= 12
               || flag == "--threads"
#endif
    ) {
      if (i + 1 >= argc) return std::string(flag) + " needs a value";
      std::string_view value = argv[++i];
      if (flag == "--host") {
        options.host = value;
      } else if (flag == "--root") {
        options.root = value;
#if DUPLEX_LESSON >= 12
      } else if (flag == "--threads") {
        unsigned long threads = 0;
        bool ok = !value.empty() && value.size() <= 4;
        for (char c : value) {
          ok = ok && c >= '0' && c <= '9';
          if (ok) threads = threads * 10 + static_cast<unsigned long>(c - '0');
        }
        if (!ok || threads < 1 || threads > 1024)
          return "--threads wants a number from 1 to 1024, not '" + std::string(value) + "'";
        options.threads = static_cast<unsigned>(threads);
#endif
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

#if DUPLEX_LESSON >= 12
unsigned online_cpus() {
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  return cpus >= 1 ? static_cast<unsigned>(cpus) : 1;
}

#endif
using namespace duplex;

#if DUPLEX_LESSON >= 12
// One event loop and everything it serves: a server of its own on the shared port. Built on
// the main thread before any loop runs; afterwards touched only by its loop's thread.
#else
// The event loop and everything it serves.
#endif
struct Shard {
#if DUPLEX_LESSON >= 11
  Shard(const Options& options, const std::string& root)
      : ticker_socket(ticker, traced(options, app::ticker_socket_options())),
        echo_trace(traced(options, app::echo_trace_options())),
        files(root) {}
#else
  explicit Shard(const std::string& root) : files(root) {}
#endif
#if DUPLEX_LESSON >= 10

  static ws::WsOptions traced(const Options& options, ws::WsOptions ws_options) {
    // --trace shows WebSocket frames too, field by field (lesson 09).
    ws_options.trace = options.trace;
#if DUPLEX_LESSON >= 14
    ws_options.handshake.deflate.enabled = options.deflate;
#endif
    return ws_options;
  }
#endif

#if DUPLEX_LESSON >= 11
  // Adds the routes and the server; `chat` is built before, with or without a hub.
#else
  // Adds the routes and the server.
#endif
#if DUPLEX_LESSON >= 10
  void open(const Options& options, net::TcpListener listener,
            const http::HttpServerOptions& server_options) {
#else
  void open(net::TcpListener listener, const http::HttpServerOptions& server_options) {
#endif
#if DUPLEX_LESSON >= 7
    push.install(router);
#endif
#if DUPLEX_LESSON >= 10
    echo.emplace(app::install_echo_endpoint(router, traced(options, app::echo_options())));
#endif
#if DUPLEX_LESSON >= 11
    echo_trace.install(router);
    chat->install(router);
    ticker_socket.install(router);
#endif
    router.fallback(files.handler());
    server.emplace(loop, std::move(listener), router.handler(), server_options);
    server->start();
  }

#if DUPLEX_LESSON >= 10
  // On the loop thread. The WebSocket clients are told 1001 (going away) first: the server's
  // stop closes every connection it still has, and a close frame queued after that would never
  // be sent. Then the server stops, so the answers below say "Connection: close"; then the
  // waiting long-polls are answered and the streams ended, which lets them finish and close.
#elif DUPLEX_LESSON >= 7
  // On the loop thread. The server stops first, so the answers below say "Connection: close";
  // then the waiting long-polls are answered and the streams ended, which lets them finish and
  // close.
#endif
#if DUPLEX_LESSON < 7
  // On the loop thread: the server refuses new connections and finishes the requests in
  // progress, then calls `on_stopped`.
#endif
  void stop(std::function<void()> on_stopped) {
#if DUPLEX_LESSON >= 7
    ticker.stop();
#endif
#if DUPLEX_LESSON >= 11
    ticker_socket.shutdown();
    chat->shutdown();
    echo_trace.shutdown();
#endif
#if DUPLEX_LESSON >= 10
    echo->close_all();
#endif
    server->stop(std::move(on_stopped));
#if DUPLEX_LESSON >= 7
    push.shutdown();
#endif
  }

  net::EventLoop loop;
#if DUPLEX_LESSON >= 12
  app::Ticker ticker{loop};  // the first loop's makes the events; the others' follow it
#elif DUPLEX_LESSON >= 7
  app::Ticker ticker{loop};
#endif
#if DUPLEX_LESSON >= 7
  app::PushEndpoints push{ticker};
#endif
#if DUPLEX_LESSON >= 11
  app::TickerSocket ticker_socket;
  std::optional<app::ChatEndpoint> chat;
  app::EchoTraceEndpoint echo_trace;
#endif
#if DUPLEX_LESSON >= 10
  std::optional<ws::WsEndpoint> echo;
#endif
  http::StaticFiles files;
  http::Router router;
  std::optional<http::HttpServer> server;
};

#if DUPLEX_LESSON >= 12
int serve(const Options& options) {
  unsigned threads = options.threads != 0 ? options.threads : online_cpus();
  std::mutex log_mutex;  // outlives every server that logs through it
#if DUPLEX_LESSON >= 15
  // The chat's engine (lesson 15) runs on the first loop; declared before the hub and the shards,
  // whose rooms detach from it as they are destroyed.
  std::unique_ptr<app::ChatEngine> engine;
  app::RedisChatEngine* redis_engine = nullptr;
  // The ticker's engine feeds the first loop's Ticker (the relay copies it to the others).
  std::unique_ptr<app::TickerEngine> ticker_engine;
  app::RedisTickerEngine* redis_ticker = nullptr;
#endif
  // Declared before the shards, destroyed after them: a connection closed while the shards
  // are torn down still posts its goodbye to the hub.
  std::optional<app::ChatHub> hub;
  std::vector<std::unique_ptr<Shard>> shards;
  for (unsigned i = 0; i < threads; ++i) {
    shards.push_back(std::make_unique<Shard>(options, options.root));
  }
  Shard& first = *shards.front();
#if DUPLEX_LESSON >= 15
  if (options.redis.empty()) {
    engine = std::make_unique<app::MemoryChatEngine>();
    ticker_engine = std::make_unique<app::MemoryTickerEngine>(first.ticker);
  } else {
    // @anchor lesson15-redis-flag
    auto colon = options.redis.rfind(':');
    std::string port_text = options.redis.substr(colon + 1);
    unsigned long port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535)
        throw std::runtime_error("--redis: bad port " + port_text);
      port = port * 10 + static_cast<unsigned long>(c - '0');
    }
    if (port == 0 || port > 65535) throw std::runtime_error("--redis: bad port " + port_text);
    auto redis_address =
        net::resolve(options.redis.substr(0, colon), static_cast<std::uint16_t>(port)).front();
    auto redis = std::make_unique<app::RedisChatEngine>(first.loop, redis_address);
    redis_engine = redis.get();
    engine = std::move(redis);
    auto ticks = std::make_unique<app::RedisTickerEngine>(first.loop, redis_address, first.ticker);
    redis_ticker = ticks.get();
    ticker_engine = std::move(ticks);
  }
#endif
  std::optional<app::TickerRelay> relay;
  if (threads == 1) {
#if DUPLEX_LESSON >= 15
    first.chat.emplace(*engine, app::ChatLimits{}, Shard::traced(options, app::chat_options()));
#else
    first.chat.emplace(app::ChatLimits{}, Shard::traced(options, app::chat_options()));
#endif
  } else {
#if DUPLEX_LESSON >= 15
    hub.emplace(first.loop, *engine);
#else
    hub.emplace(first.loop);
#endif
    relay.emplace(first.ticker);
    for (auto& shard : shards) {
      shard->chat.emplace(*hub, shard->loop, Shard::traced(options, app::chat_options()));
      if (shard.get() != &first) relay->add(shard->ticker);
    }
  }

  int signals_seen = 0;
  unsigned stopped = 0;
  // Each loop reports to the first when its server has stopped; the first, which watches the
  // signals, ends them all once every one has, so a second Ctrl-C is heard until then.
  auto one_stopped = [&] {
    first.loop.post([&] {
      if (++stopped < threads) return;
      for (auto& shard : shards) shard->loop.stop();
    });
  };
  // Blocked before the port opens and before any thread starts (threads inherit the mask):
  // from here on a SIGTERM is an event on the first loop, not a death.
  std::optional<net::SignalWatcher> signals;
  signals.emplace(first.loop, std::initializer_list<int>{SIGINT, SIGTERM}, [&](int) {
    if (++signals_seen > 1) {
      for (auto& shard : shards) shard->loop.stop();
      return;
    }
    first.ticker.stop();  // no more events for anyone
#if DUPLEX_LESSON >= 15
    if (redis_engine != nullptr) redis_engine->stop();
    ticker_engine->stop();
#endif
    for (auto& shard : shards) {
      Shard* each = shard.get();
      each->loop.post([each, one_stopped] { each->stop(one_stopped); });
    }
  });

  http::HttpServerOptions server_options;
  server_options.trace = options.trace;
  server_options.access_log = options.access_log;
  if (threads > 1) {
    // Several loops log at once: one whole batch of lines at a time.
    server_options.log = [&log_mutex](std::string_view lines) {
      std::lock_guard lock(log_mutex);
      std::cerr << lines << std::flush;
    };
  }
  auto addresses = net::resolve(options.host, options.port);
  // @anchor lesson12-one-loop-per-thread
  // The first listener finds out whether the port is free (and which one port 0 gave); the
  // others join it. With one loop the port is not shared at all.
  first.open(options,
             net::TcpListener::listen(
                 addresses.front(), SOMAXCONN,
                 threads == 1 ? net::PortSharing::kExclusive : net::PortSharing::kLead),
             server_options);
  for (auto& shard : shards) {
    if (shard.get() == &first) continue;
    shard->open(
        options,
        net::TcpListener::listen(first.server->local_address(), SOMAXCONN, net::PortSharing::kJoin),
        server_options);
  }
#if DUPLEX_LESSON >= 15
  ticker_engine->start();
  if (redis_engine != nullptr) redis_engine->start();
#else
  first.ticker.start();
#endif
  std::cout << "http://" << first.server->local_address().to_string() << "/" << std::endl;
#if DUPLEX_LESSON >= 15
  if (redis_engine != nullptr) {
    std::cerr << "chat and ticker engines: redis at " << options.redis << std::endl;
  }
#endif

  std::vector<std::thread> loop_threads;
  for (auto& shard : shards) {
    if (shard.get() == &first) continue;
    Shard* each = shard.get();
    loop_threads.emplace_back([each] { each->loop.run(); });
  }
  first.loop.run();
  for (auto& thread : loop_threads) thread.join();
  signals.reset();
  // Every loop has ended: tear down servers first (their last closes may still post to the
  // hub or to the first loop), then the relay, then the shards, the first one last.
  for (auto& shard : shards) shard->server.reset();
#if DUPLEX_LESSON >= 15
  if (redis_engine != nullptr) redis_engine->close();  // its connections belong to the first loop
  if (redis_ticker != nullptr) redis_ticker->close();
  ticker_engine.reset();  // before the Ticker it feeds
#endif
  relay.reset();
  while (!shards.empty()) shards.pop_back();
  return 0;
}
#else
int serve(const Options& options) {
#if DUPLEX_LESSON >= 11
  Shard shard(options, options.root);
  shard.chat.emplace(app::ChatLimits{}, Shard::traced(options, app::chat_options()));
#else
  Shard shard(options.root);
#endif
  int signals_seen = 0;
  // Blocked before the port opens: from here on a SIGTERM is an event on the loop, not a death.
  // The first one stops the server gracefully; a second one ends the loop at once.
  net::SignalWatcher signals(shard.loop, {SIGINT, SIGTERM}, [&](int) {
    if (++signals_seen > 1) {
      shard.loop.stop();
      return;
    }
    shard.stop([&] { shard.loop.stop(); });
  });

  http::HttpServerOptions server_options;
  server_options.trace = options.trace;
  server_options.access_log = options.access_log;
  auto addresses = net::resolve(options.host, options.port);
#if DUPLEX_LESSON >= 10
  shard.open(options, net::TcpListener::listen(addresses.front()), server_options);
#else
  shard.open(net::TcpListener::listen(addresses.front()), server_options);
#endif
#if DUPLEX_LESSON >= 7
  shard.ticker.start();
#endif
  std::cout << "http://" << shard.server->local_address().to_string() << "/" << std::endl;
  shard.loop.run();
  // The server goes first: its connections still refer to the routes.
  shard.server.reset();
  return 0;
}
#endif

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
