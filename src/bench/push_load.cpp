// The push comparison (lesson 12 measuring lesson 07): the same ticker stream followed at once
// by short polling, long-polling, HTTP streaming, Server-Sent Events and, when the server has
// one, a WebSocket ticker.
//
// The server does not say when it published an event, so each event's time is the earliest
// moment any client saw it (a streaming client, in practice: it sees each event one loopback
// trip after it was written). A technique's latency per update is how much later it saw the
// same event. Bytes are everything the technique wrote and read, heads included.
// @lesson 12
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/bench/histogram.hpp"
#include "src/bench/load.hpp"
#include "src/bench/push_scan.hpp"
#include "src/bench/system.hpp"

namespace duplex::bench {

namespace {

struct PushClient {
  std::string technique;  // poll, long-poll, stream, events, websocket
  int fd = -1;
  std::string in;
  std::uint64_t bytes = 0;
  std::uint64_t connections = 0;
  std::uint64_t requests = 0;
  std::uint64_t since = 0;
  bool waiting = false;  // a poll is in flight
  bool primed = false;   // the first answer (the ticker's history) has been taken
  std::uint64_t next_poll = 0;
  std::map<std::uint64_t, std::uint64_t> arrivals;  // event id -> first seen (ns)
  std::string missing;                              // why this technique could not run
};

}  // namespace

std::vector<Result> run_push(const LoadOptions& options) {
  const std::vector<std::string> techniques = {"poll", "long-poll", "stream", "events",
                                               "websocket"};
  const int per_technique = std::max(1, options.connections);
  std::vector<PushClient> clients;
  for (const auto& technique : techniques)
    for (int i = 0; i < per_technique; ++i) {
      clients.emplace_back();
      clients.back().technique = technique;
    }
  int epoll = epoll_create1(EPOLL_CLOEXEC);
  const std::string host_field = "Host: " + options.host + ":" + std::to_string(options.port);
  const auto interval_ns = static_cast<std::uint64_t>(options.poll_interval * 1e9);
  const std::uint64_t start = now_ns();
  std::string error;

  auto send_all = [&](PushClient& c, const std::string& bytes) {
    if (send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size()))
      error = c.technique + ": send: " + std::strerror(errno);
    c.bytes += bytes.size();
  };
  auto attach = [&](PushClient& c, std::size_t index) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = index;
    epoll_ctl(epoll, EPOLL_CTL_ADD, c.fd, &event);
    ++c.connections;
  };
  auto ask = [&](PushClient& c, std::size_t index) {
    if (c.fd < 0) {
      c.fd = connect_tcp(options.host, options.port);
      attach(c, index);
    }
    std::string path = c.technique == "poll" ? "/poll" : "/long-poll";
    send_all(c, "GET " + path + "?since=" + std::to_string(c.since) + " HTTP/1.1\r\n" + host_field +
                    "\r\n\r\n");
    ++c.requests;
    c.waiting = true;
  };

  for (std::size_t i = 0; i < clients.size(); ++i) {
    PushClient& c = clients[i];
    if (c.technique == "websocket") {
      try {
        c.fd = websocket_connect(options.host, options.port, options.path, &c.in);
        attach(c, i);
      } catch (const std::exception& failure) {
        c.missing = failure.what();
      }
    } else if (c.technique == "stream" || c.technique == "events") {
      c.fd = connect_tcp(options.host, options.port);
      attach(c, i);
      send_all(c, "GET /" + c.technique + " HTTP/1.1\r\n" + host_field + "\r\n\r\n");
      ++c.requests;
    } else {
      // Polls start spread over one interval, like browsers that opened the page at
      // different moments.
      c.next_poll = start + interval_ns * static_cast<std::uint64_t>(i % per_technique) /
                                static_cast<std::uint64_t>(per_technique);
      if (c.technique == "long-poll") ask(c, i);
    }
  }

  // Polling clients take a whole HTTP response at a time; streaming clients scan as bytes come.
  auto on_bytes = [&](PushClient& c, std::size_t index, std::uint64_t now) {
    auto seen = [&](std::uint64_t id) { c.arrivals.emplace(id, now); };
    if (!(c.technique == "poll" || c.technique == "long-poll")) {
      c.in.erase(0, scan_ids(c.in, seen));
      return;
    }
    for (;;) {
      auto head_end = c.in.find("\r\n\r\n");
      if (head_end == std::string::npos) return;
      std::string_view head(c.in.data(), head_end + 2);
      if (head.substr(0, 13) != "HTTP/1.1 200 ") {
        error = c.technique + ": " + std::string(head.substr(0, head.find('\r')));
        return;
      }
      auto length_at = head.find("Content-Length: ");
      if (length_at == std::string_view::npos) {
        error = c.technique + ": no Content-Length";
        return;
      }
      std::size_t length = std::stoul(std::string(head.substr(length_at + 16, 12)));
      if (c.in.size() < head_end + 4 + length) return;
      std::string_view body(c.in.data() + head_end + 4, length);
      // The first answer brings the history from id 0: it only tells where "now" is, and
      // neither its events nor its bytes are part of the steady state being measured.
      if (c.primed) {
        scan_ids(body, seen);
      } else {
        c.primed = true;
        c.bytes = 0;
      }
      c.since = std::max(c.since, last_field(body));
      bool closing = head.find("Connection: close") != std::string_view::npos;
      c.in.erase(0, head_end + 4 + length);
      c.waiting = false;
      if (closing) {
        close(c.fd);
        c.fd = -1;
      }
      if (c.technique == "long-poll") ask(c, index);
    }
  };

  const std::uint64_t until =
      start + static_cast<std::uint64_t>((options.warmup + options.seconds) * 1e9);
  std::vector<char> buffer(64 * 1024);
  std::vector<epoll_event> ready(clients.size());
  while (error.empty()) {
    std::uint64_t now = now_ns();
    if (now >= until) break;
    for (std::size_t i = 0; i < clients.size(); ++i) {
      PushClient& c = clients[i];
      if (c.technique == "poll" && !c.waiting && now >= c.next_poll) {
        c.next_poll += interval_ns;
        ask(c, i);
      }
    }
    int n = epoll_wait(epoll, ready.data(), static_cast<int>(ready.size()), 5);
    now = now_ns();
    for (int i = 0; i < n && error.empty(); ++i) {
      std::size_t index = ready[static_cast<std::size_t>(i)].data.u64;
      PushClient& c = clients[index];
      ssize_t got = recv(c.fd, buffer.data(), buffer.size(), 0);
      if (got < 0 && errno == EAGAIN) continue;
      if (got <= 0) {
        error = c.technique + ": the server closed the connection";
        break;
      }
      c.bytes += static_cast<std::uint64_t>(got);
      c.in.append(buffer.data(), static_cast<std::size_t>(got));
      on_bytes(c, index, now);
    }
  }
  for (auto& c : clients)
    if (c.fd >= 0) close(c.fd);
  close(epoll);

  // @anchor lesson12-push-reference
  // Each event's reference time: the first moment any client saw it.
  std::map<std::uint64_t, std::uint64_t> first_seen;
  for (const auto& c : clients)
    for (const auto& [id, when] : c.arrivals) {
      auto [it, inserted] = first_seen.emplace(id, when);
      if (!inserted) it->second = std::min(it->second, when);
    }
  // Events published in the measured window, leaving each technique a poll interval (plus
  // slack) to collect the last of them.
  const std::uint64_t window_from = start + static_cast<std::uint64_t>(options.warmup * 1e9);
  const std::uint64_t window_to = until - interval_ns - 200'000'000ULL;
  std::vector<Result> results;
  for (const auto& technique : techniques) {
    LatencyHistogram latencies;
    std::uint64_t bytes = 0, connections = 0, requests = 0, updates = 0, missed = 0;
    std::string missing;
    for (const auto& c : clients) {
      if (c.technique != technique) continue;
      bytes += c.bytes;
      connections += c.connections;
      requests += c.requests;
      updates += c.arrivals.size();
      if (!c.missing.empty()) missing = c.missing;
      for (const auto& [id, reference] : first_seen) {
        if (reference < window_from || reference > window_to) continue;
        auto it = c.arrivals.find(id);
        if (it == c.arrivals.end()) {
          ++missed;
        } else {
          latencies.record(it->second - reference);
        }
      }
    }
    Result result;
    result.set("mode", "push");
    result.set("technique", technique);
    result.set("clients", per_technique);
    if (!missing.empty()) {
      result.set("missing", missing);
      results.push_back(result);
      continue;
    }
    result.set("updates", static_cast<double>(updates));
    result.set("connections", static_cast<double>(connections));
    result.set("requests", static_cast<double>(requests));
    result.set("bytes_per_update",
               updates > 0 ? static_cast<double>(bytes) / static_cast<double>(updates) : 0);
    result.set("missed", static_cast<double>(missed));
    result.set("lat_p50_ms", static_cast<double>(latencies.percentile(50)) / 1e6);
    result.set("lat_p99_ms", static_cast<double>(latencies.percentile(99)) / 1e6);
    result.set("lat_mean_ms", latencies.mean() / 1e6);
    result.set("errors", error.empty() ? 0.0 : 1.0);
    if (!error.empty()) result.set("error", error);
    results.push_back(result);
  }
  return results;
}

}  // namespace duplex::bench
