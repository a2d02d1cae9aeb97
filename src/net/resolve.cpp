// resolve() (lesson 01): see resolve.hpp.
#include "src/net/resolve.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "src/net/system_error.hpp"

namespace duplex::net {

namespace {

std::string describe(int gai_error) {
  // EAI_SYSTEM means "look at errno instead".
  if (gai_error == EAI_SYSTEM) return std::strerror(errno);
  return ::gai_strerror(gai_error);
}

}  // namespace

ResolveError::ResolveError(int gai_error, const std::string& host)
    : std::runtime_error("resolve " + host + ": " + describe(gai_error)), gai_error_(gai_error) {}

int ResolveError::gai_error() const noexcept {
  return gai_error_;
}

// @anchor lesson01-resolve
std::vector<SocketAddress> resolve(const std::string& host, std::uint16_t port) {
  std::string name = host;
  // "[::1]" is how URLs write an IPv6 literal; getaddrinfo wants it bare.
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;  // IPv4 and IPv6
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  // AI_NUMERICSERV: the port is a number, never looked up in /etc/services.
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  std::string service = std::to_string(port);
  int status = ::getaddrinfo(name.c_str(), service.c_str(), &hints, &list);
  if (status != 0) throw ResolveError(status, host);
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(list, &::freeaddrinfo);

  std::vector<SocketAddress> addresses;
  for (const addrinfo* entry = list; entry != nullptr; entry = entry->ai_next) {
    if (entry->ai_family != AF_INET && entry->ai_family != AF_INET6) continue;
    SocketAddress address(entry->ai_addr, entry->ai_addrlen);
    bool seen = std::any_of(addresses.begin(), addresses.end(), [&](const SocketAddress& other) {
      return other.length() == address.length() &&
             std::memcmp(other.get(), address.get(), address.length()) == 0;
    });
    if (!seen) addresses.push_back(address);
  }
  if (addresses.empty()) throw ResolveError(EAI_NONAME, host);
  return addresses;
}

}  // namespace duplex::net
