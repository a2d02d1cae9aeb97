// Tests for the load generator's WebSocket frames (lesson 12): every length form, masking that
// undoes itself, and a server frame taken only once it is whole, wherever the bytes stop.
// @lesson 12
#include "src/bench/ws_frames.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/guarded_buffer.hpp"

namespace duplex::bench {
namespace {

TEST(L12_LoadFrames, HeaderUsesTheShortestLengthForm) {
  // RFC 6455 §5.2: 0..125 in 7 bits, up to 65535 after 126, beyond that after 127.
  EXPECT_EQ(frame_header(kFinText, 125, false), std::string("\x81\x7d", 2));
  EXPECT_EQ(frame_header(kFinText, 126, true), std::string("\x81\xfe\x00\x7e", 4));
  EXPECT_EQ(frame_header(kFinBinary, 65535, false), std::string("\x82\x7e\xff\xff", 4));
  EXPECT_EQ(frame_header(kFinBinary, 65536, false),
            std::string("\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10));
}

TEST(L12_LoadFrames, MaskedFrameCarriesTheKeyAndTheXoredPayload) {
  const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
  // RFC 6455 §5.7: a masked "Hello".
  EXPECT_EQ(masked_frame(kFinText, "Hello", key),
            std::string("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11));
}

TEST(L12_LoadFrames, ServerFrameIsTakenOnlyWhenWhole) {
  const std::string payload(300, 'p');
  const std::string wire =
      frame_header(0x89, payload.size(), false) + payload + std::string("\x81\x00", 2);
  const std::size_t first = 4 + payload.size();
  for (std::size_t cut = 0; cut < first; ++cut) {
    testing::GuardedBuffer guarded(wire.substr(0, cut));
    EXPECT_FALSE(take_server_frame(guarded.view())) << "a frame taken from " << cut << " bytes";
  }
  testing::GuardedBuffer guarded(wire);
  auto frame = take_server_frame(guarded.view());
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->opcode, 0x9);
  EXPECT_TRUE(frame->fin);
  EXPECT_FALSE(frame->rsv1);
  EXPECT_FALSE(frame->masked);
  EXPECT_EQ(frame->payload, payload);
  EXPECT_EQ(frame->length, first);
  auto next = take_server_frame(guarded.view().substr(first));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->opcode, 0x1);
  EXPECT_EQ(next->length, 2u);
}

TEST(L12_LoadFrames, ServerFrameReportsRsv1AndAMask) {
  const unsigned char key[4] = {1, 2, 3, 4};
  const std::string wire = masked_frame(kFinText | 0x40, "abc", key);
  auto frame = take_server_frame(wire);
  ASSERT_TRUE(frame);
  EXPECT_TRUE(frame->rsv1);
  EXPECT_TRUE(frame->masked);  // a server must not mask: the load reports it
  EXPECT_EQ(frame->length, 2u + 4u + 3u);
}

}  // namespace
}  // namespace duplex::bench
