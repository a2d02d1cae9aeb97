// Tests for src/ws/close_code.cpp (lesson 10): which codes may appear on the wire.
// @lesson 10
#include "src/ws/close_code.hpp"

#include <gtest/gtest.h>

namespace duplex::ws {
namespace {

// Exercise lesson10-close-code (is_valid_wire_close_code).
constexpr const char* kRead =
    "read lessons/10-messages-and-closing/README.md#the-closing-handshake";

TEST(L10_CloseCode, EveryRangeEdge) {
  for (int code = 0; code <= 65535; ++code) {
    bool expected = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                    (code >= 3000 && code <= 4999);
    ASSERT_EQ(is_valid_wire_close_code(static_cast<std::uint16_t>(code)), expected)
        << "fed is_valid_wire_close_code(" << code << "); RFC 6455 §7.4 says it "
        << (expected ? "may" : "may not") << " be sent in a close frame; " << kRead;
  }
  // Named edges, so a reader sees them.
  EXPECT_FALSE(is_valid_wire_close_code(999));
  EXPECT_TRUE(is_valid_wire_close_code(1000));
  EXPECT_TRUE(is_valid_wire_close_code(1003));
  EXPECT_FALSE(is_valid_wire_close_code(1004));  // reserved
  EXPECT_FALSE(is_valid_wire_close_code(1005));  // reported only
  EXPECT_FALSE(is_valid_wire_close_code(1006));  // reported only
  EXPECT_TRUE(is_valid_wire_close_code(1007));
  EXPECT_TRUE(is_valid_wire_close_code(1014));
  EXPECT_FALSE(is_valid_wire_close_code(1015));  // reported only
  EXPECT_FALSE(is_valid_wire_close_code(2999));
  EXPECT_TRUE(is_valid_wire_close_code(3000));
  EXPECT_TRUE(is_valid_wire_close_code(4999));
  EXPECT_FALSE(is_valid_wire_close_code(5000));
}

TEST(L10_CloseCode, Names) {
  EXPECT_STREQ(close_code_name(1002), "protocol error");
  EXPECT_STREQ(close_code_name(4000), "private use (application)");
  EXPECT_STREQ(close_code_name(2000), "invalid");
  EXPECT_EQ(to_int(CloseCode{4321}), 4321);
}

}  // namespace
}  // namespace duplex::ws
