// Tests for Transport and FaultyTransport (lesson 13): injected faults lose no byte and are
// reproducible from the seed; a Connection over them delivers and echoes exactly what was sent;
// a reset mid-message ends the connection with ECONNRESET after the bytes before it arrived;
// the process fault plan (which the test binary installs for DUPLEX_FAULT_SEED) reaches every new
// connection; file segments go through the transport too.
// @lesson 13
#include "src/net/transport.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/net/connection.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/tcp_stream.hpp"
#include "tests/support/loop_thread.hpp"
#include "tests/support/net_sockets.hpp"

namespace duplex::net {
namespace {

using testing::run_until;

// Bytes that differ at every position, so a lost, doubled or reordered byte shows.
std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 131 + i / 251) & 0xff);
  return bytes;
}

FaultPlan heavy_faults(std::uint64_t seed) {
  FaultPlan plan;
  plan.seed = seed;
  plan.short_read_percent = 70;
  plan.short_write_percent = 70;
  plan.eagain_percent = 20;
  plan.eintr_percent = 20;
  return plan;
}

// Restores the process fault plan a test changed, so later tests run as they would have.
class ProcessPlanGuard {
 public:
  ProcessPlanGuard() : saved_(process_fault_plan()) {}
  ~ProcessPlanGuard() { set_process_fault_plan(saved_); }
  ProcessPlanGuard(const ProcessPlanGuard&) = delete;
  ProcessPlanGuard& operator=(const ProcessPlanGuard&) = delete;

 private:
  std::optional<FaultPlan> saved_;
};

// Reads `size` bytes through `transport`, retrying EAGAIN (after poll) and EINTR as a correct
// caller must; records each call's result.
std::string read_all(Transport& transport, int fd, std::size_t size, std::vector<long>& results) {
  std::string out;
  char chunk[4096];
  while (out.size() < size) {
    ssize_t n = transport.read(fd, chunk, sizeof chunk);
    results.push_back(n < 0 ? -errno : n);
    if (n > 0) {
      out.append(chunk, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno == EAGAIN) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 5000) != 1) break;
    } else if (errno != EINTR) {
      break;
    }
  }
  return out;
}

TEST(L13_FaultyTransport, ReadsLoseNoByteAndInjectEveryFault) {
  // A short read or a spurious EAGAIN that dropped or repeated a byte would corrupt every
  // protocol above: the faults must be invisible to a caller that retries correctly.
  auto [a, b] = testing::socket_pair();
  std::string sent = pattern(100'000);
  FaultyTransport faulty(heavy_faults(7));
  std::vector<long> results;
  std::string got;
  std::size_t written = 0;
  while (written < sent.size()) {
    std::size_t piece = std::min<std::size_t>(32 * 1024, sent.size() - written);
    a.write_all(std::string_view(sent).substr(written, piece));
    written += piece;
    got += read_all(faulty, b.fd().get(), piece, results);
  }
  EXPECT_EQ(got, sent);
  EXPECT_GT(faulty.short_calls(), 0U);
  EXPECT_GT(faulty.eagains(), 0U);
  EXPECT_GT(faulty.eintrs(), 0U);
}

TEST(L13_FaultyTransport, TheSameSeedGivesTheSameFaults) {
  // A failure found with DUPLEX_FAULT_SEED=N must come back with the same N, or it cannot be
  // debugged.
  auto run = [](std::uint64_t seed) {
    auto [a, b] = testing::socket_pair();
    a.write_all(pattern(20'000));
    FaultyTransport faulty(heavy_faults(seed));
    std::vector<long> results;
    read_all(faulty, b.fd().get(), 20'000, results);
    return results;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
}

// Calls `send_from(sent)` until `expected` is all written, as a Connection does (a short count,
// EAGAIN and EINTR mean: again from the first byte not taken), then checks what `reader` got.
void expect_sent_in_order(const std::string& expected, TcpStream& reader,
                          const std::function<ssize_t(std::size_t sent)>& send_from) {
  std::size_t sent = 0;
  while (sent < expected.size()) {
    ssize_t n = send_from(sent);
    if (n > 0) sent += static_cast<std::size_t>(n);
    ASSERT_TRUE(n > 0 || errno == EAGAIN || errno == EINTR) << errno;
  }
  std::string got(expected.size(), '\0');
  reader.read_exact(got);
  EXPECT_EQ(got, expected);
}

TEST(L13_FaultyTransport, ShortWritesSendEverythingInOrder) {
  // A send() cut short must resume exactly at the first byte the kernel did not take.
  auto [a, b] = testing::socket_pair();
  FaultyTransport faulty(heavy_faults(3));
  std::string expected = pattern(3000) + pattern(5000);
  expect_sent_in_order(expected, b, [&](std::size_t sent) {
    return faulty.send(a.fd().get(), expected.data() + sent, expected.size() - sent);
  });
  EXPECT_GT(faulty.short_calls(), 0U);
}

TEST(L13_FaultyTransport, ShortGatheredWritesSendEverythingInOrder) {
  // A sendmsg() cut short ends inside one of its parts, or between two: the caller resumes from
  // the first byte not taken, whichever part it is in.
  auto [a, b] = testing::socket_pair();
  FaultyTransport faulty(heavy_faults(5));
  const std::vector<std::string> parts = {pattern(700), pattern(3000), "x", pattern(5000)};
  std::string expected;
  for (const std::string& part : parts) expected += part;
  expect_sent_in_order(expected, b, [&](std::size_t sent) {
    std::vector<iovec> left;
    std::size_t start = 0;
    for (const std::string& part : parts) {
      std::size_t end = start + part.size();
      if (end > sent) {
        std::size_t skip = sent > start ? sent - start : 0;
        left.push_back({const_cast<char*>(part.data() + skip), part.size() - skip});
      }
      start = end;
    }
    msghdr message{};
    message.msg_iov = left.data();
    message.msg_iovlen = left.size();
    return faulty.send_message(a.fd().get(), message);
  });
  EXPECT_GT(faulty.short_calls(), 0U);
}

TEST(L13_FaultyTransport, ResetAfterReadBytesDeliversThePrefixThenFails) {
  // ECONNRESET mid-message: everything before the reset is real data, nothing after it is.
  auto [a, b] = testing::socket_pair();
  a.write_all(pattern(5000));
  FaultPlan plan = heavy_faults(9);
  plan.reset_after_read_bytes = 1234;
  FaultyTransport faulty(plan);
  std::vector<long> results;
  std::string got = read_all(faulty, b.fd().get(), 5000, results);
  EXPECT_EQ(got, pattern(5000).substr(0, 1234));
  EXPECT_EQ(results.back(), -ECONNRESET);
  EXPECT_EQ(faulty.resets(), 1U);
}

// Two connections on one loop: `server` echoes through the transport under test, `client`
// (real system calls) sends `message` and collects the echo.
struct EchoPair {
  EventLoop loop;
  std::shared_ptr<Connection> server;
  std::shared_ptr<Connection> client;
  std::string echoed;
  bool server_closed = false;
  CloseReason server_reason = CloseReason::kClosedByUs;
  int server_error = 0;
  std::string server_saw;

  explicit EchoPair(std::unique_ptr<Transport> transport) {
    auto [c, s] = testing::tcp_pair();
    server = Connection::create(loop, std::move(s).release_fd());
    client = Connection::create(loop, std::move(c).release_fd());
    client->set_transport(nullptr);
    server->set_transport(std::move(transport));
    server->set_on_data([this](Connection& self, Buffer& input) {
      server_saw += input.view();
      self.send(input.view());
      input.consume(input.size());
    });
    server->set_on_close([this](Connection&, CloseReason reason, int error) {
      server_closed = true;
      server_reason = reason;
      server_error = error;
    });
    client->set_on_data([this](Connection&, Buffer& input) {
      echoed += input.view();
      input.consume(input.size());
    });
    server->start();
    client->start();
  }
};

TEST(L13_FaultInjection, ConnectionEchoesEveryByteUnderFaults) {
  // The read-until-EAGAIN loop, the cork and the EPOLLOUT path all see faults here; the echo
  // must still be byte-exact.
  for (std::uint64_t seed : {1, 2, 3}) {
    auto transport = std::make_unique<FaultyTransport>(heavy_faults(seed));
    FaultyTransport& faulty = *transport;
    EchoPair pair(std::move(transport));
    std::string message = pattern(1 << 20);
    pair.client->send(message);
    ASSERT_TRUE(run_until(pair.loop, [&] { return pair.echoed.size() >= message.size(); }))
        << "seed " << seed << ": echoed " << pair.echoed.size();
    EXPECT_EQ(pair.echoed, message) << "seed " << seed;
    EXPECT_FALSE(pair.server_closed);
    EXPECT_GT(faulty.short_calls() + faulty.eagains() + faulty.eintrs(), 20U);
  }
}

TEST(L13_FaultInjection, ResetMidMessageClosesWithEconnresetAfterThePrefix) {
  // A peer that resets mid-message must cost one kError close, with the bytes before the reset
  // delivered and nothing invented after it.
  FaultPlan plan = heavy_faults(5);
  plan.reset_after_read_bytes = 10'000;
  EchoPair pair(std::make_unique<FaultyTransport>(plan));
  std::string message = pattern(50'000);
  pair.client->send(message);
  ASSERT_TRUE(run_until(pair.loop, [&] { return pair.server_closed; }));
  EXPECT_EQ(pair.server_reason, CloseReason::kError);
  EXPECT_EQ(pair.server_error, ECONNRESET);
  EXPECT_EQ(pair.server_saw, message.substr(0, 10'000));
}

TEST(L13_FaultInjection, ResetWhileWritingClosesWithEconnreset) {
  // The write side fails too (EPIPE or ECONNRESET from send()): the connection must close once,
  // with the error, not spin on EPOLLOUT.
  FaultPlan plan = heavy_faults(6);
  plan.reset_after_written_bytes = 4096;
  EchoPair pair(std::make_unique<FaultyTransport>(plan));
  pair.client->send(pattern(100'000));
  ASSERT_TRUE(run_until(pair.loop, [&] { return pair.server_closed; }));
  EXPECT_EQ(pair.server_reason, CloseReason::kError);
  EXPECT_EQ(pair.server_error, ECONNRESET);
  EXPECT_LE(pair.echoed.size(), 4096U);
  EXPECT_EQ(pair.echoed, pattern(100'000).substr(0, pair.echoed.size()));
}

TEST(L13_FaultInjection, TheProcessPlanReachesEveryNewConnection) {
  // DUPLEX_FAULT_SEED reruns whole suites under faults only if no connection escapes the plan.
  ProcessPlanGuard guard;
  EventLoop loop;
  set_process_fault_plan(heavy_faults(11));
  {
    auto [c, s] = testing::tcp_pair();
    auto connection = Connection::create(loop, std::move(s).release_fd());
    auto* faulty = dynamic_cast<FaultyTransport*>(connection->transport());
    ASSERT_NE(faulty, nullptr);
    EXPECT_EQ(faulty->plan().eagain_percent, 20U);
    EXPECT_FALSE(faulty->plan().reset_after_read_bytes.has_value());
  }
  set_process_fault_plan(std::nullopt);
  {
    auto [c, s] = testing::tcp_pair();
    auto connection = Connection::create(loop, std::move(s).release_fd());
    EXPECT_EQ(connection->transport(), nullptr);
  }
}

TEST(L13_FaultInjection, SendFileGoesThroughTheTransport) {
  // File segments must be reachable by the faults as well: a reset on the first sendfile() ends
  // the connection with the error.
  auto [c, s] = testing::tcp_pair();
  EventLoop loop;
  auto connection = Connection::create(loop, std::move(s).release_fd());
  FaultPlan plan = heavy_faults(12);
  plan.reset_after_written_bytes = 0;
  connection->set_transport(std::make_unique<FaultyTransport>(plan));
  bool closed = false;
  int error = 0;
  connection->set_on_close([&](Connection&, CloseReason reason, int error_number) {
    closed = reason == CloseReason::kError;
    error = error_number;
  });
  char path[] = "/tmp/duplex-transport-XXXXXX";
  Fd file(::mkstemp(path));
  ASSERT_TRUE(file);
  ::unlink(path);
  ASSERT_EQ(::write(file.get(), "hello", 5), 5);
  connection->start();
  connection->send_file(std::move(file), 0, 5);
  ASSERT_TRUE(run_until(loop, [&] { return closed; }));
  EXPECT_EQ(error, ECONNRESET);
  EXPECT_EQ(connection->bytes_written(), 0U);
}

TEST(L13_FaultInjection, SharedBytesGoThroughTheTransportAndArriveInOrder) {
  // Lesson 12's gathered write under short writes, EAGAIN and EINTR: every cut inside or
  // between the runs must resume at the first byte the kernel did not take.
  auto [c, s] = testing::tcp_pair();
  EventLoop loop;
  auto connection = Connection::create(loop, std::move(s).release_fd());
  connection->set_transport(std::make_unique<FaultyTransport>(heavy_faults(21)));
  auto body = std::make_shared<const std::string>(pattern(200'000));
  std::string expected = "head" + *body + "middle" + *body + "tail";
  connection->start();
  connection->send("head");
  connection->send_shared(body);
  connection->send("middle");
  connection->send_shared(body);
  connection->send("tail");
  std::string got;
  char chunk[64 * 1024];
  ASSERT_TRUE(run_until(loop, [&] {
    ssize_t n = ::recv(c.fd().get(), chunk, sizeof chunk, MSG_DONTWAIT);
    if (n > 0) got.append(chunk, static_cast<std::size_t>(n));
    return got.size() >= expected.size();
  }));
  EXPECT_TRUE(got == expected) << "a byte was lost, repeated or moved";
  EXPECT_EQ(body.use_count(), 1) << "both shares given back once written";
}

}  // namespace
}  // namespace duplex::net
