// Tests for the Huffman code builders (lesson 14; RFC 1951 §3.2.2, §3.2.7).
// @lesson 14
#include "src/deflate/huffman_code.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "src/deflate/huffman_decode_table.hpp"

namespace duplex::deflate {
namespace {

// Kraft's sum, scaled by 2^15: exactly 2^15 for a complete code.
std::uint32_t kraft(const std::vector<std::uint8_t>& lengths) {
  std::uint32_t sum = 0;
  for (std::uint8_t len : lengths) {
    if (len != 0) sum += 1u << (15 - len);
  }
  return sum;
}

TEST(L14_HuffmanCode, RfcExampleLengthsGiveTheRfcCodes) {
  // RFC 1951 §3.2.2: lengths (3, 3, 3, 3, 3, 2, 4, 4) for A..H give codes 010 011 100 101 110
  // 00 1110 1111.
  const std::vector<std::uint8_t> lengths = {3, 3, 3, 3, 3, 2, 4, 4};
  std::vector<std::uint16_t> codes(lengths.size());
  build_codes(lengths, codes);
  const std::uint16_t msb_first[] = {0b010, 0b011, 0b100, 0b101, 0b110, 0b00, 0b1110, 0b1111};
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    std::uint16_t reversed = 0;
    for (int b = 0; b < lengths[i]; ++b)
      reversed |= ((msb_first[i] >> b) & 1) << (lengths[i] - 1 - b);
    EXPECT_EQ(codes[i], reversed) << i;
  }
}

// Why: Fibonacci frequencies make the deepest possible tree; unlimited it would need 30 bits.
TEST(L14_HuffmanCode, LengthsStayWithinTheLimitForSkewedFrequencies) {
  std::vector<std::uint32_t> freqs(30);
  std::uint32_t a = 1, b = 1;
  for (auto& f : freqs) {
    f = a;
    const std::uint32_t next = a + b;
    a = b;
    b = next;
  }
  for (int limit : {7, 15}) {
    std::vector<std::uint8_t> lengths(freqs.size());
    build_code_lengths(freqs, limit, lengths);
    for (std::uint8_t len : lengths) {
      EXPECT_GE(len, 1);
      EXPECT_LE(len, limit);
    }
    EXPECT_EQ(kraft(lengths), 1u << 15) << limit;
    // The decoder accepts it: complete, not over-subscribed.
    std::array<std::uint32_t, kDistTableSize> table{};
    if (limit == 15) {
      EXPECT_EQ(build_decode_table(CodeKind::kDistance, lengths, table), InflateError::kNone);
    }
  }
}

TEST(L14_HuffmanCode, OneOrNoSymbolStillGetsTwoCodes) {
  std::vector<std::uint32_t> freqs(30, 0);
  std::vector<std::uint8_t> lengths(30);
  build_code_lengths(freqs, 15, lengths);
  EXPECT_EQ(kraft(lengths), 1u << 15);
  freqs[7] = 5;
  build_code_lengths(freqs, 15, lengths);
  EXPECT_EQ(lengths[7], 1);
  EXPECT_EQ(kraft(lengths), 1u << 15);
}

TEST(L14_HuffmanCode, FrequentSymbolsGetShorterCodes) {
  std::vector<std::uint32_t> freqs = {100, 1, 1, 50, 1, 1, 10, 0};
  std::vector<std::uint8_t> lengths(freqs.size());
  build_code_lengths(freqs, 15, lengths);
  EXPECT_LT(lengths[0], lengths[6]);
  EXPECT_LE(lengths[3], lengths[6]);
  EXPECT_EQ(lengths[7], 0);
  EXPECT_EQ(kraft(lengths), 1u << 15);
}

TEST(L14_HuffmanDecodeTable, LongCodesGoToSubTables) {
  // 15-bit codes need sub-tables below the 10-bit root; a full decode of every symbol checks
  // each one is found at its own code.
  std::vector<std::uint32_t> freqs(286);
  std::uint32_t f = 1;
  for (std::size_t i = 0; i < freqs.size(); ++i) freqs[i] = i < 20 ? (f *= 2) : 1;
  std::vector<std::uint8_t> lengths(freqs.size());
  build_code_lengths(freqs, 15, lengths);
  std::vector<std::uint16_t> codes(freqs.size());
  build_codes(lengths, codes);
  std::array<std::uint32_t, kLitLenTableSize> table{};
  ASSERT_EQ(build_decode_table(CodeKind::kLiteralLength, lengths, table), InflateError::kNone);
  int long_codes = 0;
  for (std::size_t s = 0; s < 256; ++s) {
    std::uint32_t e = table[codes[s] & ((1u << kLitLenRootBits) - 1)];
    std::uint32_t used = 0;
    if (entry_kind(e) == EntryKind::kSubtable) {
      ++long_codes;
      used = kLitLenRootBits;
      e = table[entry_value(e) + ((codes[s] >> kLitLenRootBits) & ((1u << entry_extra(e)) - 1))];
    }
    EXPECT_EQ(entry_kind(e), EntryKind::kLiteral) << s;
    EXPECT_EQ(entry_value(e), s);
    EXPECT_EQ(used + entry_bits(e), lengths[s]) << s;
  }
  EXPECT_GT(long_codes, 0);
}

}  // namespace
}  // namespace duplex::deflate
