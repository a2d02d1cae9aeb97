// Socket helpers for the net tests (lessons 01 and 02): see net_sockets.hpp.
#include "tests/support/net_sockets.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include "src/net/socket_address.hpp"
#include "src/net/system_error.hpp"
#include "src/net/tcp_listener.hpp"

namespace duplex::testing {

namespace {

net::TcpStream with_timeouts(net::TcpStream stream) {
  stream.set_receive_timeout(kIoTimeout);
  stream.set_send_timeout(kIoTimeout);
  return stream;
}

}  // namespace

std::pair<net::TcpStream, net::TcpStream> socket_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    net::throw_errno("socketpair");
  }
  return {with_timeouts(net::TcpStream(net::Fd(fds[0]))),
          with_timeouts(net::TcpStream(net::Fd(fds[1])))};
}

std::pair<net::TcpStream, net::TcpStream> tcp_pair(const std::string& host) {
  auto listener = net::TcpListener::listen(net::SocketAddress::from_numeric(host, 0));
  // connect() completes as soon as the kernel has finished the handshake (the connection waits
  // in the accept queue), so connecting before accepting on one thread cannot block.
  auto client = with_timeouts(net::TcpStream::connect(listener.local_address()));
  auto server = with_timeouts(listener.accept());
  return {std::move(client), std::move(server)};
}

bool fd_is_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

std::string read_to_end(net::TcpStream& stream) {
  std::string all;
  char chunk[4096];
  while (std::size_t n = stream.read_some(chunk)) all.append(chunk, n);
  return all;
}

bool ipv6_loopback_available() {
  try {
    net::TcpListener::listen(net::SocketAddress::from_numeric("::1", 0));
    return true;
  } catch (const net::SystemError&) {
    return false;
  }
}

}  // namespace duplex::testing
