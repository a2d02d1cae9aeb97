// Base64 (lesson 08). RFC 4648 §4. See base64.hpp.
// @lesson 08
#include "src/ws/base64.hpp"

#include <array>
#include <cstdint>

namespace duplex::ws {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::uint8_t kInvalid = 0xFF;

// Character -> its 6-bit value, kInvalid for everything outside the alphabet (including '=').
constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}

constexpr auto kDecode = make_decode_table();

}  // namespace

// @anchor lesson08-base64-encode
std::string base64_encode(std::string_view bytes) {
  // @exercise lesson08-base64 #the-key-and-the-accept-value-why-sha-1-and-base64
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at]));
  };
  // RFC 4648 §4: each 24-bit group becomes four 6-bit characters.
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t group = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += kAlphabet[group >> 18];
    out += kAlphabet[(group >> 12) & 0x3F];
    out += kAlphabet[(group >> 6) & 0x3F];
    out += kAlphabet[group & 0x3F];
  }
  // A final group of one or two bytes is padded with zero bits and then with '='.
  std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    std::uint32_t group = byte(i) << 16;
    out += kAlphabet[group >> 18];
    out += kAlphabet[(group >> 12) & 0x3F];
    out += "==";
  } else if (rest == 2) {
    std::uint32_t group = byte(i) << 16 | byte(i + 1) << 8;
    out += kAlphabet[group >> 18];
    out += kAlphabet[(group >> 12) & 0x3F];
    out += kAlphabet[(group >> 6) & 0x3F];
    out += '=';
  }
  return out;
  // @exercise end
}

std::optional<std::string> base64_decode(std::string_view text) {
  // RFC 4648 §3.2: padded base64 always comes in whole four-character quanta.
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    std::size_t padding = 0;
    if (last && text[i + 3] == '=') padding = text[i + 2] == '=' ? 2 : 1;
    std::uint32_t group = 0;
    for (std::size_t j = 0; j < 4 - padding; ++j) {
      std::uint8_t value = kDecode[static_cast<unsigned char>(text[i + j])];
      if (value == kInvalid) return std::nullopt;  // includes '=' anywhere but the end
      group |= std::uint32_t{value} << (18 - 6 * j);
    }
    out += static_cast<char>(group >> 16);
    if (padding == 2) {
      // RFC 4648 §3.5: the 4 bits below the one byte must be zero, or two spellings would decode
      // to the same byte.
      if ((group & 0xFFFF) != 0) return std::nullopt;
      continue;
    }
    out += static_cast<char>((group >> 8) & 0xFF);
    if (padding == 1) {
      if ((group & 0xFF) != 0) return std::nullopt;
      continue;
    }
    out += static_cast<char>(group & 0xFF);
  }
  return out;
}

}  // namespace duplex::ws
