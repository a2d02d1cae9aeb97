// The echo load: raw TCP or WebSocket, N connections x K messages in flight (lesson 12).
//
// Every message of connection c is one of 13 payloads (a rotating alphabet) picked by its
// sequence number, so a lost, repeated or reordered message is seen at once: the client knows
// exactly which bytes must come back next and compares every one of them. For WebSocket the
// frames are masked (RFC 6455 §5.3: a client MUST mask) with a per-connection key; the masked
// payloads are computed once, because the client's cost must stay far below the server's.
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
#include "src/bench/system.hpp"

namespace duplex::bench {

namespace {

constexpr std::size_t kPayloadVariants = 13;  // offsets 0, 4, ..., 48: lcm(26 letters, 4-byte key)

// RFC 6455 §5.2: 7-bit length, or 126 + 16-bit, or 127 + 64-bit, network byte order.
std::string frame_header(std::size_t size, bool binary, bool masked) {
  std::string header;
  header += static_cast<char>(0x80 | (binary ? 0x2 : 0x1));
  const unsigned char mask_bit = masked ? 0x80 : 0x00;
  if (size < 126) {
    header += static_cast<char>(mask_bit | size);
  } else if (size <= 0xFFFF) {
    header += static_cast<char>(mask_bit | 126);
    header += static_cast<char>((size >> 8) & 0xFF);
    header += static_cast<char>(size & 0xFF);
  } else {
    header += static_cast<char>(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8)
      header += static_cast<char>((static_cast<std::uint64_t>(size) >> shift) & 0xFF);
  }
  return header;
}

struct EchoConnection {
  int fd = -1;
  std::string out;
  std::size_t out_offset = 0;
  bool want_write = false;
  std::vector<std::uint64_t> sent_at;  // ring of send times, one per message in flight
  std::size_t ring_head = 0;
  std::size_t in_flight = 0;
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
      options.websocket ? frame_header(size, options.binary, false) : std::string();
  const std::size_t message_length = receive_header.size() + size;

  std::mt19937 random(std::random_device{}());
  std::vector<EchoConnection> connections(static_cast<std::size_t>(options.connections));
  int epoll = epoll_create1(EPOLL_CLOEXEC);
  for (std::size_t i = 0; i < connections.size(); ++i) {
    EchoConnection& c = connections[i];
    c.fd = options.websocket ? websocket_connect(options.host, options.port, options.path)
                             : connect_tcp(options.host, options.port);
    c.sent_at.assign(static_cast<std::size_t>(options.inflight), 0);
    if (options.websocket) {
      unsigned char key[4];
      std::uint32_t bits = random();
      std::memcpy(key, &bits, 4);
      if (bits == 0) key[0] = 1;
      c.send_header = frame_header(size, options.binary, true);
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
  const std::uint64_t start = now_ns();
  const auto warmup_ns = static_cast<std::uint64_t>(options.warmup * 1e9);
  const std::uint64_t measure_from = start + warmup_ns;
  const std::uint64_t measure_until =
      measure_from + static_cast<std::uint64_t>(options.seconds * 1e9);
  bool measuring = warmup_ns == 0;

  auto queue_message = [&](EchoConnection& c, std::uint64_t now) {
    std::size_t offset = 4 * (c.next_send % kPayloadVariants);
    if (options.websocket) {
      c.out += c.send_header;
      c.out.append(c.masked, offset, size);
    } else {
      c.out.append(plain, offset, size);
    }
    c.sent_at[(c.ring_head + c.in_flight) % c.sent_at.size()] = now;
    ++c.in_flight;
    ++c.next_send;
  };
  auto flush = [&](EchoConnection& c, std::size_t index) {
    while (c.out_offset < c.out.size()) {
      ssize_t sent =
          send(c.fd, c.out.data() + c.out_offset, c.out.size() - c.out_offset, MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno != EAGAIN) error = std::string("send: ") + std::strerror(errno);
        break;
      }
      c.out_offset += static_cast<std::size_t>(sent);
    }
    if (c.out_offset == c.out.size()) {
      c.out.clear();
      c.out_offset = 0;
    }
    bool want = c.out_offset < c.out.size();
    if (want != c.want_write) {
      c.want_write = want;
      epoll_event event{};
      event.events = want ? EPOLLIN | EPOLLOUT : EPOLLIN;
      event.data.u64 = index;
      epoll_ctl(epoll, EPOLL_CTL_MOD, c.fd, &event);
    }
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
        if (c.in_flight == 0) {
          error = "echo: a message came back that was never sent";
          return false;
        }
        std::uint64_t sent = c.sent_at[c.ring_head];
        c.ring_head = (c.ring_head + 1) % c.sent_at.size();
        --c.in_flight;
        ++c.next_receive;
        if (measuring) {
          latencies.record(now - sent);
          ++completed;
        }
        if (now < measure_until) queue_message(c, now);
      }
    }
    return true;
  };

  std::uint64_t now = now_ns();
  for (std::size_t i = 0; i < connections.size(); ++i) {
    for (int k = 0; k < options.inflight; ++k) queue_message(connections[i], now);
    flush(connections[i], i);
  }
  std::vector<char> buffer(256 * 1024);
  std::vector<epoll_event> ready(connections.size());
  std::uint64_t measured_from = measure_from;
  while (error.empty()) {
    now = now_ns();
    if (!measuring && now >= measure_from) {
      measuring = true;
      measured_from = now;
    }
    if (now >= measure_until) break;
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
      if (error.empty()) flush(c, index);
    }
  }
  const std::uint64_t finished = now_ns();
  const double elapsed =
      finished > measured_from ? static_cast<double>(finished - measured_from) / 1e9 : 0;
  for (auto& c : connections) close(c.fd);
  close(epoll);

  Result result;
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
