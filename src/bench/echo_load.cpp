// The echo load: raw TCP or WebSocket, N connections x K messages in flight (lesson 12).
//
// Every message of connection c is one of 13 payloads (a rotating alphabet) picked by its
// sequence number, so a lost, repeated or reordered message is seen at once: the client knows
// exactly which bytes must come back next and compares every one of them. For WebSocket the
// frames are masked (RFC 6455 §5.3: a client MUST mask) with a per-connection key; the masked
// payloads are computed once, because the client's cost must stay far below the server's.
// @lesson 12
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/bench/histogram.hpp"
#include "src/bench/load.hpp"
#include "src/bench/load_loop.hpp"
#include "src/bench/system.hpp"
#include "src/bench/ws_frames.hpp"

namespace duplex::bench {

namespace {

constexpr std::size_t kPayloadVariants = 13;  // offsets 0, 4, ..., 48: lcm(26 letters, 4-byte key)

struct EchoConnection {
  int fd = -1;
  Outbox out;
  InFlight in_flight;
  std::uint64_t next_send = 0;
  std::uint64_t next_receive = 0;
  std::size_t receive_position = 0;  // bytes of the current echo already checked
  std::string send_header;           // WebSocket: header + mask key
  std::string masked;                // WebSocket: the payload source, masked with this key
};

}  // namespace

Result run_echo_load(const LoadOptions& options) {
  if (options.connections < 1 || options.inflight < 1 || options.size < 1)
    throw std::invalid_argument("echo: connections, inflight and size must be positive");
  const std::size_t size = options.size;
  // The payload source: the alphabet repeated, long enough for any of the 13 offsets.
  std::string plain(size + 4 * kPayloadVariants, '\0');
  for (std::size_t i = 0; i < plain.size(); ++i) plain[i] = static_cast<char>('a' + i % 26);
  const std::string receive_header =
      options.websocket ? frame_header(options.binary ? kFinBinary : kFinText, size, false)
                        : std::string();
  const std::size_t message_length = receive_header.size() + size;

  std::mt19937 random(std::random_device{}());
  std::vector<EchoConnection> connections(static_cast<std::size_t>(options.connections));
  int epoll = epoll_create1(EPOLL_CLOEXEC);
  for (std::size_t i = 0; i < connections.size(); ++i) {
    EchoConnection& c = connections[i];
    c.fd = options.websocket ? websocket_connect(options.host, options.port, options.path)
                             : connect_tcp(options.host, options.port);
    c.in_flight = InFlight(static_cast<std::size_t>(options.inflight));
    if (options.websocket) {
      unsigned char key[4];
      std::uint32_t bits = random();
      std::memcpy(key, &bits, 4);
      if (bits == 0) key[0] = 1;
      c.send_header = frame_header(options.binary ? kFinBinary : kFinText, size, true);
      c.send_header.append(reinterpret_cast<const char*>(key), 4);
      c.masked = plain;
      for (std::size_t j = 0; j < c.masked.size(); ++j)
        c.masked[j] = static_cast<char>(c.masked[j] ^ static_cast<char>(key[j % 4]));
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = i;
    epoll_ctl(epoll, EPOLL_CTL_ADD, c.fd, &event);
  }

  LatencyHistogram latencies;
  std::uint64_t completed = 0;
  std::string error;
  MeasureWindow window(now_ns(), options.warmup, options.seconds, options.server_pid);

  auto queue_message = [&](EchoConnection& c, std::uint64_t now) {
    std::size_t offset = 4 * (c.next_send % kPayloadVariants);
    if (options.websocket) {
      c.out.bytes += c.send_header;
      c.out.bytes.append(c.masked, offset, size);
    } else {
      c.out.bytes.append(plain, offset, size);
    }
    c.in_flight.push(now);
    ++c.next_send;
  };
  // @anchor lesson12-echo-check
  // Checks `n` received bytes against what must come back; true when they match.
  auto check = [&](EchoConnection& c, const char* data, std::size_t n, std::uint64_t now) {
    while (n > 0) {
      std::size_t take = std::min(n, message_length - c.receive_position);
      std::size_t position = c.receive_position;
      const char* bytes = data;
      std::size_t left = take;
      if (position < receive_header.size()) {
        std::size_t part = std::min(left, receive_header.size() - position);
        if (std::memcmp(bytes, receive_header.data() + position, part) != 0) {
          error = "echo: wrong frame header on message " + std::to_string(c.next_receive);
          return false;
        }
        bytes += part;
        left -= part;
        position += part;
      }
      if (left > 0) {
        std::size_t offset = 4 * (c.next_receive % kPayloadVariants);
        if (std::memcmp(bytes, plain.data() + offset + (position - receive_header.size()), left) !=
            0) {
          error = "echo: wrong payload bytes in message " + std::to_string(c.next_receive);
          return false;
        }
      }
      c.receive_position += take;
      data += take;
      n -= take;
      if (c.receive_position == message_length) {
        c.receive_position = 0;
        if (c.in_flight.count() == 0) {
          error = "echo: a message came back that was never sent";
          return false;
        }
        std::uint64_t sent = c.in_flight.pop();
        ++c.next_receive;
        if (window.measuring()) {
          latencies.record(now - sent);
          ++completed;
        }
        if (window.accepting_new_work(now)) queue_message(c, now);
      }
    }
    return true;
  };

  std::uint64_t now = now_ns();
  for (std::size_t i = 0; i < connections.size(); ++i) {
    for (int k = 0; k < options.inflight; ++k) queue_message(connections[i], now);
    connections[i].out.flush(connections[i].fd, epoll, i, error);
  }
  std::vector<char> buffer(256 * 1024);
  std::vector<epoll_event> ready(connections.size());
  while (error.empty() && window.keep_going(now_ns())) {
    int n = epoll_wait(epoll, ready.data(), static_cast<int>(ready.size()), 100);
    now = now_ns();
    for (int i = 0; i < n && error.empty(); ++i) {
      std::size_t index = ready[static_cast<std::size_t>(i)].data.u64;
      EchoConnection& c = connections[index];
      std::uint32_t events = ready[static_cast<std::size_t>(i)].events;
      if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        ssize_t got = recv(c.fd, buffer.data(), buffer.size(), 0);
        if (got == 0) {
          error = "echo: the server closed connection " + std::to_string(index);
        } else if (got < 0 && errno != EAGAIN) {
          error = std::string("recv: ") + std::strerror(errno);
        } else if (got > 0) {
          check(c, buffer.data(), static_cast<std::size_t>(got), now);
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

  result.set("mode", options.websocket ? "ws-echo" : "tcp-echo");
  result.set("conns", options.connections);
  result.set("inflight", options.inflight);
  result.set("size", static_cast<double>(size));
  result.set("type", options.websocket ? (options.binary ? "binary" : "text") : "raw");
  result.set("seconds", elapsed);
  result.set("msgs", static_cast<double>(completed));
  result.set("msgs_per_s", elapsed > 0 ? static_cast<double>(completed) / elapsed : 0);
  result.set(
      "mb_per_s",
      elapsed > 0 ? static_cast<double>(completed) * static_cast<double>(size) / elapsed / 1e6 : 0);
  result.set("p50_us", static_cast<double>(latencies.percentile(50)) / 1e3);
  result.set("p99_us", static_cast<double>(latencies.percentile(99)) / 1e3);
  result.set("p999_us", static_cast<double>(latencies.percentile(99.9)) / 1e3);
  result.set("errors", error.empty() ? 0.0 : 1.0);
  if (!error.empty()) result.set("error", error);
  return result;
}

}  // namespace duplex::bench
