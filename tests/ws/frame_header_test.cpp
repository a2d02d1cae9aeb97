// Tests for src/ws/frame_header.cpp (lesson 09): the three length encodings of RFC 6455 §5.2.
// @lesson 09
#include "src/ws/frame_header.hpp"

#include <gtest/gtest.h>

#include <string>

namespace duplex::ws {
namespace {

std::string encode(const FrameHeader& header) {
  char out[kMaxFrameHeaderSize];
  std::size_t n = encode_frame_header(header, out);
  EXPECT_EQ(n, frame_header_size(header));
  return std::string(out, n);
}

TEST(L09_FrameHeader, LengthEncodingsAtEveryBoundary) {
  struct Case {
    std::uint64_t length;
    std::string second_byte_and_length;
  };
  const Case cases[] = {
      {0, std::string("\x00", 1)},
      {1, "\x01"},
      {125, "\x7d"},
      {126, std::string("\x7e\x00\x7e", 3)},
      {127, std::string("\x7e\x00\x7f", 3)},
      {65535, "\x7e\xff\xff"},
      {65536, std::string("\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 9)},
      {0x7FFFFFFFFFFFFFFFULL, "\x7f\x7f\xff\xff\xff\xff\xff\xff\xff"},
  };
  for (const auto& c : cases) {
    FrameHeader header;
    header.opcode = Opcode::kBinary;
    header.payload_length = c.length;
    EXPECT_EQ(encode(header), "\x82" + c.second_byte_and_length) << c.length;
  }
}

TEST(L09_FrameHeader, FinRsvOpcodeMaskAndKey) {
  FrameHeader header;
  header.fin = false;
  header.rsv = kRsv1;
  header.opcode = Opcode::kContinuation;
  header.masked = true;
  header.mask_key = {0x37, 0xfa, 0x21, 0x3d};
  header.payload_length = 3;
  EXPECT_EQ(encode(header), "\x40\x83\x37\xfa\x21\x3d");
}

TEST(L09_FrameHeader, OpcodeClasses) {
  EXPECT_TRUE(is_control(Opcode::kClose));
  EXPECT_TRUE(is_control(Opcode::kPing));
  EXPECT_TRUE(is_control(Opcode::kPong));
  EXPECT_FALSE(is_control(Opcode::kText));
  EXPECT_FALSE(is_control(Opcode::kContinuation));
  for (std::uint8_t op = 0; op < 16; ++op) {
    bool defined = op <= 2 || (op >= 8 && op <= 10);
    EXPECT_EQ(is_reserved_opcode(op), !defined) << int{op};
  }
  EXPECT_STREQ(opcode_name(static_cast<Opcode>(0xB)), "reserved");
}

}  // namespace
}  // namespace duplex::ws
