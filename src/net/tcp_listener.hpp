// TcpListener: a listening TCP socket that accepts connections (lesson 01).
//
// socket() makes an endpoint, bind() gives it an address, listen() turns it into a listener
// with a queue (the backlog) of connections the kernel has completed the handshake for, and
// accept() takes the next one from that queue as a new connected socket.
#pragma once

#include <sys/socket.h>

#include "src/net/fd.hpp"
#include "src/net/socket_address.hpp"
#include "src/net/tcp_stream.hpp"

namespace duplex::net {

#if DUPLEX_LESSON >= 12
// Whether other sockets may listen on the same port (SO_REUSEPORT), for one event loop per
// core: each loop has its own listener on the one port and the kernel spreads new connections
// over them (lesson 12).
enum class PortSharing {
  kExclusive,  // no SO_REUSEPORT: the port is this socket's alone
  kJoin,       // SO_REUSEPORT before bind(): join the listeners that already share the port
  // The first of a group: bind() without SO_REUSEPORT, so a port anyone holds is refused as
  // "Address already in use" (another server of ours would otherwise join it silently), then
  // SO_REUSEPORT before listen(), so the group's kJoin listeners can bind the port it got.
  kLead,
};
#endif

class TcpListener {
 public:
  explicit TcpListener(Fd fd);

#if DUPLEX_LESSON >= 12
  // socket (CLOEXEC), SO_REUSEADDR (and SO_REUSEPORT if asked), bind, listen. Port 0 lets the
  // kernel pick a free port; local_address() reports it. Throws SystemError, e.g.
  // "bind 127.0.0.1:8080: Address already in use".
  static TcpListener listen(const SocketAddress& address, int backlog = SOMAXCONN,
                            bool reuse_port = false);
  // The same with a choice of PortSharing (reuse_port = true above is kJoin).
  static TcpListener listen(const SocketAddress& address, int backlog, PortSharing sharing);
#else
  // socket (CLOEXEC), SO_REUSEADDR, bind, listen. Port 0 lets the kernel pick a free port;
  // local_address() reports it. Throws SystemError, e.g.
  // "bind 127.0.0.1:8080: Address already in use".
  static TcpListener listen(const SocketAddress& address, int backlog = SOMAXCONN);
#endif

  // Blocks until a client connects; retries EINTR and ECONNABORTED. The new socket is CLOEXEC.
  TcpStream accept();
  SocketAddress local_address() const;  // the real port when bound to port 0
  const Fd& fd() const noexcept;

 private:
  Fd fd_;
};

}  // namespace duplex::net
