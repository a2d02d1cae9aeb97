// resolve(): from a host name or numeric address to socket addresses (lesson 01).
//
// getaddrinfo() turns "localhost", "example.org", "127.0.0.1" or "::1" into a list of IPv4 and
// IPv6 addresses to try in order. Names may resolve to several addresses (localhost is often
// both ::1 and 127.0.0.1); a client tries them one by one.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/net/socket_address.hpp"

namespace duplex::net {

// Resolves `host` for TCP. Numeric addresses are accepted as-is (with or without IPv6 brackets);
// names go through getaddrinfo. The result is never empty and has no duplicates. Throws
// ResolveError ("resolve nosuch.invalid: Name or service not known") on failure.
std::vector<SocketAddress> resolve(const std::string& host, std::uint16_t port);

// getaddrinfo reports its own error codes (EAI_*), not errno; this error carries one.
class ResolveError : public std::runtime_error {
 public:
  ResolveError(int gai_error, const std::string& host);
  int gai_error() const noexcept;

 private:
  int gai_error_;
};

}  // namespace duplex::net
