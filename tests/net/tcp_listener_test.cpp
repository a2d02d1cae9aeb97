// Tests for TcpListener (lesson 01): port 0, accept, CLOEXEC, bind errors, IPv6.
#include "src/net/tcp_listener.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "src/net/system_error.hpp"
#include "tests/support/net_sockets.hpp"

namespace duplex::net {
namespace {

using testing::kIoTimeout;

TEST(L01_TcpListener, PortZeroReportsTheRealPort) {
  auto listener = TcpListener::listen(SocketAddress::from_numeric("127.0.0.1", 0));
  auto local = listener.local_address();
  EXPECT_NE(local.port(), 0);
  EXPECT_EQ(local.to_string(), "127.0.0.1:" + std::to_string(local.port()));
}

TEST(L01_TcpListener, AcceptsAConnectionFromTheReportedAddress) {
  auto listener = TcpListener::listen(SocketAddress::from_numeric("127.0.0.1", 0));
  auto client = TcpStream::connect(listener.local_address());
  auto server = listener.accept();
  EXPECT_EQ(server.peer_address().to_string(), client.local_address().to_string());
  EXPECT_EQ(server.local_address().port(), listener.local_address().port());
}

// accept() on a socket made listening with the raw calls, not with listen(): this test checks
// accept() alone, so it still runs while listen() is the exercise not written yet.
TEST(L01_TcpListener, AcceptsOnASocketMadeListeningWithoutListen) {
  Fd raw(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(raw) << "socket";
  auto any_port = SocketAddress::from_numeric("127.0.0.1", 0);
  ASSERT_EQ(::bind(raw.get(), any_port.get(), any_port.length()), 0) << "bind";
  ASSERT_EQ(::listen(raw.get(), 1), 0) << "listen";
  TcpListener listener(std::move(raw));
  auto client = TcpStream::connect(listener.local_address());
  auto server = listener.accept();
  EXPECT_EQ(server.peer_address().to_string(), client.local_address().to_string());
  EXPECT_TRUE(::fcntl(server.fd().get(), F_GETFD) & FD_CLOEXEC) << "accept4 with SOCK_CLOEXEC";
}

TEST(L01_TcpListener, DescriptorsAreCloseOnExec) {
  auto listener = TcpListener::listen(SocketAddress::from_numeric("127.0.0.1", 0));
  auto client = TcpStream::connect(listener.local_address());
  auto server = listener.accept();
  for (int fd : {listener.fd().get(), client.fd().get(), server.fd().get()}) {
    EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC) << "fd " << fd;
  }
}

TEST(L01_TcpListener, SoReuseAddrIsSet) {
  auto listener = TcpListener::listen(SocketAddress::from_numeric("127.0.0.1", 0));
  int on = 0;
  socklen_t length = sizeof on;
  ASSERT_EQ(::getsockopt(listener.fd().get(), SOL_SOCKET, SO_REUSEADDR, &on, &length), 0);
  EXPECT_NE(on, 0);
}

// Two listeners on one port is the "busy port" every program must report cleanly.
TEST(L01_TcpListener, BusyPortNamesTheAddress) {
  auto first = TcpListener::listen(SocketAddress::from_numeric("127.0.0.1", 0));
  auto taken = first.local_address();
  try {
    TcpListener::listen(taken);
    FAIL() << "bound a port that is already listening";
  } catch (const SystemError& error) {
    EXPECT_EQ(error.error_number(), EADDRINUSE);
    EXPECT_EQ(std::string(error.what()), "bind " + taken.to_string() + ": Address already in use");
  }
}

#if DUPLEX_LESSON >= 12
TEST(L12_PortSharing, ReusePortLetsTwoListenersShareAPort) {
  auto first = TcpListener::listen(SocketAddress::from_numeric("127.0.0.1", 0), SOMAXCONN, true);
  auto second = TcpListener::listen(first.local_address(), SOMAXCONN, true);
  EXPECT_EQ(second.local_address().port(), first.local_address().port());
}

// Lesson 12 (one loop per core): a leader and a joiner share a port, and the kernel hands
// connections to both. 64 clients from 64 source ports all landing on one of two listeners
// would take a hash collision of odds 2^-63.
TEST(L12_PortSharing, LeaderAndJoinerShareAPortAndBothAccept) {
  auto leader = TcpListener::listen(SocketAddress::from_numeric("127.0.0.1", 0), SOMAXCONN,
                                    PortSharing::kLead);
  auto joiner = TcpListener::listen(leader.local_address(), SOMAXCONN, PortSharing::kJoin);
  ASSERT_EQ(joiner.local_address().port(), leader.local_address().port());
  constexpr int kClients = 64;
  std::vector<TcpStream> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(TcpStream::connect("127.0.0.1", leader.local_address().port()));
  }
  int accepted[2] = {0, 0};
  TcpListener* listeners[2] = {&leader, &joiner};
  auto deadline = std::chrono::steady_clock::now() + kIoTimeout;
  while (accepted[0] + accepted[1] < kClients && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 2; ++i) {
      pollfd ready{listeners[i]->fd().get(), POLLIN, 0};
      if (::poll(&ready, 1, 10) == 1) {
        listeners[i]->accept();
        ++accepted[i];
      }
    }
  }
  EXPECT_EQ(accepted[0] + accepted[1], kClients);
  EXPECT_GT(accepted[0], 0);
  EXPECT_GT(accepted[1], 0);
}

// A second server started on the port of a running one must fail with "Address already in
// use", not quietly join it and steal half its clients.
TEST(L12_PortSharing, ALeaderRefusesAPortSomeoneHolds) {
  auto group = TcpListener::listen(SocketAddress::from_numeric("127.0.0.1", 0), SOMAXCONN,
                                   PortSharing::kLead);
  auto plain = TcpListener::listen(SocketAddress::from_numeric("127.0.0.1", 0));
  for (const TcpListener* holder : {&group, &plain}) {
    try {
      TcpListener::listen(holder->local_address(), SOMAXCONN, PortSharing::kLead);
      FAIL() << "a leader bound the busy port " << holder->local_address().to_string();
    } catch (const SystemError& error) {
      EXPECT_EQ(error.error_number(), EADDRINUSE);
    }
  }
  // Joining needs a leader: a port held without SO_REUSEPORT stays its owner's.
  EXPECT_THROW(TcpListener::listen(plain.local_address(), SOMAXCONN, PortSharing::kJoin),
               SystemError);
}
#endif

TEST(L01_TcpListener, Ipv6Loopback) {
  if (!testing::ipv6_loopback_available()) GTEST_SKIP() << "::1 cannot be bound on this machine";
  auto listener = TcpListener::listen(SocketAddress::from_numeric("::1", 0));
  auto client = TcpStream::connect("::1", listener.local_address().port());
  client.set_receive_timeout(kIoTimeout);
  auto server = listener.accept();
  server.set_receive_timeout(kIoTimeout);
  EXPECT_EQ(client.peer_address().to_string(),
            "[::1]:" + std::to_string(listener.local_address().port()));
  client.write_all("over six");
  char got[8];
  server.read_exact(got);
  EXPECT_EQ(std::string(got, 8), "over six");
}

}  // namespace
}  // namespace duplex::net
