// Tests for SocketAddress (lesson 01): both families, ports in host order, URL-style text.
#include "src/net/socket_address.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <stdexcept>

namespace duplex::net {
namespace {

TEST(L01_SocketAddress, Ipv4) {
  auto address = SocketAddress::from_numeric("127.0.0.1", 8080);
  EXPECT_EQ(address.family(), AF_INET);
  EXPECT_EQ(address.port(), 8080);
  EXPECT_EQ(address.length(), sizeof(sockaddr_in));
  EXPECT_EQ(address.host(), "127.0.0.1");
  EXPECT_EQ(address.to_string(), "127.0.0.1:8080");
}

TEST(L01_SocketAddress, Ipv6IsBracketed) {
  auto address = SocketAddress::from_numeric("::1", 443);
  EXPECT_EQ(address.family(), AF_INET6);
  EXPECT_EQ(address.port(), 443);
  EXPECT_EQ(address.to_string(), "[::1]:443");
}

TEST(L01_SocketAddress, PortIsStoredInNetworkOrder) {
  auto address = SocketAddress::from_numeric("10.0.0.1", 0x1234);
  const auto* raw = reinterpret_cast<const sockaddr_in*>(address.get());
  EXPECT_EQ(raw->sin_port, htons(0x1234));
}

TEST(L01_SocketAddress, EmptyAddress) {
  SocketAddress address;
  EXPECT_EQ(address.family(), AF_UNSPEC);
  EXPECT_EQ(address.length(), 0U);
  EXPECT_EQ(address.port(), 0);
}

// A name is not a numeric address: from_numeric must refuse rather than guess.
TEST(L01_SocketAddress, FromNumericRejectsNames) {
  EXPECT_THROW(SocketAddress::from_numeric("localhost", 1), std::invalid_argument);
  EXPECT_THROW(SocketAddress::from_numeric("256.0.0.1", 1), std::invalid_argument);
  EXPECT_THROW(SocketAddress::from_numeric("[::1]", 1), std::invalid_argument);
}

// A sockaddr of another family (or truncated) must not be copied as if it were IP.
TEST(L01_SocketAddress, ConstructorRejectsOtherFamiliesAndShortLengths) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  EXPECT_THROW(SocketAddress(reinterpret_cast<const sockaddr*>(&v4), 4), std::invalid_argument);
  sockaddr other{};
  other.sa_family = AF_UNIX;
  EXPECT_THROW(SocketAddress(&other, sizeof other), std::invalid_argument);
}

}  // namespace
}  // namespace duplex::net
