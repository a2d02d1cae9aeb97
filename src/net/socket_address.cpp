// SocketAddress (lesson 01): see socket_address.hpp.
#include "src/net/socket_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <stdexcept>

#include "src/net/system_error.hpp"

namespace duplex::net {

SocketAddress::SocketAddress(const sockaddr* address, socklen_t length) {
  if (address == nullptr || length > sizeof storage_ ||
      (address->sa_family == AF_INET && length < sizeof(sockaddr_in)) ||
      (address->sa_family == AF_INET6 && length < sizeof(sockaddr_in6)) ||
      (address->sa_family != AF_INET && address->sa_family != AF_INET6)) {
    throw std::invalid_argument("SocketAddress: not an IPv4 or IPv6 address");
  }
  std::memcpy(&storage_, address, length);
  length_ = length;
}

SocketAddress SocketAddress::of_socket(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
    throw_errno("getsockname");
  }
  return SocketAddress(reinterpret_cast<const sockaddr*>(&storage), length);
}

SocketAddress SocketAddress::of_peer(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
    throw_errno("getpeername");
  }
  return SocketAddress(reinterpret_cast<const sockaddr*>(&storage), length);
}

SocketAddress SocketAddress::from_numeric(const std::string& host, std::uint16_t port) {
  sockaddr_in v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    return SocketAddress(reinterpret_cast<const sockaddr*>(&v4), sizeof v4);
  }
  sockaddr_in6 v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    return SocketAddress(reinterpret_cast<const sockaddr*>(&v6), sizeof v6);
  }
  throw std::invalid_argument("not a numeric IPv4 or IPv6 address: " + host);
}

const sockaddr* SocketAddress::get() const noexcept {
  return reinterpret_cast<const sockaddr*>(&storage_);
}

socklen_t SocketAddress::length() const noexcept {
  return length_;
}

int SocketAddress::family() const noexcept {
  return length_ == 0 ? AF_UNSPEC : storage_.ss_family;
}

std::uint16_t SocketAddress::port() const noexcept {
  // The port is stored in network byte order (big-endian) in both families.
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  }
  return 0;
}

std::string SocketAddress::host() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, text,
                sizeof text);
  } else if (family() == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, text,
                sizeof text);
  }
  return text;
}

std::string SocketAddress::to_string() const {
  if (family() == AF_UNSPEC) return "(no address)";
  // RFC 3986 §3.2.2: an IPv6 literal is bracketed so its colons are not read as the port's.
  if (family() == AF_INET6) return "[" + host() + "]:" + std::to_string(port());
  return host() + ":" + std::to_string(port());
}

}  // namespace duplex::net
