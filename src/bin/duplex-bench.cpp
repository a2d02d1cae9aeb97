// duplex-bench: the load generator, the baselines and the report writer of lesson 12.
// @lesson 12
//
//   duplex-bench http        --port N [--path /hello.txt --expect-file F] [-c 50] [-k 1]
//   duplex-bench ws-echo     --port N [--path /echo] [-c 64] [-k 16] [--size 32] [--binary]
//   duplex-bench tcp-echo    --port N [-c 64] [-k 16] [--size 32]
//   duplex-bench handshake   --port N [--path /echo] [-c 16]      WebSocket handshakes/s
//   duplex-bench tcp-cycle   --port N [-c 16]                     connect + echo + close/s
//   duplex-bench idle        --port N --server-pid P [-c 10000]   server bytes per idle WebSocket
//   duplex-bench push        --port N [-c 4] [--poll-interval 1]  lesson 07's techniques compared
//   duplex-bench wrk         --port N [--path /hello.txt] [-c 50] [--header "Connection: close"]
//                            wrk -t1 as the load generator, its output as a result line
//   duplex-bench subscribe   --port N --server-pid P --technique T [-c 1000] [--strace]
//                            T = poll, long-poll, stream, events, websocket: server CPU,
//                            syscalls and memory per update / subscriber
//   duplex-bench send        --port N --technique post|websocket [-c 100] [--rate 10]
//                            [--size 32] [--strace]    client to server: cost per message
#if DUPLEX_LESSON >= 14
//   duplex-bench deflate-idle --port N --server-pid P [-c 10000] [--corpus chat.jsonl]
//                            lesson 14: server bytes per idle connection that offered
//                            permessage-deflate, and the chat's ratio under what was agreed
//   duplex-bench deflate-ratio --corpus F   lesson 14: F's lines compressed as messages
//   duplex-bench deflate-echo --port N --corpus F [--technique plain] [-c 64] [-k 16]
//                            lesson 14: F's lines echoed compressed (or plain): msgs/s
//   duplex-bench deflate-broadcast --port N --corpus F [--technique plain] [-c 200] [--rate 4]
//                            lesson 14: one /chat room where every member talks: deliveries/s
#endif
#if DUPLEX_LESSON >= 15
//   duplex-bench fanout      --ports N[,N...] [-c 100] [--senders 10] [--rate 1]
//                            [--redis-port R] [--engine memory|redis]    lesson 15: one chat
//                            room over 1..n processes: deliveries/s, latency, Redis commands/msg
#endif
//   duplex-bench serve-tcp-echo [--port N]    the raw epoll echo server (the baseline)
//   duplex-bench serve-ws-echo  [--port N]    HttpServer + WebSocket /echo, and /sink (POST
//                                             answered 204, WebSocket messages dropped)
//   duplex-bench report --results FILE --docs DIR [--pinning TEXT] [--settings TEXT]
//                                             docs/benchmarks.md, dated by FILE's mtime
//
// Common: --host H (127.0.0.1), --seconds S (5), --warmup S (1), --cpu C (pin this process to
// CPU C with sched_setaffinity), --tag key=value (added to the result line, repeatable).
// Load modes print one "result ..." line (src/bench/result.hpp) and exit 0 even when the server
// misbehaved (errors=1 and error=... say what happened); a bad flag exits 2, a failed setup 1.
// Serve modes print their address as the first line and run until SIGINT or SIGTERM.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "src/app/echo_endpoint.hpp"
#if DUPLEX_LESSON >= 14
#include "src/bench/deflate_load.hpp"
#endif
#if DUPLEX_LESSON >= 15
#include "src/bench/fanout_load.hpp"
#endif
#include "src/bench/load.hpp"
#include "src/bench/report.hpp"
#include "src/bench/system.hpp"
#include "src/bench/tcp_echo_server.hpp"
#include "src/http/http_server.hpp"
#include "src/http/router.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/resolve.hpp"
#include "src/net/signals.hpp"
#include "src/net/tcp_listener.hpp"
#include "src/ws/ws_endpoint.hpp"

namespace {

using namespace duplex;

constexpr std::string_view kUsage =
    "usage: duplex-bench MODE [flags]\n"
    "  load modes:  http ws-echo tcp-echo handshake tcp-cycle idle push wrk subscribe send\n"
#if DUPLEX_LESSON >= 15
    "               deflate-idle deflate-ratio deflate-echo deflate-broadcast fanout\n"
#elif DUPLEX_LESSON >= 14
    "               deflate-idle deflate-ratio deflate-echo deflate-broadcast\n"
#endif
    "  servers:     serve-tcp-echo serve-ws-echo\n"
    "  report:      report --results FILE --docs DIR\n"
    "  flags: --host H --port N --path P -c/--connections N -k/--inflight K --size S --binary\n"
    "         --seconds S --warmup S --expect-body TEXT --expect-file F --server-pid P "
    "--poll-interval S\n"
#if DUPLEX_LESSON >= 14
    "         --header H --technique T --rate R --strace --corpus F\n"
#else
    "         --header H --technique T --rate R --strace\n"
#endif
#if DUPLEX_LESSON >= 15
    "         --ports N,N --senders N --redis-port N --engine NAME (fanout)\n"
#endif
    "         --cpu C --tag key=value --results FILE --docs DIR --pinning TEXT --settings TEXT\n";

struct Flags {
  std::string mode;
  bench::LoadOptions load;
#if DUPLEX_LESSON >= 15
  bench::FanoutOptions fanout;  // fanout: ports, senders, Redis (lesson 15)
#endif
  int cpu = -1;
  std::vector<std::pair<std::string, std::string>> tags;
  std::string results;
  std::string docs;
  std::string pinning = "none";
  std::string settings;
#if DUPLEX_LESSON >= 14
  std::string corpus;  // deflate modes: one message per line
#endif
  bool help = false;
};

std::optional<double> number(std::string_view text) {
  try {
    std::size_t used = 0;
    double value = std::stod(std::string(text), &used);
    if (used != text.size()) return std::nullopt;
    return value;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<std::string> parse(int argc, char** argv, Flags& flags) {
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      flags.help = true;
      continue;
    }
    if (flag == "--binary") {
      flags.load.binary = true;
      continue;
    }
    if (flag == "--strace") {
      flags.load.count_syscalls = true;
      continue;
    }
    if (flag.substr(0, 1) != "-") {
      if (!flags.mode.empty()) return "unexpected argument " + std::string(flag);
      flags.mode = flag;
      continue;
    }
    // Four flags a row, whatever the lesson blocks leave of the list.
    // clang-format off
    static const std::vector<std::string_view> kValueFlags = {
        "--host",        "--port",       "--path",          "-c",
        "--connections", "-k",           "--inflight",      "--size",
        "--seconds",     "--warmup",     "--poll-interval", "--expect-body",
        "--expect-file", "--server-pid", "--cpu",           "--tag",
        "--results",     "--docs",       "--pinning",       "--settings",
        "--header",      "--technique",  "--rate",
#if DUPLEX_LESSON >= 14
        "--corpus",
#endif
#if DUPLEX_LESSON >= 15
        "--ports",       "--senders",    "--redis-port",    "--engine",
#endif
    };
    // clang-format on
    if (std::find(kValueFlags.begin(), kValueFlags.end(), flag) == kValueFlags.end())
      return "unknown flag " + std::string(flag) + " (try --help)";
    if (i + 1 >= argc) return std::string(flag) + " needs a value";
    std::string value = argv[++i];
    auto want_number = [&](double low, double high) -> std::optional<double> {
      auto v = number(value);
      if (!v || *v < low || *v > high) return std::nullopt;
      return v;
    };
    auto bad = [&] { return std::string(flag) + ": bad value '" + value + "'"; };
    if (flag == "--host") {
      flags.load.host = value;
    } else if (flag == "--port") {
      auto v = want_number(0, 65535);
      if (!v || *v != static_cast<int>(*v)) return bad();
      flags.load.port = static_cast<std::uint16_t>(*v);
    } else if (flag == "--path") {
      flags.load.path = value;
    } else if (flag == "-c" || flag == "--connections") {
      auto v = want_number(1, 100000);
      if (!v) return bad();
      flags.load.connections = static_cast<int>(*v);
    } else if (flag == "-k" || flag == "--inflight") {
      auto v = want_number(1, 4096);
      if (!v) return bad();
      flags.load.inflight = static_cast<int>(*v);
    } else if (flag == "--size") {
      auto v = want_number(1, 64 << 20);
      if (!v) return bad();
      flags.load.size = static_cast<std::size_t>(*v);
    } else if (flag == "--seconds") {
      auto v = want_number(0.1, 600);
      if (!v) return bad();
      flags.load.seconds = *v;
    } else if (flag == "--warmup") {
      auto v = want_number(0, 60);
      if (!v) return bad();
      flags.load.warmup = *v;
    } else if (flag == "--poll-interval") {
      auto v = want_number(0.01, 60);
      if (!v) return bad();
      flags.load.poll_interval = *v;
    } else if (flag == "--expect-body") {
      flags.load.expect_body = value;
    } else if (flag == "--expect-file") {
      std::ifstream file(value, std::ios::binary);
      if (!file) return "--expect-file: cannot read " + value;
      std::ostringstream contents;
      contents << file.rdbuf();
      flags.load.expect_body = contents.str();
    } else if (flag == "--server-pid") {
      auto v = want_number(1, 1e9);
      if (!v) return bad();
      flags.load.server_pid = static_cast<pid_t>(*v);
    } else if (flag == "--cpu") {
      auto v = want_number(0, 4096);
      if (!v) return bad();
      flags.cpu = static_cast<int>(*v);
    } else if (flag == "--tag") {
      auto equals = value.find('=');
      if (equals == std::string::npos || equals == 0) return bad();
      flags.tags.emplace_back(value.substr(0, equals), value.substr(equals + 1));
    } else if (flag == "--header") {
      if (value.find(':') == std::string::npos || value.find_first_of("\r\n") != std::string::npos)
        return bad();
      flags.load.header = value;
    } else if (flag == "--technique") {
      flags.load.technique = value;
    } else if (flag == "--rate") {
      auto v = want_number(0.01, 1e6);
      if (!v) return bad();
      flags.load.rate = *v;
#if DUPLEX_LESSON >= 14
    } else if (flag == "--corpus") {
      flags.corpus = value;
#endif
#if DUPLEX_LESSON >= 15
    } else if (flag == "--ports") {
      try {
        flags.fanout.ports = bench::parse_ports(value);
      } catch (const std::invalid_argument& error) {
        return error.what();
      }
    } else if (flag == "--senders") {
      auto v = want_number(1, 1e6);
      if (!v || *v != static_cast<int>(*v)) return bad();
      flags.fanout.senders = static_cast<int>(*v);
    } else if (flag == "--redis-port") {
      auto v = want_number(1, 65535);
      if (!v || *v != static_cast<int>(*v)) return bad();
      flags.fanout.redis_port = static_cast<std::uint16_t>(*v);
    } else if (flag == "--engine") {
      flags.fanout.engine = value;
#endif
    } else if (flag == "--results") {
      flags.results = value;
    } else if (flag == "--docs") {
      flags.docs = value;
    } else if (flag == "--pinning") {
      flags.pinning = value;
    } else if (flag == "--settings") {
      flags.settings = value;
    } else {
      return "unknown flag " + std::string(flag) + " (try --help)";
    }
  }
  if (!flags.help && flags.mode.empty()) return "no mode given (try --help)";
  return std::nullopt;
}

void print(bench::Result result, const Flags& flags) {
  for (const auto& [key, value] : flags.tags) result.set(key, value);
  std::cout << result.line() << std::endl;
}

// An HttpServer with app::install_echo_endpoint at /echo: the same code path duplex-server's
// /echo route takes, for benchmarking before (or without) that route. And /sink for the
// client-to-server rows (`send`): a POST is answered 204 No Content (RFC 9110 §15.3.5), a
// WebSocket message is dropped, so what is measured is receiving a message, not answering it.
int serve_ws_echo(const Flags& flags) {
  net::EventLoop loop;
  std::optional<http::HttpServer> server;
  net::SignalWatcher signals(loop, {SIGINT, SIGTERM}, [&](int) { loop.stop(); });
  http::Router router;
  app::install_echo_endpoint(router);
  router.post("/sink", [](http::Exchange& exchange) { exchange.respond(http::Response(204)); });
  ws::WsHandlers sink;
  sink.on_message = [](ws::WsConnection&, ws::Message&) {};
  ws::WsEndpoint(std::move(sink)).install(router, "/sink");
  http::HttpServerOptions options;
  options.max_connections = 20'000;
  auto addresses = net::resolve(flags.load.host, flags.load.port);
  server.emplace(loop, net::TcpListener::listen(addresses.front()), router.handler(), options);
  server->start();
  std::cout << "ws://" << server->local_address().to_string() << "/echo" << std::endl;
  loop.run();
  server.reset();
  return 0;
}

int report(const Flags& flags) {
  if (flags.results.empty() || flags.docs.empty())
    throw std::invalid_argument("report needs --results FILE and --docs DIR");
  std::ifstream in(flags.results);
  if (!in) throw std::runtime_error("cannot read " + flags.results);
  std::vector<bench::Result> results;
  std::string line;
  while (std::getline(in, line))
    if (auto r = bench::Result::parse(line)) results.push_back(*r);
  bench::MachineInfo machine;
  // The page is dated when its measurements were written, so that a report rebuilt later from
  // the same results (after a change to the page's layout) keeps the date of the run.
  std::time_t measured = std::chrono::system_clock::to_time_t(
      std::chrono::file_clock::to_sys(std::filesystem::last_write_time(flags.results)));
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&measured));
  machine.date = date;
  machine.cpu = bench::cpu_model();
  machine.cpus = bench::cpu_count();
  machine.kernel = bench::kernel_release();
  machine.compiler = bench::compiler_version();
  machine.pinning = flags.pinning;
  machine.settings = flags.settings;
  auto built = bench::build_report(results, machine);
  std::filesystem::path docs(flags.docs);
  std::filesystem::create_directories(docs / "images");
  std::ofstream(docs / "benchmarks.md") << built.markdown;
  for (const auto& [name, svg] : built.images) std::ofstream(docs / "images" / name) << svg;
  std::cout << "wrote " << (docs / "benchmarks.md").string() << " and " << built.images.size()
            << " charts from " << results.size() << " results" << std::endl;
  return 0;
}

int run(const Flags& flags) {
  if (flags.cpu >= 0 && !bench::pin_to_cpu(flags.cpu))
    std::cerr << "duplex-bench: cannot pin to CPU " << flags.cpu << ", running unpinned\n";
  const std::string& mode = flags.mode;
  bench::LoadOptions load = flags.load;
  if (mode == "serve-tcp-echo") {
    bench::run_tcp_echo_server(load.host, load.port, [](const std::string& address) {
      std::cout << "tcp://" << address << "/" << std::endl;
    });
    return 0;
  }
  if (mode == "serve-ws-echo") return serve_ws_echo(flags);
  if (mode == "report") return report(flags);
#if DUPLEX_LESSON >= 14
  if (mode == "deflate-ratio") {
    print(bench::run_deflate_ratio(flags.corpus), flags);
    return 0;
  }
#endif
#if DUPLEX_LESSON >= 15
  if (mode == "fanout") {
    bench::FanoutOptions fanout = flags.fanout;
    fanout.host = load.host;
    fanout.members = load.connections;
    fanout.rate = load.rate;
    fanout.seconds = load.seconds;
    fanout.warmup = load.warmup;
    if (load.path != "/") fanout.path = load.path;
    print(bench::run_fanout(fanout), flags);
    return 0;
  }
#endif
  if (load.port == 0) throw std::invalid_argument(mode + " needs --port");
  if (mode == "http") {
    print(bench::run_http_load(load), flags);
  } else if (mode == "ws-echo" || mode == "tcp-echo") {
    load.websocket = mode == "ws-echo";
    if (load.websocket && load.path == "/") load.path = "/echo";
    print(bench::run_echo_load(load), flags);
  } else if (mode == "handshake" || mode == "tcp-cycle") {
    load.websocket = mode == "handshake";
    if (load.websocket && load.path == "/") load.path = "/echo";
    print(bench::run_handshake_load(load), flags);
  } else if (mode == "idle") {
    load.websocket = true;
    if (load.path == "/") load.path = "/echo";
    print(bench::run_idle(load), flags);
#if DUPLEX_LESSON >= 14
  } else if (mode == "deflate-idle") {
    if (load.path == "/") load.path = "/echo";
    print(bench::run_deflate_idle(load, flags.corpus), flags);
  } else if (mode == "deflate-echo") {
    if (load.path == "/") load.path = "/echo";
    if (!load.technique.empty() && load.technique != "plain" && load.technique != "deflate")
      throw std::invalid_argument("deflate-echo: --technique is deflate (default) or plain");
    print(bench::run_deflate_echo(load, flags.corpus, load.technique != "plain"), flags);
  } else if (mode == "deflate-broadcast") {
    if (load.path == "/") load.path = "/chat";
    if (!load.technique.empty() && load.technique != "plain" && load.technique != "deflate")
      throw std::invalid_argument("deflate-broadcast: --technique is deflate (default) or plain");
    print(bench::run_deflate_broadcast(load, flags.corpus, load.technique != "plain"), flags);
#endif
  } else if (mode == "wrk") {
    if (load.path == "/") load.path = "/hello.txt";
    print(bench::run_wrk_load(load), flags);
  } else if (mode == "subscribe") {
    if (load.path == "/") load.path = "/ticker";
    print(bench::run_subscribe(load), flags);
  } else if (mode == "send") {
    if (load.path == "/") load.path = "/sink";
    print(bench::run_send(load), flags);
  } else if (mode == "push") {
    if (load.path == "/") load.path = "/ticker";
    for (auto& result : bench::run_push(load)) {
      result.set("poll_interval", load.poll_interval);
      print(result, flags);
    }
  } else {
    throw std::invalid_argument("unknown mode " + mode + " (try --help)");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (auto error = parse(argc, argv, flags)) {
    std::cerr << "duplex-bench: " << *error << "\n";
    return 2;
  }
  if (flags.help) {
    std::cout << kUsage;
    return 0;
  }
  try {
    return run(flags);
  } catch (const std::invalid_argument& error) {
    std::cerr << "duplex-bench: " << error.what() << "\n";
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "duplex-bench: " << error.what() << "\n";
    return 1;
  }
}
