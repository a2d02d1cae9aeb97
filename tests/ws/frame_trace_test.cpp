// Tests for src/ws/frame_trace.cpp (lesson 09).
// @lesson 09
#include "src/ws/frame_trace.hpp"

#include <gtest/gtest.h>

namespace duplex::ws {
namespace {

TEST(L09_FrameTrace, MaskedTextFrame) {
  FrameHeader header;
  header.masked = true;
  header.mask_key = {0x37, 0xfa, 0x21, 0x3d};
  header.payload_length = 5;
  EXPECT_EQ(
      trace_frame(header, "Hello"),
      std::string("FIN=1 RSV=000 opcode=0x1 (text) MASK=1 key=37 fa 21 3d length=5 (7-bit)\n") +
          "  on wire  7f 9f 4d 51 58 " + std::string(33, ' ') + "|..MQX|\n" +
          "  payload  48 65 6c 6c 6f " + std::string(33, ' ') + "|Hello|\n");
}

TEST(L09_FrameTrace, LongFrameShowsItsFirstBytesOnly) {
  FrameHeader header;
  header.fin = false;
  header.opcode = Opcode::kBinary;
  header.payload_length = 65536;
  std::string payload(65536, '\x01');
  std::string trace = trace_frame(header, payload);
  EXPECT_NE(trace.find("FIN=0 RSV=000 opcode=0x2 (binary) MASK=0 length=65536 (64-bit)\n"),
            std::string::npos);
  EXPECT_NE(trace.find("|................|\n"), std::string::npos);
  EXPECT_NE(trace.find("  ... 65504 more payload bytes\n"), std::string::npos);
}

TEST(L09_FrameTrace, CloseFrameNamesItsCode) {
  FrameHeader header;
  header.opcode = Opcode::kClose;
  header.payload_length = 2;
  EXPECT_EQ(trace_frame(header, "\x03\xe8"),
            std::string("FIN=1 RSV=000 opcode=0x8 (close) MASK=0 length=2 (7-bit)\n") +
                "  payload  03 e8 " + std::string(42, ' ') + "|..|\n" +
                "  close code 1000 (normal closure)\n");
}

TEST(L09_FrameTrace, EmptyAndReserved) {
  FrameHeader header;
  header.opcode = static_cast<Opcode>(0xB);
  header.rsv = 0b101;
  header.payload_length = 0;
  EXPECT_EQ(trace_frame(header, ""),
            "FIN=1 RSV=101 opcode=0xb (reserved) MASK=0 length=0 (7-bit)\n  payload  (none)\n");
}

}  // namespace
}  // namespace duplex::ws
