// The fixed tables of RFC 1951 (lesson 14): length and distance bases, extra bits, and the
// order in which a dynamic block sends its code-length code lengths.
//
// RFC 1951 §3.2.5 (length and distance codes), §3.2.6 (the fixed Huffman code), §3.2.7 (the
// code-length code order). Shared by the Inflater and the Deflater so both read one table.
// @lesson 14
#pragma once

#include <array>
#include <cstdint>

namespace duplex::deflate {

inline constexpr int kMaxCodeBits = 15;        // RFC 1951 §3.2.7: code lengths are 0..15
inline constexpr int kMaxCodeLengthBits = 7;   // the code-length code's lengths fit in 3 bits
inline constexpr int kNumLitLenSymbols = 288;  // 0..285 used, 286 and 287 never occur
inline constexpr int kNumDistSymbols = 32;     // 0..29 used, 30 and 31 never occur
inline constexpr int kNumCodeLengthSymbols = 19;
inline constexpr int kMaxLitLenCodes = 286;  // HLIT + 257 may not exceed this
inline constexpr int kMaxDistCodes = 30;     // HDIST + 1 may not exceed this
inline constexpr int kEndOfBlock = 256;
inline constexpr int kMinMatch = 3;
inline constexpr int kMaxMatch = 258;
inline constexpr int kMinWindowBits = 8;
inline constexpr int kMaxWindowBits = 15;

// RFC 1951 §3.2.5: symbol 257 + i stands for lengths kLengthBase[i] .. + 2^kLengthExtra[i] - 1.
inline constexpr std::array<std::uint16_t, 29> kLengthBase = {
    3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
inline constexpr std::array<std::uint8_t, 29> kLengthExtra = {
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};

// RFC 1951 §3.2.5: distance symbol i stands for kDistBase[i] .. + 2^kDistExtra[i] - 1.
inline constexpr std::array<std::uint16_t, 30> kDistBase = {
    1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
inline constexpr std::array<std::uint8_t, 30> kDistExtra = {0, 0, 0,  0,  1,  1,  2,  2,  3,  3,
                                                            4, 4, 5,  5,  6,  6,  7,  7,  8,  8,
                                                            9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

// RFC 1951 §3.2.7: the code-length code lengths arrive in this order, the likely-unused last.
inline constexpr std::array<std::uint8_t, 19> kCodeLengthOrder = {
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

// RFC 1951 §3.2.6: the fixed literal/length code lengths (distances: 32 codes of 5 bits).
constexpr int fixed_litlen_length(int symbol) {
  return symbol < 144 ? 8 : symbol < 256 ? 9 : symbol < 280 ? 7 : 8;
}
inline constexpr int kFixedDistLength = 5;

}  // namespace duplex::deflate
