// Test helper: build DEFLATE streams bit by bit, by hand (lesson 14; RFC 1951 §3.1.1, §3.2.7).
//
// Hostile-input tests need streams no compressor writes: a bad block type, code lengths that
// over-subscribe, a distance before the start. BitStream writes fields least significant bit
// first and Huffman codes most significant bit first, exactly as §3.1.1 packs them.
// @lesson 14
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace duplex::deflate::testing {

class BitStream {
 public:
  // A field of `count` bits, least significant bit first (§3.1.1: "data elements").
  BitStream& bits(std::uint32_t value, int count) {
    for (int i = 0; i < count; ++i) push((value >> i) & 1);
    return *this;
  }
  // A Huffman code of `length` bits, most significant bit first (§3.1.1: "Huffman codes").
  BitStream& code(std::uint32_t value, int length) {
    for (int i = length - 1; i >= 0; --i) push((value >> i) & 1);
    return *this;
  }
  // Whole bytes, after padding to a byte boundary (stored blocks, trailing data).
  BitStream& bytes(const std::string& data) {
    align();
    bytes_ += data;
    return *this;
  }
  BitStream& align() {
    while (nbits_ % 8 != 0) push(0);
    return *this;
  }
  std::string str() const {
    BitStream copy = *this;
    copy.align();
    return copy.bytes_;
  }

 private:
  void push(unsigned bit) {
    if (nbits_ % 8 == 0) bytes_.push_back('\0');
    bytes_.back() =
        static_cast<char>(static_cast<unsigned char>(bytes_.back()) | (bit << (nbits_ % 8)));
    ++nbits_;
  }
  std::string bytes_;
  std::size_t nbits_ = 0;
};

// RFC 1951 §3.2.6: the fixed literal/length code of `symbol` (value, length).
inline std::pair<std::uint32_t, int> fixed_code(int symbol) {
  if (symbol < 144) return {0x30u + static_cast<std::uint32_t>(symbol), 8};
  if (symbol < 256) return {0x190u + static_cast<std::uint32_t>(symbol - 144), 9};
  if (symbol < 280) return {static_cast<std::uint32_t>(symbol - 256), 7};
  return {0xc0u + static_cast<std::uint32_t>(symbol - 280), 8};
}

inline BitStream& fixed_symbol(BitStream& s, int symbol) {
  auto [value, length] = fixed_code(symbol);
  return s.code(value, length);
}

}  // namespace duplex::deflate::testing
