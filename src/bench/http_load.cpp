// The HTTP keep-alive load (lesson 12): like wrk, N connections each with K requests in flight
// (K = 1 by default: send, wait for the answer, send again), for a fixed time.
//
// Every response is checked: status 200, a Content-Length equal to the expected body's length
// (RFC 9112 §6.3: with keep-alive, the length is what frames the message), and the body's
// bytes. A response with "Connection: close" (the server's max_requests_per_connection, RFC 9112
// §9.6) ends that connection; the client opens a new one and counts it. With --header
// "Connection: close" that is every response: the row then measures a connection per request.
// @lesson 12
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/bench/histogram.hpp"
#include "src/bench/load.hpp"
#include "src/bench/load_loop.hpp"
#include "src/bench/response_fields.hpp"
#include "src/bench/system.hpp"

namespace duplex::bench {

namespace {

struct HttpConnection {
  int fd = -1;
  Outbox out;
  std::string in;
  InFlight in_flight;
};

}  // namespace

Result run_http_load(const LoadOptions& options) {
  if (options.connections < 1 || options.inflight < 1)
    throw std::invalid_argument("http: connections and inflight must be positive");
  // --header "Connection: close" makes every request the last of its connection (RFC 9112
  // §9.6): the server answers and closes, and the client opens the next connection.
  const std::string request = "GET " + options.path + " HTTP/1.1\r\nHost: " + options.host + ":" +
                              std::to_string(options.port) + "\r\n" +
                              (options.header.empty() ? "" : options.header + "\r\n") + "\r\n";
  std::vector<HttpConnection> connections(static_cast<std::size_t>(options.connections));
  int epoll = epoll_create1(EPOLL_CLOEXEC);
  std::uint64_t reconnects = 0;
  auto open = [&](std::size_t index) {
    HttpConnection& c = connections[index];
    c = HttpConnection();
    c.fd = connect_tcp(options.host, options.port);
    c.in_flight = InFlight(static_cast<std::size_t>(options.inflight));
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = index;
    epoll_ctl(epoll, EPOLL_CTL_ADD, c.fd, &event);
  };
  for (std::size_t i = 0; i < connections.size(); ++i) open(i);

  LatencyHistogram latencies;
  std::uint64_t completed = 0;
  std::string error;
  MeasureWindow window(now_ns(), options.warmup, options.seconds, options.server_pid);

  auto queue_request = [&](HttpConnection& c, std::uint64_t now) {
    c.out.bytes += request;
    c.in_flight.push(now);
  };
  // Takes every complete response off c.in. Returns false when the connection must be
  // replaced (Connection: close) or on error.
  auto take_responses = [&](HttpConnection& c, std::uint64_t now, bool& reopen) {
    std::size_t used = 0;
    while (error.empty()) {
      std::string_view rest(c.in.data() + used, c.in.size() - used);
      auto head_end = rest.find("\r\n\r\n");
      if (head_end == std::string_view::npos) break;
      std::string_view head = rest.substr(0, head_end + 2);
      if (head.substr(0, 13) != "HTTP/1.1 200 ") {
        error = "http: unexpected status line: " + std::string(head.substr(0, head.find('\r')));
        break;
      }
      const ResponseFields fields = response_fields(head);
      const auto length = content_length_value(fields.content_length);
      if (length != options.expect_body.size()) {
        error = "http: Content-Length '" + std::string(fields.content_length) + "', expected " +
                std::to_string(options.expect_body.size());
        break;
      }
      const bool closing = connection_closes(fields.connection);
      const std::size_t total = head_end + 4 + *length;
      if (rest.size() < total) break;
      if (rest.substr(head_end + 4, *length) != options.expect_body) {
        error = "http: wrong body bytes";
        break;
      }
      used += total;
      if (c.in_flight.count() == 0) {
        error = "http: a response nobody asked for";
        break;
      }
      std::uint64_t sent = c.in_flight.pop();
      if (window.measuring()) {
        latencies.record(now - sent);
        ++completed;
      }
      if (closing) {
        reopen = true;
        break;
      }
      if (window.accepting_new_work(now)) queue_request(c, now);
    }
    c.in.erase(0, used);
  };

  std::uint64_t now = now_ns();
  for (std::size_t i = 0; i < connections.size(); ++i) {
    for (int k = 0; k < options.inflight; ++k) queue_request(connections[i], now);
    connections[i].out.flush(connections[i].fd, epoll, i, error);
  }
  std::vector<char> buffer(64 * 1024);
  std::vector<epoll_event> ready(connections.size());
  while (error.empty() && window.keep_going(now_ns())) {
    int n = epoll_wait(epoll, ready.data(), static_cast<int>(ready.size()), 100);
    now = now_ns();
    for (int i = 0; i < n && error.empty(); ++i) {
      std::size_t index = ready[static_cast<std::size_t>(i)].data.u64;
      HttpConnection& c = connections[index];
      if (ready[static_cast<std::size_t>(i)].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        ssize_t got = recv(c.fd, buffer.data(), buffer.size(), 0);
        if (got == 0) {
          error = "http: the server closed a connection with requests in flight";
        } else if (got < 0 && errno != EAGAIN) {
          error = std::string("recv: ") + std::strerror(errno);
        } else if (got > 0) {
          c.in.append(buffer.data(), static_cast<std::size_t>(got));
          bool reopen = false;
          take_responses(c, now, reopen);
          if (reopen && error.empty()) {
            // Requests pipelined behind the last answer are lost with the connection.
            close(c.fd);
            open(index);
            ++reconnects;
            for (int k = 0; k < options.inflight; ++k) queue_request(c, now);
          }
        }
      }
      if (error.empty()) c.out.flush(c.fd, epoll, index, error);
    }
  }
  const double elapsed = window.elapsed(now_ns());
  Result result;
  window.record_cpu(result);
  for (auto& c : connections) close(c.fd);
  close(epoll);

  result.set("mode", "http");
  result.set("conns", options.connections);
  result.set("inflight", options.inflight);
  result.set("seconds", elapsed);
  result.set("requests", static_cast<double>(completed));
  result.set("rps", elapsed > 0 ? static_cast<double>(completed) / elapsed : 0);
  result.set("reconnects", static_cast<double>(reconnects));
  result.set("p50_us", static_cast<double>(latencies.percentile(50)) / 1e3);
  result.set("p99_us", static_cast<double>(latencies.percentile(99)) / 1e3);
  result.set("p999_us", static_cast<double>(latencies.percentile(99.9)) / 1e3);
  result.set("errors", error.empty() ? 0.0 : 1.0);
  if (!error.empty()) result.set("error", error);
  return result;
}

}  // namespace duplex::bench
