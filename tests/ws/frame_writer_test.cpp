// Tests for src/ws/frame_writer.cpp (lesson 09): RFC 6455 §5.7 examples, byte for byte.
// @lesson 09
#include "src/ws/frame_writer.hpp"

#include <gtest/gtest.h>

namespace duplex::ws {
namespace {

const MaskKey kKey{0x37, 0xfa, 0x21, 0x3d};

TEST(L09_FrameWriter, Rfc6455Examples) {
  EXPECT_EQ(serialize_frame(Opcode::kText, "Hello"), "\x81\x05Hello");
  EXPECT_EQ(serialize_frame(Opcode::kText, "Hello", true, kKey),
            "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
  EXPECT_EQ(serialize_frame(Opcode::kText, "Hel", false), "\x01\x03Hel");
  EXPECT_EQ(serialize_frame(Opcode::kContinuation, "lo"), "\x80\x02lo");
  EXPECT_EQ(serialize_frame(Opcode::kPing, "Hello"), "\x89\x05Hello");
  EXPECT_EQ(serialize_frame(Opcode::kPong, "Hello", true, kKey),
            "\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
  EXPECT_EQ(serialize_frame(Opcode::kBinary, std::string(256, 'x')),
            std::string("\x82\x7e\x01\x00", 4) + std::string(256, 'x'));
  EXPECT_EQ(serialize_frame(Opcode::kBinary, std::string(65536, 'y')),
            std::string("\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10) + std::string(65536, 'y'));
}

TEST(L09_FrameWriter, BoundarySizesUseTheShortestLength) {
  const std::pair<std::size_t, std::size_t> header_sizes[] = {
      {0, 2}, {1, 2}, {125, 2}, {126, 4}, {127, 4}, {65535, 4}, {65536, 10}};
  for (auto [size, header] : header_sizes) {
    EXPECT_EQ(serialize_frame(Opcode::kBinary, std::string(size, 'z')).size(), header + size);
    EXPECT_EQ(serialize_frame(Opcode::kBinary, std::string(size, 'z'), true, kKey).size(),
              header + 4 + size);
  }
}

// Masking happens in the output: the caller's payload is left as it was.
TEST(L09_FrameWriter, AppendMasksTheCopyNotTheSource) {
  std::string out = "prefix";
  std::string payload = "Hello";
  append_frame(out, Opcode::kText, payload, true, kKey);
  EXPECT_EQ(payload, "Hello");
  EXPECT_EQ(out, "prefix\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
}

}  // namespace
}  // namespace duplex::ws
