// Tests for src/ws/accept_key.cpp (lesson 08).
// @lesson 08
#include "src/ws/accept_key.hpp"

#include <gtest/gtest.h>

namespace duplex::ws {
namespace {

// Exercise lesson08-accept-key (compute_accept_key): Base64(SHA-1(key + GUID)).
constexpr const char* kRead =
    "read lessons/08-websocket-upgrade/README.md#the-key-and-the-accept-value-why-sha-1-and-base64";

// RFC 6455 §1.3, the worked example.
TEST(L08_AcceptKey, Rfc6455Example) {
  EXPECT_EQ(compute_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
      << "fed the key of RFC 6455 §1.3; the SHA-1 of key + GUID is b37a4f2c...b2bec4ea, whose "
         "Base64 is the expected value; "
      << kRead;
}

// The key is hashed as sent: a different spelling must give a different answer.
TEST(L08_AcceptKey, KeyIsNotNormalised) {
  EXPECT_NE(compute_accept_key("dGhlIHNhbXBsZSBub25jZQ== "), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
      << "fed the §1.3 key with a trailing space: it must be hashed as sent, not trimmed; "
      << kRead;
}

}  // namespace
}  // namespace duplex::ws
