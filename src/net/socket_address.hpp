// SocketAddress: an IPv4 or IPv6 address and port (lesson 01).
//
// The socket API passes addresses as a `sockaddr*` plus a length, and the real type depends on
// the family (sockaddr_in for IPv4, sockaddr_in6 for IPv6). SocketAddress stores either in a
// sockaddr_storage, which is large enough for any family, and prints them the way URLs do:
// "127.0.0.1:8080" and "[::1]:8080".
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace duplex::net {

class SocketAddress {
 public:
  SocketAddress() = default;
  // Copies `length` bytes of an AF_INET or AF_INET6 address; throws std::invalid_argument for
  // another family or a length that does not fit.
  SocketAddress(const sockaddr* address, socklen_t length);

  static SocketAddress of_socket(int fd);  // getsockname: the local end
  static SocketAddress of_peer(int fd);    // getpeername: the remote end

  // Parses a numeric address ("127.0.0.1", "::1"; no names, no brackets). Throws
  // std::invalid_argument if `host` is not a numeric IPv4 or IPv6 address.
  static SocketAddress from_numeric(const std::string& host, std::uint16_t port);

  const sockaddr* get() const noexcept;
  socklen_t length() const noexcept;
  int family() const noexcept;  // AF_INET, AF_INET6, or AF_UNSPEC when empty
  std::uint16_t port() const noexcept;
  std::string host() const;       // "127.0.0.1", "::1" (no brackets)
  std::string to_string() const;  // "127.0.0.1:8080", "[::1]:8080"

 private:
  sockaddr_storage storage_{};
  socklen_t length_ = 0;
};

}  // namespace duplex::net
