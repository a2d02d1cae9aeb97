// Tests for src/ws/masking.cpp (lesson 09): the word-at-a-time loop against the byte loop.
// @lesson 09
#include "src/ws/masking.hpp"

#include <gtest/gtest.h>

#include <string>

namespace duplex::ws {
namespace {

// Exercise lesson09-mask (apply_mask): each failure says what was masked and where to read.
constexpr const char* kRead = "read lessons/09-frames/README.md#masking-why-and-how-fast";

// Every alignment of the data, every starting phase of the key, every length up to 100: the
// prologue, the word loop and the tail each get hit with and without the others.
TEST(L09_Masking, WordwiseEqualsBytewise) {
  const MaskKey key{0x37, 0xfa, 0x21, 0x3d};
  for (std::size_t align = 0; align < 16; ++align) {
    for (std::uint64_t offset = 0; offset < 4; ++offset) {
      for (std::size_t length = 0; length <= 100; ++length) {
        alignas(16) char fast[128];
        alignas(16) char slow[128];
        for (std::size_t i = 0; i < 128; ++i) fast[i] = slow[i] = static_cast<char>(i * 7 + 3);
        apply_mask(fast + align, length, key, offset);
        apply_mask_bytewise(slow + align, length, key, offset);
        ASSERT_EQ(std::string(fast, 128), std::string(slow, 128))
            << "fed apply_mask " << length << " bytes at address alignment " << align
            << ", key offset " << offset << "; expected the bytes apply_mask_bytewise gives; "
            << kRead;
      }
    }
  }
}

TEST(L09_Masking, MaskingTwiceRestoresTheData) {
  std::string data = "The quick brown fox jumps over the lazy dog";
  std::string copy = data;
  MaskKey key{1, 2, 3, 4};
  apply_mask(copy.data(), copy.size(), key, 0);
  EXPECT_NE(copy, data);
  apply_mask(copy.data(), copy.size(), key, 0);
  EXPECT_EQ(copy, data);
}

// Unmasking in pieces (as data arrives) must continue the key where the last piece stopped.
TEST(L09_Masking, PiecewiseEqualsWhole) {
  MaskKey key{0xde, 0xad, 0xbe, 0xef};
  std::string whole(77, 'x');
  for (std::size_t i = 0; i < whole.size(); ++i) whole[i] = static_cast<char>(i);
  std::string pieces = whole;
  apply_mask(whole.data(), whole.size(), key, 0);
  for (std::size_t at = 0; at < pieces.size(); at += 5) {
    apply_mask(pieces.data() + at, std::min<std::size_t>(5, pieces.size() - at), key, at);
  }
  EXPECT_EQ(pieces, whole) << "fed 77 bytes in pieces of 5 (offset = piece start); expected "
                              "the same bytes as one call over all 77; "
                           << kRead;
}

// RFC 6455 §5.7: "Hello" under key 37 fa 21 3d.
TEST(L09_Masking, Rfc6455Example) {
  std::string hello = "Hello";
  apply_mask(hello.data(), hello.size(), {0x37, 0xfa, 0x21, 0x3d}, 0);
  EXPECT_EQ(hello, "\x7f\x9f\x4d\x51\x58")
      << "fed \"Hello\" with key 37 fa 21 3d at offset 0 (RFC 6455 §5.7); " << kRead;
}

}  // namespace
}  // namespace duplex::ws
