// Tests for TcpStream (lessons 01 and 02): connect errors, partial reads and writes at every
// split, end of stream, half-close, timeouts, SIGPIPE.
#include "src/net/tcp_stream.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>
#include <thread>

#include "src/net/system_error.hpp"
#include "src/net/tcp_listener.hpp"
#include "tests/support/net_sockets.hpp"

namespace duplex::net {
namespace {

using namespace std::chrono_literals;
using testing::read_to_end;
using testing::socket_pair;
using testing::tcp_pair;

// A port nobody listens on: bind one, note it, close it.
std::uint16_t closed_port() {
  auto listener = TcpListener::listen(SocketAddress::from_numeric("127.0.0.1", 0));
  return listener.local_address().port();
}

TEST(L01_TcpStream, ConnectRefusedNamesTheCallTheAddressAndTheReason) {
  auto address = SocketAddress::from_numeric("127.0.0.1", closed_port());
  try {
    TcpStream::connect(address);
    FAIL() << "connected to a closed port";
  } catch (const SystemError& error) {
    EXPECT_EQ(error.error_number(), ECONNREFUSED);
    std::string what = error.what();
    EXPECT_EQ(what, "connect " + address.to_string() + ": Connection refused");
  }
}

TEST(L01_TcpStream, ConnectByNameTriesEveryAddress) {
  auto listener = TcpListener::listen(SocketAddress::from_numeric("127.0.0.1", 0));
  // "localhost" may resolve to ::1 first, where nobody listens: connect must go on to 127.0.0.1.
  auto client = TcpStream::connect("localhost", listener.local_address().port());
  auto server = listener.accept();
  EXPECT_EQ(server.peer_address().host(), "127.0.0.1");
}

TEST(L01_TcpStream, ConnectByNameReportsTheLastFailure) {
  try {
    TcpStream::connect("127.0.0.1", closed_port());
    FAIL();
  } catch (const SystemError& error) {
    EXPECT_NE(std::string(error.what()).find("Connection refused"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("connect 127.0.0.1:"), std::string::npos);
  }
}

TEST(L01_TcpStream, EchoesBytesBothWays) {
  auto [client, server] = tcp_pair();
  client.write_all("ping");
  char got[4];
  server.read_exact(got);
  server.write_all(std::string_view(got, 4));
  client.read_exact(got);
  EXPECT_EQ(std::string(got, 4), "ping");
}

TEST(L01_TcpStream, ReleaseFdHandsOverTheDescriptor) {
  auto [client, server] = socket_pair();
  int number = client.fd().get();
  Fd taken = std::move(client).release_fd();
  EXPECT_EQ(taken.get(), number);
  EXPECT_FALSE(client.fd().valid());  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_TRUE(testing::fd_is_open(number));
}

#if DUPLEX_LESSON >= 2
TEST(L02_TcpStream, ReadSomeReturnsZeroAtEndOfStream) {
  auto [a, b] = socket_pair();
  a.write_all("x");
  a.shutdown_write();
  char got[16];
  EXPECT_EQ(b.read_some(got), 1U);
  EXPECT_EQ(b.read_some(got), 0U);
  EXPECT_EQ(b.read_some(got), 0U);  // end of stream stays the end
}

// A read may return fewer bytes than asked: what is there, not what was requested.
TEST(L02_TcpStream, ReadSomeMayReturnFewerBytesThanAsked) {
  auto [a, b] = socket_pair();
  a.write_all("abc");
  char got[100];
  EXPECT_EQ(b.read_some(got), 3U);
}

// The sender's writes are not the reader's reads: bytes sent one at a time arrive complete
// and in order, whatever pieces read_exact has to assemble them from.
TEST(L02_TcpStream, ReadExactAssemblesOneByteWrites) {
  auto [a, b] = socket_pair();
  std::string message = "the quick brown fox";
  for (char c : message) a.write_all(std::string_view(&c, 1));
  std::string got(message.size(), '\0');
  b.read_exact(got);
  EXPECT_EQ(got, message);
}

// Reading one byte at a time is the smallest read a network can force on us: every byte value
// must still arrive exactly once and in order.
TEST(L02_TcpStream, OneByteReadsLoseNothing) {
  auto [a, b] = socket_pair();
  std::string message;
  for (int round = 0; round < 4; ++round) {
    for (int c = 0; c < 256; ++c) message += static_cast<char>(c);
  }
  a.write_all(message);
  a.shutdown_write();
  std::string got;
  char one[1];
  while (b.read_some(one) == 1) got += one[0];
  EXPECT_TRUE(got == message);
  EXPECT_EQ(got.size(), message.size());
}

TEST(L02_TcpStream, EverySplitOfAMessageArrivesIntact) {
  std::string message;
  for (int i = 0; i < 64; ++i) message += static_cast<char>('A' + i % 26);
  for (std::size_t cut = 0; cut <= message.size(); ++cut) {
    auto [a, b] = tcp_pair();
    a.write_all(std::string_view(message).substr(0, cut));
    a.write_all(std::string_view(message).substr(cut));
    a.shutdown_write();
    EXPECT_EQ(read_to_end(b), message) << "cut at " << cut;
  }
}

// A peer that stops half-way must be an error for read_exact, never a short success.
TEST(L02_TcpStream, ReadExactThrowsOnEarlyEndOfStream) {
  auto [a, b] = socket_pair();
  a.write_all("12345");
  a.shutdown_write();
  char got[10];
  try {
    b.read_exact(got);
    FAIL() << "read_exact returned with 5 of 10 bytes";
  } catch (const UnexpectedEof& error) {
    EXPECT_STREQ(error.what(), "read: end of stream after 5 of 10 bytes");
  }
}

TEST(L02_TcpStream, ReceiveTimeoutThrowsEagain) {
  auto [a, b] = socket_pair();
  b.set_receive_timeout(50ms);
  char got[1];
  try {
    b.read_some(got);
    FAIL() << "read returned without data";
  } catch (const SystemError& error) {
    EXPECT_TRUE(error.error_number() == EAGAIN || error.error_number() == EWOULDBLOCK);
    EXPECT_STREQ(error.what(), "read: Resource temporarily unavailable");
  }
}

// Half-close: the client says "no more from me" yet still receives the answer.
TEST(L02_TcpStream, HalfCloseServerSeesEndOfStreamAndCanStillWrite) {
  auto [client, server] = tcp_pair();
  client.write_all("question");
  client.shutdown_write();
  EXPECT_EQ(read_to_end(server), "question");
  server.write_all("answer");
  server.shutdown_write();
  EXPECT_EQ(read_to_end(client), "answer");
}

// Writing to a peer that has closed must be an EPIPE error, not a SIGPIPE that kills the
// process (the test would die here without MSG_NOSIGNAL).
TEST(L02_TcpStream, WriteToAClosedPeerIsAnErrorNotASignal) {
  auto [a, b] = socket_pair();
  { TcpStream gone = std::move(b); }
  try {
    a.write_all("hello?");
    FAIL() << "write to a closed peer succeeded";
  } catch (const SystemError& error) {
    EXPECT_EQ(error.error_number(), EPIPE);
  }
}

// Eight megabytes are far more than the two kernel buffers (fixed at 256 KiB each) can hold, so
// write_all must block and loop over partial writes while the reader drains 4 KiB at a time in
// another thread.
TEST(L02_TcpStream, WriteAllOfSeveralMegabytesToASlowReader) {
  auto [writer, reader] = tcp_pair();
  constexpr std::size_t kSize = 8 * 1024 * 1024;
  std::string payload(kSize, '\0');
  for (std::size_t i = 0; i < kSize; ++i) payload[i] = static_cast<char>(i * 131 % 251);

  // Fixed sizes switch off autotuning, which could otherwise grow them to many megabytes.
  int size = 256 * 1024;
  ASSERT_EQ(::setsockopt(writer.fd().get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size), 0);
  ASSERT_EQ(::setsockopt(reader.fd().get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size), 0);

  std::string received;
  std::string reader_error;
  std::thread reading([&reader = reader, &received, &reader_error] {
    try {
      char chunk[4096];
      while (std::size_t n = reader.read_some(chunk)) received.append(chunk, n);
    } catch (const std::exception& error) {
      reader_error = error.what();
    }
  });
  try {
    writer.write_all(payload);
    writer.shutdown_write();
  } catch (...) {
    reading.join();
    throw;
  }
  reading.join();
  EXPECT_EQ(reader_error, "");
  ASSERT_EQ(received.size(), payload.size());
  EXPECT_TRUE(received == payload);
}
#endif

}  // namespace
}  // namespace duplex::net
