// The floods of `make stress` (lesson 13): many connections, slow clients, tiny fragments, ping
// floods, clients that never read, oversized everything, and a run under injected faults. Each
// runs against a StressServer child on 127.0.0.1 and is bounded in time; each records a row of
// the table printed at the end (load held, faults survived, bytes verified, server peak RSS).
// @lesson 13
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "src/net/fd.hpp"
#include "src/net/tcp_stream.hpp"
#include "tests/stress/stress_server.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ws_raw_client.hpp"

namespace duplex::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  return bytes;
}

net::Fd connect_nonblocking(std::uint16_t port) {
  net::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fd;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int r = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address);
  if (r != 0 && errno != EINPROGRESS) fd.reset();
  return fd;
}

// Reads from a blocking stream until end of stream or `timeout`; returns what came and whether
// the end was seen.
std::pair<std::string, bool> read_until_close(net::TcpStream& stream,
                                              std::chrono::milliseconds timeout) {
  std::string out;
  auto deadline = Clock::now() + timeout;
  char chunk[65536];
  while (Clock::now() < deadline) {
    pollfd p{stream.fd().get(), POLLIN, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 1))) != 1) continue;
    ssize_t n = ::recv(stream.fd().get(), chunk, sizeof chunk, MSG_DONTWAIT);
    if (n > 0) {
      out.append(chunk, static_cast<std::size_t>(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      return {out, true};
    }
  }
  return {out, false};
}

// Raises the soft descriptor limit to `want` if the hard limit allows; false otherwise.
bool raise_fd_limit(rlim_t want) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  if (limit.rlim_cur >= want) return true;
  if (limit.rlim_max < want) return false;
  limit.rlim_cur = want;
  return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

TEST(L13_Flood, TenThousandConcurrentConnections) {
  // max_connections defaults to 10,000: the server must hold exactly that many, answer each,
  // and turn the next one away with 503 instead of failing on descriptors.
  constexpr std::size_t kConnections = 10'000;
  // The client side (this process) and the server (the child, which inherits the limit) each
  // need one descriptor per connection plus a few.
  constexpr rlim_t kDescriptors = kConnections + 1000;
  if (!raise_fd_limit(kDescriptors)) {
    GTEST_SKIP() << "RLIMIT_NOFILE cannot be raised to " << kDescriptors;
  }
  StressServer server;
  std::vector<net::Fd> sockets;
  sockets.reserve(kConnections);
  net::Fd epoll(::epoll_create1(EPOLL_CLOEXEC));
  // Connect in batches so the listen backlog never overflows (a dropped SYN costs 1 s).
  constexpr std::size_t kBatch = 500;
  for (std::size_t start = 0; start < kConnections; start += kBatch) {
    std::size_t pending = 0;
    for (std::size_t i = start; i < start + kBatch; ++i) {
      sockets.push_back(connect_nonblocking(server.port()));
      ASSERT_TRUE(sockets.back()) << "socket " << i << ": " << errno;
      epoll_event event{EPOLLOUT, {.u64 = i}};
      ::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, sockets.back().get(), &event);
      ++pending;
    }
    epoll_event events[512];
    auto deadline = Clock::now() + 20s;
    while (pending > 0 && Clock::now() < deadline) {
      int n = ::epoll_wait(epoll.get(), events, 512, 1000);
      for (int k = 0; k < n; ++k) {
        std::size_t i = events[k].data.u64;
        int error = 0;
        socklen_t length = sizeof error;
        ::getsockopt(sockets[i].get(), SOL_SOCKET, SO_ERROR, &error, &length);
        ASSERT_EQ(error, 0) << "connect " << i;
        ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, sockets[i].get(), nullptr);
        --pending;
      }
    }
    ASSERT_EQ(pending, 0U) << "connections stuck in the batch from " << start;
  }
  // Every connection asks once; every answer must be a whole 200 with "hello\n".
  const std::string request = "GET /hello HTTP/1.1\r\nHost: stress\r\n\r\n";
  for (std::size_t i = 0; i < kConnections; ++i) {
    ASSERT_EQ(::send(sockets[i].get(), request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    epoll_event event{EPOLLIN, {.u64 = i}};
    ::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, sockets[i].get(), &event);
  }
  std::vector<std::string> replies(kConnections);
  std::size_t complete = 0;
  std::uint64_t verified = 0;
  epoll_event events[512];
  auto deadline = Clock::now() + 60s;
  while (complete < kConnections && Clock::now() < deadline) {
    int n = ::epoll_wait(epoll.get(), events, 512, 1000);
    for (int k = 0; k < n; ++k) {
      std::size_t i = events[k].data.u64;
      char chunk[1024];
      ssize_t got = ::recv(sockets[i].get(), chunk, sizeof chunk, MSG_DONTWAIT);
      if (got <= 0) {
        ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, sockets[i].get(), nullptr);
        continue;
      }
      replies[i].append(chunk, static_cast<std::size_t>(got));
      if (replies[i].size() >= 6 && replies[i].ends_with("\r\n\r\nhello\n")) {
        ASSERT_TRUE(replies[i].starts_with("HTTP/1.1 200 ")) << replies[i];
        verified += replies[i].size();
        ++complete;
        ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, sockets[i].get(), nullptr);
      }
    }
  }
  EXPECT_EQ(complete, kConnections);
  // One more than max_connections: refused politely, while the others stay served.
  HttpClient extra(server.port());
  extra.send(HttpClient::format("GET", "/hello"));
  HttpResponse refused = extra.read_response();
  EXPECT_EQ(refused.status, 503);
  EXPECT_TRUE(server.alive());
  record_row(
      "10,000 connections",
      std::to_string(complete) + " open at once, 10,001st: " + std::to_string(refused.status), "-",
      verified, server.peak_rss_kib());
}

TEST(L13_Flood, SlowlorisHeadGets408AtTheHeadDeadline) {
  // A head dribbled one byte at a time keeps the idle timer happy forever; only a deadline on
  // the whole head (head_timeout) frees the connection.
  StressServerConfig config;
  config.http.head_timeout = 1000ms;
  StressServer server(config);
  net::TcpStream stream = net::TcpStream::connect("127.0.0.1", server.port());
  std::string head = "GET /hello HTTP/1.1\r\nHost: stress\r\nX-Slow: " + std::string(200, 's');
  auto start = Clock::now();
  bool closed = false;
  std::string answer;
  for (std::size_t i = 0; i < head.size() && !closed; ++i) {
    if (::send(stream.fd().get(), &head[i], 1, MSG_NOSIGNAL) != 1) break;
    // The pacing is the attack itself (one byte every 50 ms), not a synchronisation.
    auto [bytes, ended] = read_until_close(stream, 50ms);
    answer += bytes;
    closed = ended;
  }
  if (!closed) {
    auto [bytes, ended] = read_until_close(stream, 5s);
    answer += bytes;
    closed = ended;
  }
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  EXPECT_TRUE(closed);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 408 ")) << answer;
  EXPECT_LT(elapsed, 5000ms) << "head_timeout is 1000 ms";
  record_row("slowloris HTTP head",
             "1 byte / 50 ms; closed after " + std::to_string(elapsed.count()) + " ms", "-",
             answer.size(), server.peak_rss_kib());
}

TEST(L13_Flood, SlowlorisFrameIsClosedByADeadline) {
  // A WebSocket frame dribbled one byte at a time: unless something bounds the time a frame
  // may take, the connection is held forever (keep-alive pings see traffic and stay quiet).
  // WsOptions::message_timeout is that bound: past it the server sends 1008, and drops TCP
  // when the peer does not answer within close_timeout.
  StressServerConfig config;
  config.ws_ping_interval = 500ms;
  config.ws_message_timeout = 1000ms;
  config.ws_close_timeout = 500ms;
  StressServer server(config);
  WsRawClient client = WsRawClient::connect(server.port(), "/echo-default");
  // A binary frame announcing 1000 bytes of payload, then its payload a byte at a time.
  std::string frame = raw_frame(0x2, pattern(1000));
  auto start = Clock::now();
  bool closed = false;
  std::string received;
  for (std::size_t i = 0; i < frame.size() && !closed && Clock::now() - start < 10s; ++i) {
    if (::send(client.stream().fd().get(), &frame[i], 1, MSG_NOSIGNAL) != 1) {
      closed = true;
      break;
    }
    auto [bytes, ended] = read_until_close(client.stream(), 100ms);
    received += bytes;
    closed = ended;
  }
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  record_row("slowloris WS frame",
             closed
                 ? "1 byte / 100 ms; 1008, closed after " + std::to_string(elapsed.count()) + " ms"
                 : "GAP: still open after " + std::to_string(elapsed.count()) + " ms",
             "-", 0, server.peak_rss_kib());
  EXPECT_TRUE(closed) << "still open after " << elapsed.count() << " ms";
  // The server's close frame (unmasked, RFC 6455 §5.5.1) carries 1008, policy violation.
  ASSERT_GE(received.size(), 4u);
  EXPECT_EQ(static_cast<unsigned char>(received[0]), 0x88);
  EXPECT_EQ(static_cast<unsigned char>(received[2]) << 8 | static_cast<unsigned char>(received[3]),
            1008);
  // Closed by the deadline (1 s) plus the close timeout (0.5 s), not by the 10 s bound above.
  EXPECT_LT(elapsed, 8s);
}

// The messages of `total` bytes in one-byte fragments: first frame opcode 2, then continuations.
std::string one_byte_fragments(std::size_t total) {
  std::string bytes;
  bytes.reserve(total * 7);
  std::string payload = pattern(total);
  for (std::size_t i = 0; i < total; ++i) {
    bytes += raw_frame(i == 0 ? 0x2 : 0x0, payload.substr(i, 1), i + 1 == total);
  }
  return bytes;
}

// Sends `wire` while reading the echo: returns the echoed message's size when it matched.
std::size_t echo_fragmented(WsRawClient& client, const std::string& wire, std::size_t total) {
  client.send_raw(wire);
  std::optional<RawFrame> frame = client.read_frame(30s);
  if (!frame || frame->opcode != 0x2 || frame->payload != pattern(total)) return 0;
  return frame->payload.size();
}

TEST(L13_Flood, OneByteFragmentsCostLinearTime) {
  // Assembling a message by appending each fragment must be amortised O(1) per byte; copying
  // the message so far on every fragment would make 1 MiB in 1-byte fragments cost ~10^12.
  // Same total work twice: four 256 KiB messages, then one 1 MiB message. Linear assembly
  // costs the same CPU for both; quadratic would cost four times more for the single message.
  StressServer server;
  WsRawClient client = WsRawClient::connect(server.port(), "/echo");
  const std::size_t kSmall = 256 * 1024, kLarge = 1024 * 1024;
  std::string small_wire = one_byte_fragments(kSmall);
  std::string large_wire = one_byte_fragments(kLarge);
  std::uint64_t verified = 0;
  long before = server.cpu_ticks();
  for (int i = 0; i < 4; ++i) verified += echo_fragmented(client, small_wire, kSmall);
  long small_ticks = server.cpu_ticks() - before;
  before = server.cpu_ticks();
  verified += echo_fragmented(client, large_wire, kLarge);
  long large_ticks = server.cpu_ticks() - before;
  EXPECT_EQ(verified, 4 * kSmall + kLarge);
  // A generous factor: 2.5 (quadratic would give 4). Ticks are 10 ms; +5 absorbs rounding.
  EXPECT_LE(large_ticks, small_ticks * 5 / 2 + 5)
      << "4 x 256 KiB: " << small_ticks << " ticks, 1 x 1 MiB: " << large_ticks << " ticks";
  record_row("1-byte fragments",
             "4x256 KiB: " + std::to_string(small_ticks) +
                 " ticks, 1 MiB: " + std::to_string(large_ticks) + " ticks",
             "-", verified, server.peak_rss_kib());
}

TEST(L13_Flood, PingFloodIsAnsweredAndMemoryStaysBounded) {
  // Every ping obliges a pong (RFC 6455 §5.5.2); a peer that pings without pause must not make
  // the server queue pongs without bound.
  StressServerConfig config;
  config.ws_ping_interval = 2000ms;
  StressServer server(config);
  WsRawClient client = WsRawClient::connect(server.port(), "/echo-default");
  long rss_before = server.rss_kib();
  constexpr std::size_t kPings = 50'000;
  std::string ping = raw_frame(0x9, pattern(125));
  std::string burst;
  for (int i = 0; i < 100; ++i) burst += ping;
  int fd = client.stream().fd().get();
  const std::size_t total = kPings * ping.size();
  std::size_t sent = 0, received = 0, offset = 0;
  bool closed = false;
  auto deadline = Clock::now() + 60s;
  auto last_activity = Clock::now();
  // Until everything is sent and the answers stop (a server may answer only the latest of
  // several pings, RFC 6455 §5.5.3), the server closes, or the deadline passes.
  while (!closed && Clock::now() < deadline &&
         (sent < total || Clock::now() - last_activity < 2s)) {
    pollfd p{fd, static_cast<short>(POLLIN | (sent < total ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    if (p.revents & POLLOUT) {
      std::size_t left = std::min(burst.size() - offset, total - sent);
      ssize_t n = ::send(fd, burst.data() + offset, left, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        offset = (offset + static_cast<std::size_t>(n)) % burst.size();
        last_activity = Clock::now();
      }
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char chunk[65536];
      ssize_t n = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n > 0) {
        received += static_cast<std::size_t>(n);
        last_activity = Clock::now();
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        closed = true;
      }
    }
  }
  long growth = server.peak_rss_kib() - rss_before;
  // Answered (whole pongs of 2 + 125 bytes came back) or closed; never silently ignored.
  EXPECT_TRUE(closed || (received > 0 && received % 127 == 0)) << received;
  EXPECT_TRUE(closed || sent == total);
  EXPECT_LT(growth, 64 * 1024) << "KiB of peak RSS growth";
  record_row("ping flood",
             std::to_string(sent / ping.size()) + " pings, " + std::to_string(received / 127) +
                 " pongs" + (closed ? ", closed" : ""),
             "-", received, server.peak_rss_kib());
}

// Writes without ever reading until the server stops taking bytes for `stall` or closes.
// Returns {bytes written, closed by the server}.
std::pair<std::size_t, bool> write_without_reading(int fd, const std::string& unit,
                                                   std::chrono::milliseconds stall,
                                                   std::chrono::seconds limit) {
  std::size_t written = 0, offset = 0;
  auto last_progress = Clock::now();
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLOUT, 0};
    int ready = ::poll(&p, 1, 100);
    if (ready > 0 && (p.revents & (POLLERR | POLLHUP))) return {written, true};
    if (ready > 0) {
      ssize_t n =
          ::send(fd, unit.data() + offset, unit.size() - offset, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        written += static_cast<std::size_t>(n);
        offset = (offset + static_cast<std::size_t>(n)) % unit.size();
        last_progress = Clock::now();
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) return {written, true};
    }
    if (Clock::now() - last_progress > stall) return {written, false};
  }
  return {written, false};
}

// Waits, without reading, until the server ends the connection: its FIN (POLLRDHUP) or a reset
// (POLLERR/POLLHUP). A server cannot send a FIN behind data we never read, so a server that
// gives up on us must reset.
bool wait_for_drop(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLRDHUP, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}

TEST(L13_Flood, WsClientThatNeverReadsIsClosedWithBoundedMemory) {
  // A reader that stops reading must cost the server at most its send-queue bound, and then
  // its connection (1008 when the queue overflows, or the keep-alive deadline).
  StressServerConfig config;
  config.ws_ping_interval = 500ms;
  StressServer server(config);
  WsRawClient client = WsRawClient::connect(server.port(), "/echo-default");
  long rss_before = server.rss_kib();
  std::string message = raw_frame(0x2, pattern(64 * 1024));
  auto [written, closed] = write_without_reading(client.stream().fd().get(), message, 3s, 20s);
  // The server applied backpressure; it must still end the connection by itself.
  if (!closed) closed = wait_for_drop(client.stream().fd().get(), 10s);
  long growth = server.peak_rss_kib() - rss_before;
  EXPECT_TRUE(closed) << "the server kept a connection whose peer never reads";
  EXPECT_LT(growth, 64 * 1024) << "KiB of peak RSS growth";
  record_row("WS client never reads",
             std::to_string(written >> 10) + " KiB sent, " + (closed ? "closed" : "still open"),
             "-", 0, server.peak_rss_kib());
}

TEST(L13_Flood, HttpClientThatNeverReadsIsBoundedThenDropped) {
  // Pipelined requests for a 1 MiB body from a client that reads nothing: the server must stop
  // reading requests (backpressure) instead of queueing a megabyte per request, and then drop
  // the connection once send_timeout passes without a byte taken (docs/security.md).
  StressServerConfig config;
  config.http.keep_alive_timeout = 1000ms;
  config.http.send_timeout = 1000ms;
  StressServer server(config);
  net::TcpStream stream = net::TcpStream::connect("127.0.0.1", server.port());
  long rss_before = server.rss_kib();
  std::string request = "GET /big HTTP/1.1\r\nHost: stress\r\n\r\n";
  auto started = Clock::now();
  auto [written, closed] = write_without_reading(stream.fd().get(), request, 2s, 20s);
  if (!closed) closed = wait_for_drop(stream.fd().get(), 10s);
  auto held = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  long growth = server.peak_rss_kib() - rss_before;
  std::size_t requests = written / request.size();
  EXPECT_TRUE(closed) << "the server kept a connection whose peer never reads";
  EXPECT_LT(growth, 64 * 1024) << "KiB of peak RSS growth after " << requests << " requests";
  record_row("HTTP client never reads",
             std::to_string(requests) + " pipelined GET /big; " +
                 (closed ? "dropped after " + std::to_string(held.count()) + " ms" : "still open"),
             "-", 0, server.peak_rss_kib());
}

TEST(L13_Flood, OversizedHttpPartsGetTheirStatus) {
  // Each limit has one documented answer: 414 for the request line, 431 for the header
  // section, 413 for the body (docs/security.md).
  StressServer server;
  struct Case {
    std::string name, request;
    int status;
  };
  std::vector<Case> cases = {
      {"request line", "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: s\r\n\r\n", 414},
      {"header section",
       "GET /hello HTTP/1.1\r\nHost: s\r\nX-Big: " + std::string(40'000, 'h') + "\r\n\r\n", 431},
      {"body", "POST /body HTTP/1.1\r\nHost: s\r\nContent-Length: 2000000\r\n\r\n", 413},
  };
  std::string summary;
  for (const Case& c : cases) {
    HttpClient client(server.port());
    client.send(c.request);
    HttpResponse response = client.read_response();
    EXPECT_EQ(response.status, c.status) << c.name;
    summary += std::to_string(response.status) + " ";
  }
  record_row("oversized HTTP", "line/headers/body: " + summary, "-", 0, server.peak_rss_kib());
}

TEST(L13_Flood, OversizedWebSocketPartsGetTheirCloseCode) {
  // 1009 (message too big) for a frame or a message over 1 MiB, 1002 for a control frame over
  // 125 bytes (RFC 6455 §5.5, §7.4.1).
  StressServer server;
  std::string summary;
  {
    WsRawClient client = WsRawClient::connect(server.port(), "/echo-default");
    // Only the header of a 2 MiB frame: the limit must apply before the payload arrives.
    std::string header = raw_frame(0x2, pattern(2 << 20)).substr(0, 14);
    client.send_raw(header);
    RawFrame close = client.read_close(5s);
    EXPECT_EQ(close.close_code(), 1009);
    summary += std::to_string(close.close_code()) + " ";
  }
  {
    WsRawClient client = WsRawClient::connect(server.port(), "/echo-default");
    try {
      client.send_frame(0x2, pattern(768 * 1024), false);
      client.send_frame(0x0, pattern(768 * 1024), true);
    } catch (const std::exception&) {
      // The server may fail the connection before our last bytes are written; its close frame
      // is still in our receive queue.
    }
    RawFrame close = client.read_close(5s);
    EXPECT_EQ(close.close_code(), 1009);
    summary += std::to_string(close.close_code()) + " ";
  }
  {
    WsRawClient client = WsRawClient::connect(server.port(), "/echo-default");
    client.send_frame(0x9, pattern(126));
    RawFrame close = client.read_close(5s);
    EXPECT_EQ(close.close_code(), 1002);
    summary += std::to_string(close.close_code());
  }
  record_row("oversized WebSocket", "frame/message/control: " + summary, "-", 0,
             server.peak_rss_kib());
}

TEST(L13_Flood, HttpAndWebSocketUnderInjectedFaults) {
  // Short reads and writes, EAGAIN and EINTR on every connection of the server: every answer
  // must still be byte-exact.
  StressServerConfig config;
  net::FaultPlan plan;
  plan.seed = 2026;
  config.faults = plan;
  StressServer server(config);
  std::uint64_t verified = 0;
  {
    HttpClient client(server.port());
    for (int i = 0; i < 200; ++i) {
      std::string body = pattern(static_cast<std::size_t>(i) * 97);
      HttpResponse response = client.request("POST", "/body", "", body);
      ASSERT_EQ(response.status, 200);
      ASSERT_EQ(response.body, std::to_string(body.size()) + "\n");
      verified += body.size() + response.body.size();
    }
    HttpResponse big = client.request("GET", "/big");
    ASSERT_EQ(big.body, std::string(std::size_t{1} << 20, 'b'));
    verified += big.body.size();
  }
  {
    WsRawClient client = WsRawClient::connect(server.port(), "/echo");
    for (std::size_t size : {0UL, 1UL, 125UL, 126UL, 65535UL, 65536UL, 300'000UL, 2'000'000UL}) {
      client.send_binary(pattern(size));
      std::optional<RawFrame> frame = client.read_frame(30s);
      ASSERT_TRUE(frame);
      ASSERT_EQ(frame->payload, pattern(size)) << size;
      verified += size;
    }
  }
  HttpClient stats(server.port());
  HttpResponse faults = stats.request("GET", "/faults");
  long injected = std::stol(faults.body);
  EXPECT_GT(injected, 100);
  EXPECT_TRUE(server.alive());
  record_row("HTTP + WS under faults", "200 POSTs, 1 MiB GET, 8 WS echoes",
             std::to_string(injected) + " injected", verified, server.peak_rss_kib());
}

}  // namespace
}  // namespace duplex::testing
