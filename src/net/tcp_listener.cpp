// TcpListener (lesson 01; port sharing with SO_REUSEPORT: lesson 12): see tcp_listener.hpp.
#include "src/net/tcp_listener.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <utility>

#include "src/net/system_error.hpp"

namespace duplex::net {

TcpListener::TcpListener(Fd fd) : fd_(std::move(fd)) {}

#if DUPLEX_LESSON >= 12
TcpListener TcpListener::listen(const SocketAddress& address, int backlog, bool reuse_port) {
  return listen(address, backlog, reuse_port ? PortSharing::kJoin : PortSharing::kExclusive);
}

#endif
// @anchor lesson01-listen
#if DUPLEX_LESSON >= 12
TcpListener TcpListener::listen(const SocketAddress& address, int backlog, PortSharing sharing) {
#else
TcpListener TcpListener::listen(const SocketAddress& address, int backlog) {
#endif
  // @exercise lesson01-listen #five-calls
  // SOCK_CLOEXEC: a program we exec() must not inherit the listening socket (it would keep the
  // port open). Setting it here, atomically, leaves no window for another thread's fork+exec.
  Fd fd(::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket");
  int on = 1;
  // SO_REUSEADDR: bind even while old connections on this port sit in TIME_WAIT, so a
  // restarted server does not fail with "Address already in use" for a minute.
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0) {
    throw_errno("setsockopt SO_REUSEADDR");
  }
#if DUPLEX_LESSON >= 12
  auto reuse_port = [&fd, &on] {
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0) {
      throw_errno("setsockopt SO_REUSEPORT");
    }
  };
  if (sharing == PortSharing::kJoin) reuse_port();
#endif
  if (::bind(fd.get(), address.get(), address.length()) != 0) {
    throw_errno("bind " + address.to_string());
  }
#if DUPLEX_LESSON >= 12
  // @anchor lesson12-reuse-port
  // Linux checks SO_REUSEPORT against the sockets already on the port at bind() time, and
  // groups the listeners at listen() time: a leader that binds without it meets every holder
  // of the port as a conflict, and one that sets it now still founds a group others may join.
  if (sharing == PortSharing::kLead) reuse_port();
#endif
  if (::listen(fd.get(), backlog) != 0) throw_errno("listen " + address.to_string());
  return TcpListener(std::move(fd));
  // @exercise end
}

// @anchor lesson01-accept
TcpStream TcpListener::accept() {
  // @exercise lesson01-accept #two-habits-cloexec-and-eintr
  for (;;) {
    int client = ::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (client >= 0) return TcpStream(Fd(client));
    // EINTR: a signal interrupted the wait. ECONNABORTED: the client reset the connection
    // while it sat in the queue. Neither is the listener's fault; wait for the next one.
    if (errno != EINTR && errno != ECONNABORTED) throw_errno("accept");
  }
  // @exercise end
}

SocketAddress TcpListener::local_address() const {
  return SocketAddress::of_socket(fd_.get());
}

const Fd& TcpListener::fd() const noexcept {
  return fd_;
}

}  // namespace duplex::net
