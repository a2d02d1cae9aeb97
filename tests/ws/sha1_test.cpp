// Tests for src/ws/sha1.cpp (lesson 08): the FIPS 180 example vectors.
// @lesson 08
#include "src/ws/sha1.hpp"

#include <gtest/gtest.h>

#include <string>

namespace duplex::ws {
namespace {

// Exercise lesson08-sha1 (Sha1::compress): every failure says what was hashed, what came back
// and what FIPS 180 expects, and where the lesson explains it.
constexpr const char* kRead =
    "read lessons/08-websocket-upgrade/README.md#the-key-and-the-accept-value-why-sha-1-and-base64";

std::string hex(const Sha1Digest& digest) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (auto byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0xF];
  }
  return out;
}

TEST(L08_Sha1, Abc) {
  EXPECT_EQ(hex(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d")
      << "fed sha1(\"abc\") (FIPS 180 example, one block); " << kRead;
}

TEST(L08_Sha1, Empty) {
  EXPECT_EQ(hex(sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
      << "fed sha1(\"\") (only the padding block); " << kRead;
}

// 56 bytes: the padding no longer fits in the block, so finish() needs a second block.
TEST(L08_Sha1, TwoBlockMessage) {
  EXPECT_EQ(hex(sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
      << "fed the 56-byte FIPS 180 message (padding spills into a second block); " << kRead;
}

TEST(L08_Sha1, OneMillionAOneShot) {
  EXPECT_EQ(hex(sha1(std::string(1'000'000, 'a'))), "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
      << "fed one million 'a' in one update(); " << kRead;
}

// Pieces of odd sizes cross block boundaries at every offset.
TEST(L08_Sha1, OneMillionAIncremental) {
  Sha1 hash;
  std::string piece(997, 'a');
  std::size_t left = 1'000'000;
  while (left > 0) {
    std::size_t take = std::min(left, piece.size());
    hash.update(std::string_view(piece).substr(0, take));
    left -= take;
  }
  EXPECT_EQ(hex(hash.finish()), "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
      << "fed one million 'a' in update() calls of 997 bytes; " << kRead;
}

TEST(L08_Sha1, EverySplitGivesTheSameDigest) {
  std::string message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq0123456789abcdef";
  for (std::size_t cut = 0; cut <= message.size(); ++cut) {
    Sha1 hash;
    hash.update(std::string_view(message).substr(0, cut));
    hash.update(std::string_view(message).substr(cut));
    EXPECT_EQ(hash.finish(), sha1(message))
        << "fed a 72-byte message in two update() calls cut at byte " << cut << "; " << kRead;
  }
}

}  // namespace
}  // namespace duplex::ws
