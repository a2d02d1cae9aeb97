// Tests for Connection (lesson 03): one read delivered in one call, partial messages kept,
// handler replacement, one write per round (the cork), close notifications after the round,
// writability armed only while output pends, file segments in the output queue, backpressure,
// idle and send timeouts, graceful close and abort, errors, and the error policy. The loop is
// stepped on the test thread (run_until), so the test can look at the connection between steps.
// @lesson 03
#include "src/net/connection.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#if DUPLEX_LESSON >= 12
#include <linux/tcp.h>  // tcp_info with tcpi_segs_in (glibc's netinet/tcp.h stops before it)
#include <netinet/in.h>
#endif

#include <cerrno>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/net/event_loop.hpp"
#include "src/net/tcp_stream.hpp"
#include "src/net/timer.hpp"
#if DUPLEX_LESSON >= 13
#include "src/net/transport.hpp"
#endif
#include "tests/support/loop_thread.hpp"
#include "tests/support/net_sockets.hpp"

namespace duplex::net {
namespace {

using namespace std::chrono_literals;
using testing::run_until;

struct Closed {
  bool called = false;
  CloseReason reason = CloseReason::kClosedByUs;
  int error = 0;
};

// A TCP connection over loopback: `peer` is the test's client, `connection` the server side.
struct Fixture {
  // Declared in construction order: make() fills `connection` and `closed` while `peer` is built.
  EventLoop loop;
  std::shared_ptr<Connection> connection;
  Closed closed;
  TcpStream peer;

  explicit Fixture(ConnectionLimits limits = {}) : peer(make(limits)) {}

  TcpStream make(ConnectionLimits limits) {
    auto [client, server] = testing::tcp_pair();
    connection = Connection::create(loop, std::move(server).release_fd(), limits);
    connection->set_on_close([this](Connection&, CloseReason reason, int error) {
      closed = {true, reason, error};
    });
    return std::move(client);
  }

  void echo() {
    connection->set_on_data([](Connection& self, Buffer& input) {
      self.send(input.view());
      input.consume(input.size());
    });
  }

  bool wait_closed() {
    return run_until(loop, [this] { return closed.called; });
  }
};

// Writes to a non-blocking copy of `stream` until the kernel buffers are full; returns the count.
std::size_t write_until_full(TcpStream& stream, const std::function<void()>& step) {
  std::string chunk(64 * 1024, 'p');
  std::size_t total = 0;
  for (int idle_rounds = 0; idle_rounds < 20;) {
    ssize_t n = ::send(stream.fd().get(), chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      total += static_cast<std::size_t>(n);
      idle_rounds = 0;
      continue;
    }
    EXPECT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK) << errno;
    // Let the server side move bytes (it may still be reading), then try again.
    step();
    ++idle_rounds;
  }
  return total;
}

std::size_t drain_available(TcpStream& stream) {
  std::vector<char> chunk(256 * 1024);
  std::size_t total = 0;
  while (true) {
    ssize_t n = ::recv(stream.fd().get(), chunk.data(), chunk.size(), MSG_DONTWAIT);
    if (n <= 0) return total;
    total += static_cast<std::size_t>(n);
  }
}

TEST(L03_Connection, DeliversEverythingBufferedInOneCall) {
  Fixture f;
#if DUPLEX_LESSON >= 13
  // The real system calls even under DUPLEX_FAULT_SEED: an injected short read ends the
  // wake-up on purpose (the rest comes next round), which is not what this test is about.
  f.connection->set_transport(nullptr);
#endif
  std::vector<std::string> calls;
  f.connection->set_on_data([&](Connection&, Buffer& input) {
    calls.emplace_back(input.view());
    input.consume(input.size());
  });
  f.peer.write_all("first ");
  f.peer.write_all("second");
  f.connection->start();
  ASSERT_TRUE(run_until(f.loop, [&] { return !calls.empty(); }));
  EXPECT_EQ(calls, (std::vector<std::string>{"first second"}));
}

TEST(L03_Connection, UnconsumedBytesWaitForTheRestOfTheMessage) {
  // A message split across reads: the handler takes whole lines only; the tail must be kept,
  // not lost and not delivered twice.
  Fixture f;
  std::vector<std::string> lines;
  f.connection->set_on_data([&](Connection&, Buffer& input) {
    for (auto end = input.view().find('\n'); end != std::string_view::npos;
         end = input.view().find('\n')) {
      lines.emplace_back(input.view().substr(0, end));
      input.consume(end + 1);
    }
  });
  f.connection->start();
  f.peer.write_all("one\ntw");
  // Under injected short reads "tw" may come in two deliveries: wait for both.
  ASSERT_TRUE(
      run_until(f.loop, [&] { return lines.size() == 1 && f.connection->bytes_read() == 6; }));
  EXPECT_EQ(f.connection->input().view(), "tw");
  f.peer.write_all("o\nthree\n");
  ASSERT_TRUE(run_until(f.loop, [&] { return lines.size() == 3; }));
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "three"}));
}

TEST(L03_Connection, AReplacedHandlerReceivesTheBytesAlreadyBuffered) {
  // An HTTP -> WebSocket upgrade: the bytes after the request may already hold the first frame;
  // they must reach the new handler without waiting for more input.
  Fixture f;
  std::string upgraded;
  f.connection->set_on_data([&](Connection& self, Buffer& input) {
    if (input.size() < 8) return;  // injected short reads (DUPLEX_FAULT_SEED) deliver pieces
    ASSERT_EQ(input.view().substr(0, 8), "UPGRADE\n");
    input.consume(8);
    self.set_on_data([&](Connection&, Buffer& rest) {
      upgraded += rest.view();
      rest.consume(rest.size());
    });
  });
  f.peer.write_all("UPGRADE\nframe-bytes");
  f.connection->start();
  ASSERT_TRUE(run_until(f.loop, [&] { return upgraded.size() >= 11; }));
  EXPECT_EQ(upgraded, "frame-bytes");
}

TEST(L03_Connection, EchoesAndWatchesWritabilityOnlyWhileOutputPends) {
  ConnectionLimits limits;
  limits.high_water = 64 << 20;  // no backpressure in this test
  Fixture f(limits);
  f.connection->start();
  std::string big(8 << 20, 'b');
  f.connection->send(big);
  EXPECT_FALSE(f.connection->waiting_to_write()) << "send() only queues";
  f.loop.run_once(0ms);
  // The peer reads nothing yet: the kernel takes part, the rest waits and EPOLLOUT is armed.
  EXPECT_GT(f.connection->bytes_queued(), 0U);
  EXPECT_TRUE(f.connection->waiting_to_write());
  std::size_t received = 0;
  ASSERT_TRUE(run_until(f.loop, [&] {
    received += drain_available(f.peer);
    return received == big.size();
  }));
  EXPECT_EQ(f.connection->bytes_queued(), 0U);
  EXPECT_FALSE(f.connection->waiting_to_write());
}

#if DUPLEX_LESSON >= 12
// lesson12-no-speculative-epollout: a reply queued in a round is written when the round ends;
// recomputing the interest in between (here resume_reading(), as HTTP did after every request)
// must not arm EPOLLOUT for output the socket is about to take. Before: two epoll_ctl per echo.
TEST(L12_Connection, AReplyTheRoundEndWriteTakesArmsNoEpollout) {
  Fixture f;
  f.connection->set_on_data([](Connection& self, Buffer& input) {
    self.send(input.view());
    input.consume(input.size());
    self.resume_reading();
    EXPECT_FALSE(self.waiting_to_write());
  });
  f.connection->start();
  std::uint64_t before = f.loop.interest_changes();
  for (int i = 0; i < 10; ++i) {
    f.peer.write_all("ping");
    std::size_t received = 0;
    ASSERT_TRUE(run_until(f.loop, [&] {
      received += drain_available(f.peer);
      return received == 4;
    }));
  }
  EXPECT_EQ(f.loop.interest_changes() - before, 0U);
  EXPECT_EQ(f.connection->bytes_written(), 40U);
}
#endif

TEST(L03_Connection, OnDrainRunsOnceTheWaitingOutputIsWritten) {
  ConnectionLimits limits;
  limits.high_water = 64 << 20;
  Fixture f(limits);
  int drained = 0;
  f.connection->set_on_drain([&](Connection& self) {
    EXPECT_EQ(self.bytes_queued(), 0U);
    ++drained;
  });
  f.connection->start();
  f.connection->send("small");
  ASSERT_TRUE(run_until(f.loop, [&] { return f.connection->bytes_written() == 5; }));
  EXPECT_EQ(drained, 0) << "written at once: nothing waited, no drain event";
  std::string big(8 << 20, 'd');
  f.connection->send(big);
  f.loop.run_once(0ms);
  ASSERT_TRUE(f.connection->waiting_to_write());
  std::size_t received = 0;
  ASSERT_TRUE(run_until(f.loop, [&] {
    received += drain_available(f.peer);
    return received == big.size() + 5 && drained > 0;
  }));
  EXPECT_EQ(drained, 1);
}

TEST(L03_Connection, BackpressureStopsReadingAndResumesWhenOutputDrains) {
  // A peer that sends and never reads its echoes must not make the server buffer without bound.
  ConnectionLimits limits;
  limits.high_water = 256 << 10;
  limits.low_water = 64 << 10;
  Fixture f(limits);
  f.echo();
  f.connection->start();
  std::size_t sent = write_until_full(f.peer, [&] { f.loop.run_once(0ms); });
  EXPECT_FALSE(f.connection->reading());
  EXPECT_GT(f.connection->bytes_queued(), limits.high_water);
  // Bounded: at most one wake-up's worth of reading past the high-water mark.
  EXPECT_LE(f.connection->bytes_queued(), limits.high_water + limits.max_read_per_wakeup);
  EXPECT_GT(sent, f.connection->bytes_queued()) << "the rest waits in the kernel buffers";
  // The peer now reads: output drains, reading resumes, every byte comes back.
  std::size_t received = 0;
  bool resumed = false;
  ASSERT_TRUE(run_until(f.loop, [&] {
    received += drain_available(f.peer);
    resumed = resumed || f.connection->reading();
    return received == sent;
  }));
  EXPECT_TRUE(resumed);
  EXPECT_TRUE(f.connection->reading());
  EXPECT_EQ(f.connection->bytes_read(), sent);
}

TEST(L03_Connection, PauseReadingLeavesBytesInTheKernel) {
  Fixture f;
  std::string got;
  f.connection->set_on_data([&](Connection&, Buffer& input) {
    got += input.view();
    input.consume(input.size());
  });
  f.connection->start();
  f.connection->pause_reading();
  f.peer.write_all("held");
  f.loop.run_once(20ms);
  EXPECT_EQ(got, "");
  f.connection->resume_reading();
  ASSERT_TRUE(run_until(f.loop, [&] { return got == "held"; }));
}

TEST(L03_Connection, PeerFinDeliversTheDataThenClosesWithPeerClosed) {
  Fixture f;
  f.echo();
  f.connection->start();
  f.peer.write_all("last words");
  f.peer.shutdown_write();
  ASSERT_TRUE(f.wait_closed());
  EXPECT_EQ(f.closed.reason, CloseReason::kPeerClosed);
  // The echo of the data that came with the FIN is flushed before the close.
  EXPECT_EQ(testing::read_to_end(f.peer), "last words");
  EXPECT_FALSE(f.connection->is_open());
}

TEST(L03_Connection, IdleConnectionIsClosedByItsTimer) {
  ConnectionLimits limits;
  limits.idle_timeout = 30ms;
  Fixture f(limits);
  f.echo();
  f.connection->start();
  ASSERT_TRUE(run_until(f.loop, [&] { return f.connection->is_closing(); }));
  EXPECT_EQ(testing::read_to_end(f.peer), "");  // our FIN: end of stream, no reset
  f.peer.shutdown_write();                      // the peer's FIN completes the close
  ASSERT_TRUE(f.wait_closed());
  EXPECT_EQ(f.closed.reason, CloseReason::kIdleTimeout);
}

TEST(L03_Connection, GracefulCloseFlushesEverythingQueuedFirst) {
  Fixture f;
  f.connection->start();
  std::string big(4 << 20, 'g');
  f.connection->send(big);
  f.connection->close();
  EXPECT_TRUE(f.connection->is_closing());
  f.connection->send("dropped: sent after close()");
  std::size_t received = 0;
  ASSERT_TRUE(run_until(f.loop, [&] {
    received += drain_available(f.peer);
    return received == big.size();
  }));
  EXPECT_EQ(testing::read_to_end(f.peer), "") << "then FIN";
  f.peer.shutdown_write();
  ASSERT_TRUE(f.wait_closed());
  EXPECT_EQ(f.closed.reason, CloseReason::kClosedByUs);
}

TEST(L03_Connection, LingerTimeoutBoundsAGracefulCloseToAPeerThatNeverReads) {
  ConnectionLimits limits;
  limits.linger_timeout = 30ms;
  Fixture f(limits);
  f.connection->start();
  f.connection->send(std::string(8 << 20, 'n'));
  f.connection->close();
  ASSERT_TRUE(f.wait_closed());
  EXPECT_EQ(f.closed.reason, CloseReason::kClosedByUs);
}

TEST(L03_Connection, AbortInsideTheHandlerDropsTheLastReferenceSafely) {
  // The handler aborts and the owner forgets the connection while it is still on the stack;
  // the object must live until the dispatch returns (AddressSanitizer checks).
  Fixture f;
  f.connection->set_on_data([&](Connection& self, Buffer&) {
    self.send("never sent");
    self.abort();
    f.connection.reset();
    EXPECT_FALSE(self.is_open());
    EXPECT_FALSE(f.closed.called) << "on_close waits for the end of the round";
  });
  f.connection->start();
  f.peer.write_all("x");
  ASSERT_TRUE(f.wait_closed());
  EXPECT_EQ(f.closed.reason, CloseReason::kClosedByUs);
  EXPECT_EQ(f.connection, nullptr);
  EXPECT_EQ(testing::read_to_end(f.peer), "");
}

TEST(L03_Connection, ResetByPeerReportsTheError) {
  Fixture f;
  f.echo();
  f.connection->start();
  // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
  linger hard{1, 0};
  ASSERT_EQ(setsockopt(f.peer.fd().get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard), 0);
  f.peer = TcpStream(Fd());
  ASSERT_TRUE(f.wait_closed());
  EXPECT_EQ(f.closed.reason, CloseReason::kError);
  EXPECT_EQ(f.closed.error, ECONNRESET);
}

TEST(L03_Connection, CloseNotificationComesAfterTheHandlerThatAborted) {
  // Callers need no guard against being freed mid-call: inside the handler the connection is
  // closed at once, later sends are dropped, the handler runs to its end, and on_close comes
  // after it, at the end of the round.
  Fixture f;
  std::vector<std::string> events;
  f.connection->set_on_close([&](Connection&, CloseReason reason, int) {
    events.push_back(std::string("close: ") + to_string(reason));
  });
  f.connection->set_on_data([&](Connection& self, Buffer& input) {
    input.consume(input.size());
    self.abort();
    events.push_back("aborted");
    EXPECT_FALSE(self.is_open());
    self.send("dropped");
    EXPECT_EQ(self.bytes_queued(), 0U);
    self.close();
    events.push_back("handler done");
  });
  f.connection->start();
  f.peer.write_all("x");
  ASSERT_TRUE(run_until(f.loop, [&] { return events.size() == 3; }));
  EXPECT_EQ(events, (std::vector<std::string>{"aborted", "handler done", "close: closed by us"}));
  EXPECT_EQ(testing::read_to_end(f.peer), "");
}

TEST(L03_Connection, SendNeverCallsOnCloseEvenOnADeadSocket) {
  // A send() that wrote at once would fail on a reset socket and close from inside the call:
  // the caller's next line would run on a closed (maybe freed) object.
  Fixture f;
  f.connection->start();
  linger hard{1, 0};
  ASSERT_EQ(setsockopt(f.peer.fd().get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard), 0);
  f.peer = TcpStream(Fd());
  f.connection->send("into the void");
  f.connection->send("and again");
  EXPECT_FALSE(f.closed.called);
  ASSERT_TRUE(f.wait_closed());
  EXPECT_EQ(f.closed.reason, CloseReason::kError);
}

TEST(L03_Connection, CloseHandlerRunsExactlyOnce) {
  Fixture f;
  int calls = 0;
  f.connection->set_on_close([&](Connection&, CloseReason, int) { ++calls; });
  f.connection->start();
  f.connection->abort();
  f.connection->abort();
  f.connection->close();
  EXPECT_EQ(calls, 0) << "never from inside abort()";
  f.loop.run_once(0ms);
  EXPECT_EQ(calls, 1);
  f.loop.run_once(0ms);
  EXPECT_EQ(calls, 1);
}

#if DUPLEX_LESSON >= 13
// Lesson 13's Transport lets a test count the system calls; the two tests below pin lesson 12's
// "one read per wake-up".
// Counts the reads and writes a connection makes, passing them to the real system calls.
class CountingTransport final : public Transport {
 public:
  explicit CountingTransport(int* reads, int* sends = nullptr) : reads_(reads), sends_(sends) {}
  ssize_t read(int fd, void* data, std::size_t size) override {
    ++*reads_;
    return system_transport().read(fd, data, size);
  }
  ssize_t send(int fd, const void* data, std::size_t size) override {
    if (sends_ != nullptr) ++*sends_;
    return system_transport().send(fd, data, size);
  }
  ssize_t sendfile(int socket_fd, int file_fd, off_t* offset, std::size_t count) override {
    if (sends_ != nullptr) ++*sends_;
    return system_transport().sendfile(socket_fd, file_fd, offset, count);
  }
  ssize_t send_message(int fd, const msghdr& message) override {
    if (sends_ != nullptr) ++*sends_;
    return system_transport().send_message(fd, message);
  }

 private:
  int* reads_;
  int* sends_;
};

TEST(L03_Connection, AShortReadEndsTheWakeUpWithoutAFailingRead) {
  // A read that returns less than asked has drained the socket: one more read() would only
  // fail with EAGAIN, a wasted system call on every wake-up.
  Fixture f;
  f.echo();
  int reads = 0;
  f.connection->set_transport(std::make_unique<CountingTransport>(&reads));
  f.connection->start();
  f.peer.write_all("ping");
  ASSERT_TRUE(run_until(f.loop, [&] { return f.connection->bytes_written() == 4; }));
  EXPECT_EQ(reads, 1);
  char got[4];
  f.peer.read_exact(got);
  EXPECT_EQ(std::string_view(got, 4), "ping");
  // The FIN that follows is not lost: the level-triggered loop reports it on a later round.
  f.peer.shutdown_write();
  ASSERT_TRUE(f.wait_closed());
  EXPECT_EQ(f.closed.reason, CloseReason::kPeerClosed);
  EXPECT_EQ(reads, 2);
}

TEST(L03_Connection, AFullReadReadsAgainWithinTheBudget) {
  // 100 KiB waiting: the first 64 KiB read comes back full, so the socket may hold more and the
  // same wake-up reads on; everything arrives in one delivery. A Unix stream socket, because it
  // queues all 100 KiB at once (TCP's initial window could hold part back until we read).
  EventLoop loop;
  auto [peer, server] = testing::socket_pair();
  auto connection = Connection::create(loop, std::move(server).release_fd());
  std::vector<std::size_t> deliveries;
  connection->set_on_data([&](Connection&, Buffer& input) {
    deliveries.push_back(input.size());
    input.consume(input.size());
  });
  int reads = 0;
  connection->set_transport(std::make_unique<CountingTransport>(&reads));
  peer.write_all(std::string(100 << 10, 'x'));
  connection->start();
  ASSERT_TRUE(run_until(loop, [&] { return connection->bytes_read() == (100U << 10); }));
  EXPECT_EQ(deliveries, (std::vector<std::size_t>{100U << 10}));
  EXPECT_EQ(reads, 2);
  connection->abort();
}
#endif

#if DUPLEX_LESSON >= 12
TEST(L12_Connection, ASocketKnownToBeNonBlockingIsTakenAsItIs) {
  // kNonBlocking skips the fcntl() pair, so a socket that is in fact blocking stays blocking;
  // without it (kUnknown, the default) O_NONBLOCK is set as before.
  EventLoop loop;
  auto [client, server] = testing::tcp_pair();
  auto [other_client, other_server] = testing::tcp_pair();
  auto trusted =
      Connection::create(loop, std::move(server).release_fd(), {}, Blocking::kNonBlocking);
  auto checked =
      Connection::create(loop, std::move(other_server).release_fd(), {}, Blocking::kUnknown);
  EXPECT_EQ(fcntl(trusted->fd(), F_GETFL) & O_NONBLOCK, 0);
  EXPECT_NE(fcntl(checked->fd(), F_GETFL) & O_NONBLOCK, 0);
}

TEST(L12_Connection, AnIdleConnectionHoldsNoBufferAndTheLoopReusesTheStorage) {
  // 10,000 idle connections must not hold 10,000 buffers; a busy one must not go to malloc and
  // free (and glibc to brk) on every read: the loop's pool sits between the two.
  Fixture f;
  f.echo();
  f.connection->start();
  const BufferPool& pool = f.loop.buffer_pool();
  char got[4];
  f.peer.write_all("ping");
  ASSERT_TRUE(run_until(f.loop, [&] { return f.connection->bytes_written() == 4; }));
  f.peer.read_exact(got);
  EXPECT_EQ(f.connection->buffer_capacity(), 0U);
  EXPECT_EQ(f.connection->input().capacity(), 0U);
  std::uint64_t misses = pool.misses();
  std::size_t pooled = pool.blocks();
  EXPECT_GT(pooled, 0U);
  for (int round = 0; round < 5; ++round) {
    f.peer.write_all("pong");
    ASSERT_TRUE(
        run_until(f.loop, [&] { return f.connection->bytes_written() == 8U + 4U * round; }));
    f.peer.read_exact(got);
    EXPECT_EQ(std::string_view(got, 4), "pong");
    EXPECT_EQ(f.connection->buffer_capacity(), 0U);
  }
  EXPECT_EQ(pool.misses(), misses);  // every later round was served from the pool
  EXPECT_EQ(pool.blocks(), pooled);
  EXPECT_GE(pool.hits(), 10U);  // input and output, five rounds
}

TEST(L12_Connection, TheBuffersOfAClosedConnectionGoBackToThePool) {
  Fixture f;
  f.connection->set_on_data([](Connection&, Buffer&) {});  // keeps every byte: a partial message
  f.connection->start();
  f.peer.write_all("half a mess");
  ASSERT_TRUE(run_until(f.loop, [&] { return f.connection->bytes_read() == 11; }));
  EXPECT_GT(f.connection->buffer_capacity(), 0U);
  std::size_t pooled = f.loop.buffer_pool().blocks();
  f.connection->abort();
  f.connection.reset();
  f.loop.run_once(0ms);  // the loop holds the connection until its close notification
  EXPECT_EQ(f.loop.buffer_pool().blocks(), pooled + 1);
}

ConnectionLimits lingering_for_a_minute() {
  ConnectionLimits limits;
  limits.linger_timeout = 60s;  // far beyond run_until's timeout: only the peer's FIN ends a linger
  return limits;
}

// Appends what the peer can read now to `into`; returns how many bytes that was.
std::size_t receive_available(TcpStream& stream, std::string& into) {
  std::size_t before = into.size();
  char chunk[64 * 1024];
  while (true) {
    ssize_t n = ::recv(stream.fd().get(), chunk, sizeof chunk, MSG_DONTWAIT);
    if (n <= 0) return into.size() - before;
    into.append(chunk, static_cast<std::size_t>(n));
  }
}

std::shared_ptr<const std::string> shared_pattern(std::size_t size, char first) {
  auto bytes = std::make_shared<std::string>(size, '\0');
  for (std::size_t i = 0; i < size; ++i) (*bytes)[i] = static_cast<char>(first + i % 23);
  return bytes;
}

TEST(L12_Connection, SharedBytesLeaveInOrderWithTheBytesAroundThem) {
  // More than the socket takes at once, so the gathered writes end in the middle of a run.
  Fixture f;
  auto big = shared_pattern(3 << 20, 'a');
  auto small = shared_pattern(5, 'A');
  std::weak_ptr<const std::string> big_share = big;
  std::string expected = "head " + *big + " between " + *small + " end";
  f.connection->start();
  f.connection->send("head ");
  f.connection->send_shared(std::move(big));
  f.connection->send(" between ");
  f.connection->send_shared(std::move(small));
  f.connection->send(" end");
  EXPECT_EQ(f.connection->bytes_queued(), expected.size());
  EXPECT_FALSE(big_share.expired()) << "the connection keeps its share until it is written";
  std::string received;
  ASSERT_TRUE(run_until(f.loop, [&] {
    receive_available(f.peer, received);
    return received.size() >= expected.size();
  }));
  EXPECT_TRUE(received == expected) << "the bytes arrived out of order or changed";
  EXPECT_EQ(f.connection->bytes_queued(), 0U);
  EXPECT_TRUE(big_share.expired()) << "written: the share is given back";
}

TEST(L12_Connection, SharedBytesCountTowardsBackpressure) {
  // A peer that asks for the same shared body again and again and reads nothing must still
  // meet high_water, or every request would add to the queue for free.
  Fixture f;
  f.connection->set_on_data([](Connection& self, Buffer& input) {
    self.send_shared(shared_pattern(8 << 20, 'a'));
    input.consume(input.size());
  });
  f.connection->start();
  f.peer.write_all("x");
  ASSERT_TRUE(run_until(f.loop, [&] { return f.connection->bytes_read() == 1; }));
  EXPECT_TRUE(run_until(f.loop, [&] { return !f.connection->reading(); }))
      << "8 MiB unread and still reading";
  EXPECT_GT(f.connection->bytes_queued(), f.connection->limits().high_water);
}

TEST(L12_Connection, CloseWithoutLingerClosesOnceTheOutputIsWrittenWithoutThePeersFin) {
  Fixture f(lingering_for_a_minute());
  f.connection->start();
  f.connection->send("bye");
  f.connection->close_without_linger();
  EXPECT_TRUE(f.connection->is_closing());
  ASSERT_TRUE(f.wait_closed()) << "waited for a FIN the peer never sent";
  EXPECT_EQ(f.closed.reason, CloseReason::kClosedByUs);
  EXPECT_EQ(testing::read_to_end(f.peer), "bye");  // the reply, then our FIN: no reset
}

// Segments the kernel has received on `stream` (TCP_INFO's tcpi_segs_in, RFC 4898).
std::uint32_t segments_received(TcpStream& stream) {
  tcp_info info{};
  socklen_t size = sizeof info;
  EXPECT_EQ(::getsockopt(stream.fd().get(), IPPROTO_TCP, TCP_INFO, &info, &size), 0);
  return info.tcpi_segs_in;
}

TEST(L12_Connection, CloseWithoutLingerPutsItsFinOnTheLastBytes) {
  // The peer sends nothing here, so nothing of ours is an ACK: after the handshake exactly one
  // segment arrives, the reply with the FIN on it. Sent apart, they are two. Both ways of
  // writing: one send of plain bytes, and the gathered write of a shared run.
  for (bool shared : {false, true}) {
    Fixture f(lingering_for_a_minute());
    f.connection->start();
    std::uint32_t before = segments_received(f.peer);
    f.connection->send("bye");
    if (shared) f.connection->send_shared(std::make_shared<const std::string>(" now"));
    f.connection->close_without_linger();
    ASSERT_TRUE(f.wait_closed());
    EXPECT_EQ(testing::read_to_end(f.peer), shared ? "bye now" : "bye");
    EXPECT_EQ(segments_received(f.peer) - before, 1U)
        << "the reply and the FIN came apart (shared: " << shared << ")";
  }
}

TEST(L12_Connection, CloseWithoutLingerLingersWhenThePeerSentMoreThanWasRead) {
  // Bytes left in the input mean the peer did not stop sending: the graceful close, as close().
  Fixture f(lingering_for_a_minute());
  f.connection->set_on_data([](Connection&, Buffer&) {});  // consumes nothing
  f.connection->start();
  f.peer.write_all("more");
  ASSERT_TRUE(run_until(f.loop, [&] { return f.connection->bytes_read() == 4; }));
  f.connection->send("bye");
  f.connection->close_without_linger();
  std::size_t received = 0;
  ASSERT_TRUE(run_until(f.loop, [&] {
    received += drain_available(f.peer);
    return received == 3;
  }));
  EXPECT_EQ(testing::read_to_end(f.peer), "") << "our FIN came with the reply";
  EXPECT_TRUE(f.connection->is_closing()) << "closed without waiting for the peer's FIN";
  EXPECT_FALSE(f.closed.called);
  f.peer.shutdown_write();
  ASSERT_TRUE(f.wait_closed());
  EXPECT_EQ(f.closed.reason, CloseReason::kClosedByUs);
}
#endif

TEST(L03_Connection, SendingABufferTakesItsStorageWhenNothingIsQueued) {
  Fixture f;
  Buffer message;
  message.append("built elsewhere");
  f.connection->send(message);  // not started: queued, not written
  EXPECT_TRUE(message.empty());
  EXPECT_EQ(message.capacity(), 0U);  // it got the empty output's (absent) storage back
  EXPECT_EQ(f.connection->bytes_queued(), 15U);
  f.connection->start();
  // Under injected faults the first write may be short: the loop writes the rest.
  ASSERT_TRUE(run_until(f.loop, [&] { return f.connection->bytes_written() == 15; }));
  char got[15];
  f.peer.read_exact(got);
  EXPECT_EQ(std::string_view(got, 15), "built elsewhere");
}

TEST(L03_Connection, SendingABufferBehindQueuedBytesAppendsInOrder) {
  // The swap is only allowed while the output is empty: swapping behind queued bytes would
  // reorder (or drop) them.
  Fixture f;
  f.connection->send("first ");
  Buffer message;
  message.append("second");
  f.connection->send(message);
  EXPECT_TRUE(message.empty());
  EXPECT_GT(message.capacity(), 0U);  // copied, so it keeps its storage for the next message
  f.connection->start();
  ASSERT_TRUE(run_until(f.loop, [&] { return f.connection->bytes_written() == 12; }));
  char got[12];
  f.peer.read_exact(got);
  EXPECT_EQ(std::string_view(got, 12), "first second");
}

TEST(L03_Connection, AnEchoHandlerMaySendItsInputBuffer) {
  Fixture f;
  f.connection->set_on_data([](Connection& self, Buffer& input) { self.send(input); });
  f.connection->start();
  f.peer.write_all("mirror");
  char got[6];
  ASSERT_TRUE(run_until(f.loop, [&] { return f.connection->bytes_written() == 6; }));
  f.peer.read_exact(got);
  EXPECT_EQ(std::string_view(got, 6), "mirror");
  EXPECT_EQ(f.connection->buffer_capacity(), 0U);
}

// An unlinked temporary file holding `content`.
Fd temp_file(std::string_view content) {
  char path[] = "/tmp/duplex-connection-XXXXXX";
  Fd file(::mkstemp(path));
  EXPECT_TRUE(file);
  ::unlink(path);
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(file.get(), content.data() + done, content.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  EXPECT_EQ(done, content.size());
  return file;
}

// Bytes that differ at every position, so a lost, doubled or reordered byte shows.
std::string pattern(std::size_t size, unsigned salt) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>((i * 131 + i / 251 + salt) & 0xff);
  }
  return bytes;
}

std::string read_exactly(TcpStream& stream, std::size_t size) {
  std::string got(size, '\0');
  stream.read_exact(got);
  return got;
}

#if DUPLEX_LESSON >= 13
// Counted through lesson 13's Transport (CountingTransport above).
TEST(L03_Connection, RepliesFromAHandlerATimerAndATaskInOneRoundLeaveInOneWrite) {
  // The cork covers the whole round, not just the data handler: a reply from a timer or a posted
  // task due in the same round joins the handler's in one send().
  EventLoop loop;
  auto [peer, server] = testing::socket_pair();
  auto connection = Connection::create(loop, std::move(server).release_fd());
  int reads = 0;
  int sends = 0;
  connection->set_transport(std::make_unique<CountingTransport>(&reads, &sends));
  connection->set_on_data([](Connection& self, Buffer& input) {
    self.send("handler;");
    input.consume(input.size());
  });
  connection->start();
  peer.write_all("go");
  loop.run_after(0ms, [&] { connection->send("timer;"); });
  connection->post([&] { connection->send("task;"); });
  loop.run_once(1000ms);
  EXPECT_EQ(reads, 1) << "the data, the timer and the task were all due in this round";
  EXPECT_EQ(sends, 1);
  EXPECT_EQ(read_exactly(peer, 19), "handler;timer;task;");
  connection->abort();
}
#endif

TEST(L03_Connection, FileSegmentsAndBytesLeaveInTheOrderQueued) {
  // Bytes, a file slice, bytes, a file larger than one wake-up's sendfile budget, bytes: the
  // peer must see exactly that concatenation, and the counters must count files too.
  Fixture f;
  std::string small = pattern(10'000, 1);
  std::string large = pattern(700'000, 2);
  f.connection->start();
  f.connection->send("head;");
  f.connection->send_file(temp_file(small), 100, 5'000);
  f.connection->send("middle;");
  f.connection->send_file(temp_file(large), 0, large.size());
  f.connection->send("tail");
  std::string expected = "head;" + small.substr(100, 5'000) + "middle;" + large + "tail";
  EXPECT_EQ(f.connection->bytes_queued(), expected.size());
  std::string got;
  std::vector<char> chunk(64 * 1024);
  ASSERT_TRUE(run_until(f.loop, [&] {
    ssize_t n = ::recv(f.peer.fd().get(), chunk.data(), chunk.size(), MSG_DONTWAIT);
    if (n > 0) got.append(chunk.data(), static_cast<std::size_t>(n));
    return got.size() >= expected.size();
  }));
  EXPECT_EQ(got, expected);
  EXPECT_EQ(f.connection->bytes_written(), expected.size());
  EXPECT_EQ(f.connection->bytes_queued(), 0U);
  EXPECT_FALSE(f.closed.called);
}

#if DUPLEX_LESSON >= 13
// Lesson 13's FaultyTransport makes the short writes and EAGAIN happen.
TEST(L03_Connection, FileSegmentsKeepTheirOrderUnderShortWritesAndEagain) {
  // Short sendfile() and send() calls and spurious EAGAIN at every step of the queue: a segment
  // boundary crossed in the middle of a partial write must resume exactly there.
  for (std::uint64_t seed : {1, 2, 3, 4}) {
    Fixture f;
    FaultPlan plan;
    plan.seed = seed;
    plan.short_write_percent = 70;
    plan.eagain_percent = 25;
    plan.eintr_percent = 10;
    auto transport = std::make_unique<FaultyTransport>(plan);
    FaultyTransport& faulty = *transport;
    f.connection->set_transport(std::move(transport));
    std::string file_bytes = pattern(300'000, static_cast<unsigned>(seed));
    f.connection->start();
    std::string expected;
    for (int i = 0; i < 5; ++i) {
      std::string bytes = "bytes " + std::to_string(i) + ";";
      f.connection->send(bytes);
      std::uint64_t offset = static_cast<std::uint64_t>(i) * 1000;
      std::uint64_t length = 20'000 + static_cast<std::uint64_t>(i) * 50'000;
      f.connection->send_file(temp_file(file_bytes), offset, length);
      expected += bytes + file_bytes.substr(offset, length);
    }
    std::string got;
    std::vector<char> chunk(64 * 1024);
    ASSERT_TRUE(run_until(f.loop,
                          [&] {
                            ssize_t n =
                                ::recv(f.peer.fd().get(), chunk.data(), chunk.size(), MSG_DONTWAIT);
                            if (n > 0) got.append(chunk.data(), static_cast<std::size_t>(n));
                            return got.size() >= expected.size() || f.closed.called;
                          }))
        << "seed " << seed;
    EXPECT_EQ(got, expected) << "seed " << seed;
    EXPECT_FALSE(f.closed.called) << "seed " << seed;
    EXPECT_GT(faulty.short_calls() + faulty.eagains(), 5U) << "seed " << seed;
  }
}
#endif

TEST(L03_Connection, AFileShorterThanPromisedAbortsAfterWhatItHad) {
  // The head promised more bytes than the file now holds: the peer must see a short body and
  // the end of the connection, never bytes that belong to something else.
  Fixture f;
  f.connection->start();
  f.connection->send("head;");
  f.connection->send_file(temp_file("only this"), 0, 100);
  f.connection->send("never sent");
  ASSERT_TRUE(f.wait_closed());
  EXPECT_EQ(f.closed.reason, CloseReason::kError);
  EXPECT_EQ(f.closed.error, EIO);
  EXPECT_EQ(testing::read_to_end(f.peer), "head;only this");
}

TEST(L03_Connection, SendTimeoutAbortsAPeerThatNeverReads) {
  // A peer that stops reading would hold our output and its socket forever: backpressure stops
  // us reading from it, only the send timeout ends it.
  ConnectionLimits limits;
  limits.high_water = 64 << 20;
  limits.send_timeout = 50ms;
  Fixture f(limits);
  f.connection->start();
  f.connection->send(std::string(16 << 20, 's'));
  ASSERT_TRUE(f.wait_closed());
  EXPECT_EQ(f.closed.reason, CloseReason::kSendTimeout);
  EXPECT_GT(f.connection->bytes_written(), 0U) << "the kernel buffers took their share first";
}

TEST(L03_Connection, SendTimeoutSparesASlowPeerThatKeepsReading) {
  // A peer on a thin link reads slowly but steadily: the timeout measures progress, not the
  // whole transfer, so it must not cut this one. The peer reads at most 32 KiB per 10 ms tick,
  // so 3 MiB take at least 96 ticks, about a second: far past the 200 ms send timeout. A Unix
  // stream socket, whose buffers do not grow the way TCP's autotuning does.
  ConnectionLimits limits;
  limits.high_water = 64 << 20;
  limits.send_timeout = 200ms;
  EventLoop loop;
  auto [peer, server] = testing::socket_pair();
  auto connection = Connection::create(loop, std::move(server).release_fd(), limits);
  bool closed = false;
  CloseReason reason = CloseReason::kClosedByUs;
  connection->set_on_close([&](Connection&, CloseReason why, int) {
    closed = true;
    reason = why;
  });
  connection->start();
  const std::size_t total = 3 << 20;
  connection->send(std::string(total, 'r'));
  std::size_t received = 0;
  int ticks = 0;
  std::vector<char> chunk(32 * 1024);
  Timer tick(loop);
  tick.start_every(10ms, [&] {
    ++ticks;
    ssize_t n = ::recv(peer.fd().get(), chunk.data(), chunk.size(), MSG_DONTWAIT);
    if (n > 0) received += static_cast<std::size_t>(n);
  });
  ASSERT_TRUE(run_until(
      loop, [&] { return received == total || closed; }, 30'000ms));
  EXPECT_FALSE(closed) << to_string(reason);
  EXPECT_EQ(received, total);
  EXPECT_GE(ticks, static_cast<int>(total / chunk.size()));
}

TEST(L03_Connection, AnExceptionFromTheDataHandlerClosesOnlyThatConnection) {
  // One error policy: the loop goes on, the other connections go on, the failing one is closed
  // with kApplicationError and the exception is reported.
  Fixture f;
  Fixture other;
  std::vector<std::string> reports;
  f.loop.set_error_sink([&](std::string_view line) { reports.emplace_back(line); });
  f.connection->set_on_data([](Connection&, Buffer&) { throw std::runtime_error("handler bug"); });
  f.connection->start();
  f.peer.write_all("boom");
  ASSERT_TRUE(f.wait_closed());
  EXPECT_EQ(f.closed.reason, CloseReason::kApplicationError);
  ASSERT_EQ(reports.size(), 1U);
  EXPECT_EQ(reports[0], "uncaught exception in data handler: handler bug");
  other.echo();
  other.connection->start();
  other.peer.write_all("still here");
  ASSERT_TRUE(run_until(other.loop, [&] { return other.connection->bytes_written() == 10; }));
  EXPECT_EQ(read_exactly(other.peer, 10), "still here");
}

TEST(L03_Connection, AnExceptionFromAPostedTaskClosesItsConnection) {
  Fixture f;
  std::vector<std::string> reports;
  f.loop.set_error_sink([&](std::string_view line) { reports.emplace_back(line); });
  f.connection->start();
  f.connection->post([] { throw std::runtime_error("task bug"); });
  ASSERT_TRUE(f.wait_closed());
  EXPECT_EQ(f.closed.reason, CloseReason::kApplicationError);
  EXPECT_EQ(reports, (std::vector<std::string>{"uncaught exception in posted task: task bug"}));
}

TEST(L03_Connection, APostedTaskRunsOnlyWhileTheConnectionIsOpen) {
  Fixture f;
  f.connection->start();
  bool ran = false;
  f.connection->abort();
  f.connection->post([&] { ran = true; });
  f.loop.run_once(0ms);
  f.loop.run_once(0ms);
  EXPECT_FALSE(ran);
}

TEST(L03_Connection, ExceptionsOnAnotherLoopThreadCloseTheConnectionAndTheProcessGoesOn) {
  // On a loop thread other than the first, an exception escaping run() would end the process
  // (std::terminate). It must cost only the connection it came from.
  testing::LoopThread thread;
  std::promise<std::string> report;
  auto reported = report.get_future();
  thread.call([&] {
    thread.loop().set_error_sink(
        [&](std::string_view line) { report.set_value(std::string(line)); });
  });
  auto [client, server] = testing::tcp_pair();
  std::promise<CloseReason> closed;
  auto closed_future = closed.get_future();
  auto connection = thread.call([&, fd = std::move(server).release_fd()]() mutable {
    auto created = Connection::create(thread.loop(), std::move(fd));
    created->set_on_data([](Connection&, Buffer&) { throw std::logic_error("thread bug"); });
    created->set_on_close([&](Connection&, CloseReason reason, int) { closed.set_value(reason); });
    created->start();
    return created;
  });
  client.write_all("boom");
  ASSERT_EQ(closed_future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(closed_future.get(), CloseReason::kApplicationError);
  ASSERT_EQ(reported.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(reported.get(), "uncaught exception in data handler: thread bug");
  EXPECT_EQ(thread.call([] { return 42; }), 42) << "the loop thread still runs";
  thread.call([&] { connection.reset(); });
  EXPECT_TRUE(thread.stop());
}

}  // namespace
}  // namespace duplex::net
