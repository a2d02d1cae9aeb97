// TcpStream (lessons 01 and 02): see tcp_stream.hpp.
#include "src/net/tcp_stream.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <optional>
#include <utility>

#include "src/net/resolve.hpp"
#include "src/net/system_error.hpp"

namespace duplex::net {

namespace {

void set_timeout(int fd, int option, std::chrono::milliseconds timeout, const char* doing) {
  auto ms = timeout.count() < 0 ? 0 : timeout.count();
  timeval value{};
  value.tv_sec = static_cast<time_t>(ms / 1000);
  value.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  if (::setsockopt(fd, SOL_SOCKET, option, &value, sizeof value) != 0) throw_errno(doing);
}

}  // namespace

UnexpectedEof::UnexpectedEof(std::size_t wanted, std::size_t got)
    : std::runtime_error("read: end of stream after " + std::to_string(got) + " of " +
                         std::to_string(wanted) + " bytes") {}

TcpStream::TcpStream(Fd fd) : fd_(std::move(fd)) {}

// @anchor lesson01-connect
TcpStream TcpStream::connect(const SocketAddress& address) {
  Fd fd(::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket");
  if (::connect(fd.get(), address.get(), address.length()) != 0) {
    if (errno != EINTR) throw_errno("connect " + address.to_string());
    // An interrupted connect() keeps going in the background; calling it again would fail with
    // EALREADY. Wait until the socket is writable and ask how the handshake ended.
    pollfd waiting{fd.get(), POLLOUT, 0};
    while (::poll(&waiting, 1, -1) < 0) {
      if (errno != EINTR) throw_errno("connect " + address.to_string());
    }
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
      throw_errno("connect " + address.to_string());
    }
    if (error != 0) throw SystemError(error, "connect " + address.to_string());
  }
  return TcpStream(std::move(fd));
}

TcpStream TcpStream::connect(const std::string& host, std::uint16_t port) {
  std::optional<SystemError> last_error;
  for (const SocketAddress& address : resolve(host, port)) {
    try {
      return connect(address);
    } catch (const SystemError& error) {
      last_error = error;
    }
  }
  throw *last_error;  // resolve() never returns an empty list
}

// @anchor lesson02-read-some
std::size_t TcpStream::read_some(std::span<char> into) {
  for (;;) {
    ssize_t n = ::recv(fd_.get(), into.data(), into.size(), 0);
    if (n >= 0) return static_cast<std::size_t>(n);
    // A signal arrived before any byte did: nothing was read, so asking again is safe.
    if (errno != EINTR) throw_errno("read");
  }
}

// @anchor lesson02-read-exact
void TcpStream::read_exact(std::span<char> into) {
  std::size_t got = 0;
  while (got < into.size()) {
    std::size_t n = read_some(into.subspan(got));
    if (n == 0) throw UnexpectedEof(into.size(), got);
    got += n;
  }
}

// @anchor lesson02-write-all
void TcpStream::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write");
    }
    // The kernel may take only part of it (its send buffer is full): send the rest next time.
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// @anchor lesson02-half-close
void TcpStream::shutdown_write() {
  if (::shutdown(fd_.get(), SHUT_WR) != 0) throw_errno("shutdown");
}

void TcpStream::set_receive_timeout(std::chrono::milliseconds timeout) {
  set_timeout(fd_.get(), SO_RCVTIMEO, timeout, "setsockopt SO_RCVTIMEO");
}

void TcpStream::set_send_timeout(std::chrono::milliseconds timeout) {
  set_timeout(fd_.get(), SO_SNDTIMEO, timeout, "setsockopt SO_SNDTIMEO");
}

SocketAddress TcpStream::local_address() const {
  return SocketAddress::of_socket(fd_.get());
}

SocketAddress TcpStream::peer_address() const {
  return SocketAddress::of_peer(fd_.get());
}

const Fd& TcpStream::fd() const noexcept {
  return fd_;
}

Fd TcpStream::release_fd() && {
  return std::move(fd_);
}

}  // namespace duplex::net
