// Tests for resolve() (lesson 01): numeric IPv4 and IPv6, bracketed literals, names.
#include "src/net/resolve.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>

namespace duplex::net {
namespace {

TEST(L01_Resolve, NumericIpv4) {
  auto addresses = resolve("127.0.0.1", 80);
  ASSERT_EQ(addresses.size(), 1U);
  EXPECT_EQ(addresses[0].to_string(), "127.0.0.1:80");
}

TEST(L01_Resolve, NumericIpv6) {
  auto addresses = resolve("::1", 8080);
  ASSERT_EQ(addresses.size(), 1U);
  EXPECT_EQ(addresses[0].family(), AF_INET6);
  EXPECT_EQ(addresses[0].to_string(), "[::1]:8080");
}

TEST(L01_Resolve, BracketedIpv6AsInUrls) {
  auto addresses = resolve("[::1]", 9);
  ASSERT_EQ(addresses.size(), 1U);
  EXPECT_EQ(addresses[0].to_string(), "[::1]:9");
}

TEST(L01_Resolve, LocalhostGivesLoopbackAddresses) {
  auto addresses = resolve("localhost", 1234);
  ASSERT_FALSE(addresses.empty());
  for (const auto& address : addresses) {
    EXPECT_EQ(address.port(), 1234);
    EXPECT_TRUE(address.to_string() == "127.0.0.1:1234" || address.to_string() == "[::1]:1234")
        << address.to_string();
  }
}

// .invalid is reserved (RFC 6761 §6.4): it never resolves, so the error path is deterministic.
TEST(L01_Resolve, UnknownNameThrowsWithTheName) {
  try {
    resolve("no-such-host.invalid", 80);
    FAIL() << "resolved a .invalid name";
  } catch (const ResolveError& error) {
    EXPECT_NE(std::string(error.what()).find("resolve no-such-host.invalid: "), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace duplex::net
