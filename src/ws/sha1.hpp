// SHA-1, written here (lesson 08): the hash inside `Sec-WebSocket-Accept`.
//
// Implements FIPS 180-4 §6.1 (SHA-1) for RFC 6455 §4.2.2, which derives the accept key from
// SHA-1(key + GUID). SHA-1 is broken for collision resistance; the handshake only uses it to prove
// that the server read the key, not for security.
// @lesson 08
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace duplex::ws {

using Sha1Digest = std::array<std::uint8_t, 20>;

// Incremental SHA-1: update() any number of times, then finish() once.
class Sha1 {
 public:
  Sha1();
  void update(std::string_view bytes);
  // Pads the message (FIPS 180-4 §5.1.1) and returns the digest. The object is then spent;
  // construct a new one for the next message.
  Sha1Digest finish();

 private:
  void compress(const std::uint8_t* block);

  std::array<std::uint32_t, 5> state_;
  std::array<std::uint8_t, 64> block_{};
  std::size_t block_used_ = 0;
  std::uint64_t total_bytes_ = 0;
};

// One-shot SHA-1 of `bytes`.
Sha1Digest sha1(std::string_view bytes);

}  // namespace duplex::ws
