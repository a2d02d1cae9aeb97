// Building Huffman codes for the Deflater (lesson 14).
//
// RFC 1951 §3.2.2: a code is sent as its lengths alone, and the codes follow from the lengths
// (canonical Huffman). §3.2.7 caps the lengths: 15 bits for literal/length and distance codes,
// 7 for the code-length code. A plain Huffman tree can be deeper than that for skewed
// frequencies, so the lengths are limited as zlib and miniz do it: leaves deeper than the cap
// are pulled up to it, then shorter leaves are pushed one level down until Kraft's sum is one
// again; the lengths are handed out afresh, the longest to the rarest symbols.
// @lesson 14
#pragma once

#include <cstdint>
#include <span>

namespace duplex::deflate {

// Code lengths (at most `max_bits`) for symbols with the given frequencies; 0 for unused ones.
// At least two symbols always get a code (a one-code tree cannot be decoded by zlib, and RFC
// 1951 §3.2.7 wants one bit even for a single distance code).
void build_code_lengths(std::span<const std::uint32_t> freqs, int max_bits,
                        std::span<std::uint8_t> lengths);

// The canonical codes of §3.2.2 for `lengths`, bit-reversed so that they can be written to the
// least-significant-bit-first stream as they are (§3.1.1).
void build_codes(std::span<const std::uint8_t> lengths, std::span<std::uint16_t> codes);

}  // namespace duplex::deflate
