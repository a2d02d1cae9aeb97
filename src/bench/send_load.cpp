// The client-to-server direction (lesson 12, the article's question): N clients each send R
// messages a second of S bytes to a sink, either as one HTTP POST per message on a keep-alive
// connection or as one WebSocket message on an open connection, and the row says what a message
// cost: bytes on the wire (both directions: the POST's request head and its answer, the
// frame's header and mask key) and server CPU (with --strace, system calls too).
//
// The sink is duplex-bench serve-ws-echo's /sink: POST answers 204 No Content, the WebSocket
// route drops every message, so neither side pays for an echo. The sends are open-loop, spread
// evenly over each period, like users typing: a POST whose answer has not come back when the
// next is due is pipelined behind it (RFC 9112 §9.3.2).
// @lesson 12
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/bench/child_process.hpp"
#include "src/bench/histogram.hpp"
#include "src/bench/load.hpp"
#include "src/bench/load_loop.hpp"
#include "src/bench/push_scan.hpp"
#include "src/bench/system.hpp"
#include "src/bench/ws_frames.hpp"

namespace duplex::bench {

namespace {

// POSTs sent and not yet answered on one connection. A server that far behind is not keeping up
// with the rate, and the row says so instead of growing the queue.
constexpr std::size_t kMaxPipelined = 256;

struct Sender {
  int fd = -1;
  std::string in;
  InFlight in_flight{kMaxPipelined};
  std::string frame;  // WebSocket: the masked frame, sent as it is every time
};

}  // namespace

Result run_send(const LoadOptions& options) {
  const bool websocket = options.technique == "websocket";
  if (!websocket && options.technique != "post")
    throw std::invalid_argument("send: --technique must be post or websocket");
  if (options.connections < 1 || options.rate <= 0)
    throw std::invalid_argument("send: -c and --rate must be positive");
  raise_fd_limit(static_cast<std::uint64_t>(options.connections) + 64);
  Result result;
  result.set("mode", "send");
  result.set("technique", options.technique);
  result.set("clients", options.connections);
  result.set("rate", options.rate);
  result.set("size", static_cast<double>(options.size));

  const std::string payload(options.size, 'x');
  const std::string post =
      "POST " + options.path + " HTTP/1.1\r\nHost: " + options.host + ":" +
      std::to_string(options.port) +
      "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(options.size) +
      "\r\n\r\n" + payload;
  std::vector<Sender> senders(static_cast<std::size_t>(options.connections));
  int epoll = epoll_create1(EPOLL_CLOEXEC);
  std::mt19937 random(std::random_device{}());
  std::string error;
  std::uint64_t bytes = 0, messages = 0, reconnects = 0;
  std::size_t handshake_bytes_total = 0;
  bool measuring = false;
  LatencyHistogram latencies;

  auto open = [&](Sender& s, std::size_t index) {
    if (websocket) {
      std::size_t handshake = 0;
      s.fd = websocket_connect(options.host, options.port, options.path, nullptr, &handshake);
      handshake_bytes_total += handshake;
      if (options.size > 0xFFFF)
        throw std::invalid_argument("send: --size above 64 KiB is not a message worth comparing");
      std::uint32_t key = random() | 1;
      unsigned char k[4];
      std::memcpy(k, &key, 4);
      s.frame = masked_frame(kFinText, payload, k);
    } else {
      s.fd = connect_tcp(options.host, options.port);
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = index;
    epoll_ctl(epoll, EPOLL_CTL_ADD, s.fd, &event);
  };

  try {
    for (std::size_t i = 0; i < senders.size(); ++i) open(senders[i], i);
  } catch (const std::exception& failure) {
    error = failure.what();
  }
  if (websocket && error.empty())
    result.set("handshake_bytes",
               static_cast<double>(handshake_bytes_total) / static_cast<double>(senders.size()));

  // The j-th send of the whole run goes to client j % N at start + j / (N * R).
  const double step_ns = 1e9 / (options.rate * static_cast<double>(senders.size()));
  const std::uint64_t start = now_ns();
  std::uint64_t next = 0;
  std::vector<char> buffer(64 * 1024);
  std::vector<epoll_event> ready(std::min<std::size_t>(senders.size(), 1024));
  SyscallCounter syscalls;
  bool counting = false;
  std::optional<std::uint64_t> calls;
  double server_cpu_start = 0, client_cpu_start = 0;
  std::uint64_t window_start = 0;
  const auto warmup_end = start + static_cast<std::uint64_t>(options.warmup * 1e9);
  std::uint64_t window_end = 0;

  while (error.empty()) {
    std::uint64_t now = now_ns();
    if (!measuring && window_start == 0 && now >= warmup_end) {
      if (options.count_syscalls && options.server_pid > 0) {
        counting = syscalls.start(options.server_pid);
        if (!counting) result.set("syscalls_missing", syscalls.error());
      }
      measuring = true;
      window_start = now_ns();
      window_end = window_start + static_cast<std::uint64_t>(options.seconds * 1e9);
      if (options.server_pid > 0) server_cpu_start = cpu_seconds(options.server_pid);
      client_cpu_start = own_cpu_seconds();
      now = window_start;
    }
    if (measuring && now >= window_end) break;
    while (error.empty() &&
           start + static_cast<std::uint64_t>(static_cast<double>(next) * step_ns) <= now) {
      std::size_t index = next % senders.size();
      Sender& s = senders[index];
      ++next;
      if (s.fd < 0) {
        open(s, index);
        if (measuring) ++reconnects;
      }
      if (!websocket && s.in_flight.count() == kMaxPipelined) {
        error = "post: " + std::to_string(kMaxPipelined) + " requests unanswered on client " +
                std::to_string(index) + " (the server does not keep up with the rate)";
        break;
      }
      const std::string& bytes_out = websocket ? s.frame : post;
      if (send(s.fd, bytes_out.data(), bytes_out.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(bytes_out.size())) {
        error = options.technique + ": send: " + std::strerror(errno);
        break;
      }
      if (measuring) {
        bytes += bytes_out.size();
        if (websocket) ++messages;
      }
      if (!websocket) s.in_flight.push(now);
    }
    const auto due = start + static_cast<std::uint64_t>(static_cast<double>(next) * step_ns);
    int timeout_ms = due > now ? static_cast<int>((due - now) / 1'000'000) : 0;
    int n =
        epoll_wait(epoll, ready.data(), static_cast<int>(ready.size()), std::min(timeout_ms, 5));
    now = now_ns();
    for (int i = 0; i < n && error.empty(); ++i) {
      std::size_t index = ready[static_cast<std::size_t>(i)].data.u64;
      Sender& s = senders[index];
      ssize_t got = recv(s.fd, buffer.data(), buffer.size(), 0);
      if (got < 0 && errno == EAGAIN) continue;
      if (got <= 0) {
        if (!websocket && s.in_flight.count() == 0) {
          // The server ended an idle keep-alive connection: the next message opens a new one.
          epoll_ctl(epoll, EPOLL_CTL_DEL, s.fd, nullptr);
          close(s.fd);
          s.fd = -1;
          continue;
        }
        error = options.technique + ": the server closed client " + std::to_string(index);
        break;
      }
      if (websocket) {
        error = "websocket: the sink sent something back";
        break;
      }
      if (measuring) bytes += static_cast<std::uint64_t>(got);
      s.in.append(buffer.data(), static_cast<std::size_t>(got));
      while (auto response = take_response(s.in)) {
        if (response->status != 204 && response->status != 200) {
          error = "post: answer " + std::to_string(response->status);
          break;
        }
        s.in.erase(0, response->length);
        if (s.in_flight.count() == 0) {
          error = "post: an answer to no request";
          break;
        }
        std::uint64_t sent = s.in_flight.pop();
        if (measuring) {
          ++messages;
          latencies.record(now - sent);
        }
        if (response->closing) {
          // max_requests_per_connection (RFC 9112 §9.6): the next message reconnects.
          epoll_ctl(epoll, EPOLL_CTL_DEL, s.fd, nullptr);
          close(s.fd);
          s.fd = -1;
          break;
        }
      }
    }
  }
  const double elapsed = window_start > 0 ? static_cast<double>(now_ns() - window_start) / 1e9 : 0;
  const double server_cpu = options.server_pid > 0 && window_start > 0
                                ? cpu_seconds(options.server_pid) - server_cpu_start
                                : 0;
  const double client_cpu = window_start > 0 ? own_cpu_seconds() - client_cpu_start : 0;
  if (counting) {
    calls = syscalls.stop();
    if (!calls) result.set("syscalls_missing", syscalls.error());
  }
  for (auto& s : senders)
    if (s.fd >= 0) close(s.fd);
  close(epoll);

  const auto m = static_cast<double>(messages);
  result.set("seconds", elapsed);
  result.set("msgs", m);
  result.set("msgs_per_s", elapsed > 0 ? m / elapsed : 0);
  result.set("reconnects", static_cast<double>(reconnects));
  result.set("bytes_per_msg", m > 0 ? static_cast<double>(bytes) / m : 0);
  if (elapsed > 0) {
    result.set("client_cpu", client_cpu / elapsed);
    if (options.server_pid > 0) result.set("server_cpu", server_cpu / elapsed);
  }
  if (options.server_pid > 0) result.set("cpu_us_per_msg", m > 0 ? server_cpu * 1e6 / m : 0);
  // strace stops the server at every system call: its CPU share in this window is strace's
  // doing, so the report takes CPU figures only from windows without it.
  if (options.count_syscalls) result.set("traced", 1.0);
  if (calls) {
    result.set("syscalls", static_cast<double>(*calls));
    result.set("syscalls_per_msg", m > 0 ? static_cast<double>(*calls) / m : 0);
  }
  if (!websocket) {
    result.set("p50_us", static_cast<double>(latencies.percentile(50)) / 1e3);
    result.set("p99_us", static_cast<double>(latencies.percentile(99)) / 1e3);
  }
  result.set("errors", error.empty() && m > 0 ? 0.0 : 1.0);
  if (!error.empty()) {
    result.set("error", error);
  } else if (m == 0) {
    result.set("error", "no message went through in the window");
  }
  return result;
}

}  // namespace duplex::bench
