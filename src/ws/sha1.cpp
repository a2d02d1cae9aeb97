// SHA-1 (lesson 08). FIPS 180-4 §6.1. See sha1.hpp.
// @lesson 08
#include "src/ws/sha1.hpp"

#include <algorithm>
#include <cstring>

namespace duplex::ws {

namespace {

constexpr std::uint32_t rotl(std::uint32_t x, int n) {
  return (x << n) | (x >> (32 - n));
}

}  // namespace

// FIPS 180-4 §5.3.1: the initial hash value.
Sha1::Sha1() : state_{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0} {}

void Sha1::update(std::string_view bytes) {
  const auto* in = reinterpret_cast<const std::uint8_t*>(bytes.data());
  std::size_t size = bytes.size();
  total_bytes_ += size;
  if (block_used_ > 0) {
    std::size_t take = std::min(size, block_.size() - block_used_);
    std::memcpy(block_.data() + block_used_, in, take);
    block_used_ += take;
    in += take;
    size -= take;
    if (block_used_ < block_.size()) return;
    compress(block_.data());
    block_used_ = 0;
  }
  // Whole blocks straight from the input, without copying them into block_.
  for (; size >= 64; in += 64, size -= 64) compress(in);
  if (size > 0) std::memcpy(block_.data(), in, size);
  block_used_ = size;
}

Sha1Digest Sha1::finish() {
  // FIPS 180-4 §5.1.1: append a 1 bit, zeros up to 56 mod 64 bytes, then the length in bits as
  // a 64-bit big-endian number.
  std::uint64_t bit_length = total_bytes_ * 8;
  block_[block_used_++] = 0x80;
  if (block_used_ > 56) {
    std::memset(block_.data() + block_used_, 0, 64 - block_used_);
    compress(block_.data());
    block_used_ = 0;
  }
  std::memset(block_.data() + block_used_, 0, 56 - block_used_);
  for (int i = 0; i < 8; ++i)
    block_[56 + i] = static_cast<std::uint8_t>(bit_length >> (56 - 8 * i));
  compress(block_.data());

  Sha1Digest digest;
  for (std::size_t i = 0; i < 5; ++i) {
    for (std::size_t j = 0; j < 4; ++j) {
      digest[4 * i + j] = static_cast<std::uint8_t>(state_[i] >> (24 - 8 * j));
    }
  }
  return digest;
}

// FIPS 180-4 §6.1.2: the message schedule W and 80 rounds over one 512-bit block.
// @anchor lesson08-sha1-compress
void Sha1::compress(const std::uint8_t* block) {
  // @exercise lesson08-sha1 #the-key-and-the-accept-value-why-sha-1-and-base64
  std::uint32_t w[80];
  for (int t = 0; t < 16; ++t) {
    w[t] = std::uint32_t{block[4 * t]} << 24 | std::uint32_t{block[4 * t + 1]} << 16 |
           std::uint32_t{block[4 * t + 2]} << 8 | std::uint32_t{block[4 * t + 3]};
  }
  for (int t = 16; t < 80; ++t) w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);

  std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4];
  for (int t = 0; t < 80; ++t) {
    // FIPS 180-4 §4.1.1 (the functions f_t) and §4.2.1 (the constants K_t).
    std::uint32_t f, k;
    if (t < 20) {
      f = (b & c) | (~b & d);
      k = 0x5A827999;
    } else if (t < 40) {
      f = b ^ c ^ d;
      k = 0x6ED9EBA1;
    } else if (t < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8F1BBCDC;
    } else {
      f = b ^ c ^ d;
      k = 0xCA62C1D6;
    }
    std::uint32_t temp = rotl(a, 5) + f + e + k + w[t];
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = temp;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
  state_[4] += e;
  // @exercise end
}

Sha1Digest sha1(std::string_view bytes) {
  Sha1 hash;
  hash.update(bytes);
  return hash.finish();
}

}  // namespace duplex::ws
