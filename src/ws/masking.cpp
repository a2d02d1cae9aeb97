// Masking and unmasking payloads (lesson 09). RFC 6455 §5.3. See masking.hpp.
// @lesson 09
#include "src/ws/masking.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <random>

namespace duplex::ws {

// @anchor lesson09-mask-bytewise
void apply_mask_bytewise(char* data, std::size_t size, const MaskKey& key, std::uint64_t offset) {
  for (std::size_t i = 0; i < size; ++i) data[i] ^= static_cast<char>(key[(offset + i) % 4]);
}

// @anchor lesson09-mask-wordwise
#if DUPLEX_LESSON >= 12
namespace {

// The key as laid out over the next eight payload bytes, starting at this offset, as one word.
// Because 8 is a multiple of 4, the same word lines up with every following group of eight
// bytes. The four key bytes are loaded as one 32-bit word and rotated so that key[offset % 4]
// comes first in memory (a right rotation on a little-endian CPU, a left one on a big-endian
// one), then doubled: a handful of instructions, where building the pattern byte by byte cost
// more than the XORs of a 32-byte message.
std::uint64_t key_word(const MaskKey& key, std::uint64_t offset) {
  std::uint32_t word;
  std::memcpy(&word, key.data(), 4);
  int shift = static_cast<int>(8 * (offset % 4));
  word =
      std::endian::native == std::endian::little ? std::rotr(word, shift) : std::rotl(word, shift);
  return std::uint64_t{word} << 32 | word;
}

}  // namespace

// @anchor lesson12-unmask-copy
// Lesson 12: one loop for both, with no walk to an aligned address first and the key rotated
// into place. out[i] = in[i] ^ key: reading, unmasking and copying cost one pass instead of an
// XOR pass and a memcpy pass. The OR of every byte written rides along in a register, so a
// caller learns whether they were all ASCII (below 0x80) without a second pass.
std::uint8_t unmask_copy(const char* in, char* out, std::size_t size, const MaskKey& key,
                         std::uint64_t offset) {
  // 1. The key over eight bytes, as a word (key_word above).
  std::uint64_t word_key = key_word(key, offset);
  std::uint64_t seen = 0;
  // 2. Four words per turn, each in its own variable. memcpy is how C++ says "load 8 bytes" from
  // any address without breaking aliasing rules; the compiler turns it into a single move, and
  // x86-64 and ARMv8 load unaligned words at full speed, so there is no byte-by-byte walk to an
  // aligned address first (for a 32-byte message that walk cost more than the XORs). Four
  // independent loads and stores overlap in the CPU; one word per turn ran at 18 GB/s over a
  // 64 KiB payload, and four words held in an array at 40 GB/s (g++ 12 -O2 kept the array on
  // the stack: two stores more per 32 bytes); four variables run at 56 GB/s, memcpy at 72.
  std::size_t i = 0;
  for (; size - i >= 32; i += 32) {
    std::uint64_t a, b, c, d;
    std::memcpy(&a, in + i, 8);
    std::memcpy(&b, in + i + 8, 8);
    std::memcpy(&c, in + i + 16, 8);
    std::memcpy(&d, in + i + 24, 8);
    a ^= word_key;
    b ^= word_key;
    c ^= word_key;
    d ^= word_key;
    std::memcpy(out + i, &a, 8);
    std::memcpy(out + i + 8, &b, 8);
    std::memcpy(out + i + 16, &c, 8);
    std::memcpy(out + i + 24, &d, 8);
    seen |= (a | b) | (c | d);
  }
  for (; size - i >= 8; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, in + i, 8);
    word ^= word_key;
    std::memcpy(out + i, &word, 8);
    seen |= word;
  }
  // 3. The last 0-7 bytes: byte i % 8 of the key word, as laid out in memory, is byte i's key.
  std::uint8_t pattern[8];
  std::memcpy(pattern, &word_key, 8);
  for (; i < size; ++i) {
    out[i] = static_cast<char>(in[i] ^ static_cast<char>(pattern[i % 8]));
    seen |= static_cast<std::uint8_t>(out[i]);
  }
  // 4. The eight bytes of `seen` folded into one: bit 7 is set when any byte written had it.
  seen |= seen >> 32;
  seen |= seen >> 16;
  seen |= seen >> 8;
  return static_cast<std::uint8_t>(seen);
}

// Every word is read before it is written, so the copy loop also works in place.
void apply_mask(char* data, std::size_t size, const MaskKey& key, std::uint64_t offset) {
  unmask_copy(data, data, size, key, offset);
}
#else
void apply_mask(char* data, std::size_t size, const MaskKey& key, std::uint64_t offset) {
  // @exercise lesson09-mask #masking-why-and-how-fast
  // 1. Byte by byte up to an address that is a multiple of 8, where a word load is natural.
  std::size_t i = 0;
  while (i < size && reinterpret_cast<std::uintptr_t>(data + i) % 8 != 0) {
    data[i] ^= static_cast<char>(key[(offset + i) % 4]);
    ++i;
  }
  // 2. The key as laid out over the next eight payload bytes. Because 8 is a multiple of 4, the
  // same word lines up with every following group of eight bytes.
  std::uint8_t pattern[8];
  for (std::size_t j = 0; j < 8; ++j) pattern[j] = key[(offset + i + j) % 4];
  std::uint64_t word_key;
  std::memcpy(&word_key, pattern, 8);
  // 3. One XOR per eight bytes. memcpy is how C++ says "load 8 bytes" without breaking aliasing
  // rules; the compiler turns it into a single move.
  for (; size - i >= 8; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, data + i, 8);
    word ^= word_key;
    std::memcpy(data + i, &word, 8);
  }
  // 4. The last 0-7 bytes, one at a time.
  for (; i < size; ++i) data[i] ^= static_cast<char>(key[(offset + i) % 4]);
  // @exercise end
}
#endif

MaskKey random_mask_key() {
  thread_local std::random_device entropy;
  std::uint32_t bits = entropy();
  return {static_cast<std::uint8_t>(bits), static_cast<std::uint8_t>(bits >> 8),
          static_cast<std::uint8_t>(bits >> 16), static_cast<std::uint8_t>(bits >> 24)};
}

}  // namespace duplex::ws
