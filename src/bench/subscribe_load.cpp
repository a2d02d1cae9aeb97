// The cost of one push technique on the server (lesson 12, the article's question): N
// subscribers of the same technique follow the demo server's ticker (lesson 07's /poll,
// /long-poll, /stream, /events, lesson 11's WebSocket /ticker), and the row says what each
// update delivered to one subscriber cost the server.
//
//   server CPU per update      /proc/PID/stat over the window / updates delivered
//   system calls per update    strace -c -f -p PID over the same window (--strace) / updates
//   memory per subscriber      server VmRSS once all N follow, minus VmRSS before the first
//   bytes per update           everything written and read, HTTP heads and frames included
//
// An update counts once per subscriber that received it inside the window. Polling subscribers
// ask again as soon as an answer arrives (long-poll) or every --poll-interval (short poll,
// spread over the interval); a connection the server closes is opened again and counted.
// @lesson 12
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/bench/child_process.hpp"
#include "src/bench/load.hpp"
#include "src/bench/push_scan.hpp"
#include "src/bench/system.hpp"
#include "src/bench/ws_frames.hpp"

namespace duplex::bench {

namespace {

enum class Technique { kPoll, kLongPoll, kStream, kEvents, kWebSocket };

Technique technique_of(const std::string& name) {
  if (name == "poll") return Technique::kPoll;
  if (name == "long-poll") return Technique::kLongPoll;
  if (name == "stream") return Technique::kStream;
  if (name == "events") return Technique::kEvents;
  if (name == "websocket") return Technique::kWebSocket;
  throw std::invalid_argument(
      "subscribe: --technique must be poll, long-poll, stream, events "
      "or websocket, not '" +
      name + "'");
}

// WebSocket handshakes in flight at once while the subscribers are set up.
constexpr std::size_t kDialBatch = 512;

struct Subscriber {
  int fd = -1;
  std::string in;
  std::uint64_t since = 0;
  bool waiting = false;  // a poll is in flight
  bool primed = false;   // the first answer (the ticker's history) has been taken
  std::uint64_t next_poll = 0;
};

}  // namespace

Result run_subscribe(const LoadOptions& options) {
  const Technique technique = technique_of(options.technique);
  const bool polling = technique == Technique::kPoll || technique == Technique::kLongPoll;
  if (options.connections < 1) throw std::invalid_argument("subscribe: -c must be positive");
  if (options.server_pid <= 0) throw std::invalid_argument("subscribe: --server-pid is required");
  Result result;
  result.set("mode", "subscribe");
  result.set("technique", options.technique);

  const std::uint64_t wanted = static_cast<std::uint64_t>(options.connections) + 64;
  const std::uint64_t limit = raise_fd_limit(wanted);
  const int count = limit < wanted ? static_cast<int>(limit) - 64 : options.connections;
  if (count < 1) throw std::runtime_error("subscribe: RLIMIT_NOFILE is too low");
  if (count < options.connections)
    result.set("note", "client RLIMIT_NOFILE hard limit is " + std::to_string(limit));
  result.set("subscribers", count);
  result.set("wanted", options.connections);

  const std::uint64_t rss_before = resident_bytes(options.server_pid);
  const std::string host_field = "Host: " + options.host + ":" + std::to_string(options.port);
  const auto interval_ns = static_cast<std::uint64_t>(options.poll_interval * 1e9);
  std::vector<Subscriber> subscribers(static_cast<std::size_t>(count));
  int epoll = epoll_create1(EPOLL_CLOEXEC);
  std::string error;
  std::uint64_t bytes = 0, updates = 0, requests = 0, reconnects = 0;
  bool measuring = false;

  auto attach = [&](Subscriber& s, std::size_t index) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = index;
    epoll_ctl(epoll, EPOLL_CTL_ADD, s.fd, &event);
  };
  auto send_all = [&](Subscriber& s, const std::string& text) {
    // A request is far below a socket buffer: it goes out whole or the connection is broken.
    if (send(s.fd, text.data(), text.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(text.size()))
      error = options.technique + ": send: " + std::strerror(errno);
    if (measuring) bytes += text.size();
  };
  auto ask = [&](Subscriber& s, std::size_t index) {
    if (s.fd < 0) {
      s.fd = connect_tcp(options.host, options.port);
      attach(s, index);
      if (measuring) ++reconnects;
    }
    std::string target = technique == Technique::kPoll ? "/poll" : "/long-poll";
    if (s.primed) target += "?since=" + std::to_string(s.since);
    send_all(s, "GET " + target + " HTTP/1.1\r\n" + host_field + "\r\n\r\n");
    if (measuring) ++requests;
    s.waiting = true;
  };

  const std::uint64_t setup_started = now_ns();
  if (technique == Technique::kWebSocket) {
    // The server pushes every tick to everyone already following, so its rounds grow with the
    // crowd: handshakes sent one at a time would each wait a round, and setting up N
    // subscribers would take time growing like N squared. A batch in flight shares the rounds.
    for (std::size_t first = 0; first < subscribers.size() && error.empty(); first += kDialBatch) {
      const std::size_t last = std::min(subscribers.size(), first + kDialBatch);
      try {
        std::vector<WebSocketDial> dials;
        for (std::size_t i = first; i < last; ++i)
          dials.emplace_back(options.host, options.port, options.path);
        for (std::size_t i = first; i < last; ++i) {
          subscribers[i].fd = dials[i - first].finish(&subscribers[i].in);
          attach(subscribers[i], i);
        }
      } catch (const std::exception& failure) {
        error = failure.what();
      }
    }
  }
  for (std::size_t i = 0;
       technique != Technique::kWebSocket && i < subscribers.size() && error.empty(); ++i) {
    Subscriber& s = subscribers[i];
    try {
      if (technique == Technique::kStream || technique == Technique::kEvents) {
        s.fd = connect_tcp(options.host, options.port);
        attach(s, i);
        send_all(s, std::string("GET ") +
                        (technique == Technique::kStream ? "/stream" : "/events") +
                        " HTTP/1.1\r\n" + host_field + "\r\n\r\n");
      } else {
        // The first poll fetches the history and tells where "now" is; later ones are spread
        // over one interval, like browsers that opened the page at different moments.
        ask(s, i);
        s.next_poll = setup_started + interval_ns * i / subscribers.size();
      }
    } catch (const std::exception& failure) {
      error = failure.what();
    }
  }

  auto on_bytes = [&](Subscriber& s, std::size_t index) {
    auto seen = [&](std::uint64_t) {
      if (measuring) ++updates;
    };
    if (technique == Technique::kWebSocket) {
      std::size_t at = 0;
      while (auto frame = take_server_frame(std::string_view(s.in).substr(at))) {
        if (frame->opcode == 0x9) {
          // RFC 6455 §5.5.2: a ping is answered with a pong carrying its payload. The server's
          // keep-alive (30 s without a byte from us) drops a subscriber that never answers.
          static constexpr unsigned char kKey[4] = {0x12, 0x34, 0x56, 0x78};
          send_all(s, masked_frame(kFinPong, frame->payload, kKey));
        } else if (frame->opcode == 0x8) {
          error = options.technique + ": the server closed subscriber " + std::to_string(index);
          return;
        } else {
          scan_ids(frame->payload, seen);
        }
        at += frame->length;
      }
      s.in.erase(0, at);
      return;
    }
    if (!polling) {
      s.in.erase(0, scan_ids(s.in, seen));
      return;
    }
    while (auto response = take_response(s.in)) {
      if (response->status != 200) {
        error = options.technique + ": answer " + std::to_string(response->status) +
                " (expected 200 with a Content-Length)";
        return;
      }
      if (s.primed) {
        scan_ids(response->body, seen);
      } else {
        s.primed = true;
      }
      s.since = std::max(s.since, last_field(response->body));
      bool closing = response->closing;
      s.in.erase(0, response->length);
      s.waiting = false;
      if (closing) {
        close(s.fd);
        s.fd = -1;
      }
      if (technique == Technique::kLongPoll) ask(s, index);
    }
  };

  std::vector<char> buffer(64 * 1024);
  std::vector<epoll_event> ready(std::min<std::size_t>(subscribers.size(), 1024));
  auto run_until = [&](std::uint64_t until) {
    while (error.empty()) {
      std::uint64_t now = now_ns();
      if (now >= until) return;
      if (technique == Technique::kPoll) {
        for (std::size_t i = 0; i < subscribers.size() && error.empty(); ++i) {
          Subscriber& s = subscribers[i];
          if (!s.waiting && now >= s.next_poll) {
            s.next_poll += interval_ns;
            ask(s, i);
          }
        }
      }
      int n = epoll_wait(epoll, ready.data(), static_cast<int>(ready.size()), 5);
      for (int i = 0; i < n && error.empty(); ++i) {
        std::size_t index = ready[static_cast<std::size_t>(i)].data.u64;
        Subscriber& s = subscribers[index];
        if (s.fd < 0) continue;
        ssize_t got = recv(s.fd, buffer.data(), buffer.size(), 0);
        if (got < 0 && errno == EAGAIN) continue;
        if (got <= 0) {
          if (polling && !s.waiting) {
            // The server ended an idle keep-alive connection between polls (its idle
            // timeout): the next poll opens a new one.
            close(s.fd);
            s.fd = -1;
            continue;
          }
          error = options.technique + ": the server closed subscriber " + std::to_string(index);
          break;
        }
        if (measuring) bytes += static_cast<std::uint64_t>(got);
        s.in.append(buffer.data(), static_cast<std::size_t>(got));
        on_bytes(s, index);
      }
    }
  };

  run_until(now_ns() + static_cast<std::uint64_t>(std::max(options.warmup, 0.0) * 1e9));
  // Every subscriber is set up and following: this is the memory they hold.
  const std::uint64_t rss_after = resident_bytes(options.server_pid);
  result.set("setup_seconds", static_cast<double>(now_ns() - setup_started) / 1e9);

  SyscallCounter syscalls;
  bool counting = false;
  if (options.count_syscalls && error.empty()) {
    counting = syscalls.start(options.server_pid);
    if (!counting) result.set("syscalls_missing", syscalls.error());
  }
  measuring = true;
  const std::uint64_t window_start = now_ns();
  const double server_cpu_start = cpu_seconds(options.server_pid);
  const double client_cpu_start = own_cpu_seconds();
  run_until(window_start + static_cast<std::uint64_t>(options.seconds * 1e9));
  const double server_cpu = cpu_seconds(options.server_pid) - server_cpu_start;
  const double client_cpu = own_cpu_seconds() - client_cpu_start;
  const double elapsed = static_cast<double>(now_ns() - window_start) / 1e9;
  measuring = false;
  std::optional<std::uint64_t> calls;
  if (counting) {
    calls = syscalls.stop();
    if (!calls) result.set("syscalls_missing", syscalls.error());
  }
  for (auto& s : subscribers)
    if (s.fd >= 0) close(s.fd);
  close(epoll);

  const auto n = static_cast<double>(updates);
  result.set("seconds", elapsed);
  result.set("updates", n);
  result.set("updates_per_s", elapsed > 0 ? n / elapsed : 0);
  result.set("requests", static_cast<double>(requests));
  result.set("reconnects", static_cast<double>(reconnects));
  result.set("bytes_per_update", n > 0 ? static_cast<double>(bytes) / n : 0);
  result.set("server_cpu", elapsed > 0 ? server_cpu / elapsed : 0);
  result.set("client_cpu", elapsed > 0 ? client_cpu / elapsed : 0);
  result.set("cpu_us_per_update", n > 0 ? server_cpu * 1e6 / n : 0);
  // strace stops the server at every system call: its CPU share in this window is strace's
  // doing, so the report takes CPU figures only from windows without it.
  if (options.count_syscalls) result.set("traced", 1.0);
  if (calls) {
    result.set("syscalls", static_cast<double>(*calls));
    result.set("syscalls_per_update", n > 0 ? static_cast<double>(*calls) / n : 0);
  }
  result.set("rss_before_kib", static_cast<double>(rss_before) / 1024);
  result.set("rss_after_kib", static_cast<double>(rss_after) / 1024);
  result.set("bytes_per_subscriber",
             (static_cast<double>(rss_after) - static_cast<double>(rss_before)) / count);
  result.set("errors", error.empty() && n > 0 ? 0.0 : 1.0);
  if (!error.empty()) {
    result.set("error", error);
  } else if (n == 0) {
    result.set("error", "no update arrived in the window (is the ticker running?)");
  }
  return result;
}

}  // namespace duplex::bench
