// Tests for TcpListener (lesson 01): port 0, accept, CLOEXEC, bind errors, IPv6.
#include "src/net/tcp_listener.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <string>

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

TEST(L01_TcpListener, ReusePortLetsTwoListenersShareAPort) {
  auto first = TcpListener::listen(SocketAddress::from_numeric("127.0.0.1", 0), SOMAXCONN, true);
  auto second = TcpListener::listen(first.local_address(), SOMAXCONN, true);
  EXPECT_EQ(second.local_address().port(), first.local_address().port());
}

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
