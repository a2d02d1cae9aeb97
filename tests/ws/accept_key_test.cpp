// Tests for src/ws/accept_key.cpp (lesson 08).
// @lesson 08
#include "src/ws/accept_key.hpp"

#include <gtest/gtest.h>

namespace duplex::ws {
namespace {

// RFC 6455 §1.3, the worked example.
TEST(L08_AcceptKey, Rfc6455Example) {
  EXPECT_EQ(compute_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

// The key is hashed as sent: a different spelling must give a different answer.
TEST(L08_AcceptKey, KeyIsNotNormalised) {
  EXPECT_NE(compute_accept_key("dGhlIHNhbXBsZSBub25jZQ== "), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

}  // namespace
}  // namespace duplex::ws
