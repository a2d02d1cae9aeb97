// Masking and unmasking payloads (lesson 09).
//
// RFC 6455 §5.3: a client XORs every payload byte i with byte (i mod 4) of a fresh random key.
// §10.3 says why: a client's bytes then cannot be chosen by the (possibly hostile) script that
// sends them, so they cannot look like an HTTP request to a proxy that misreads the connection,
// which defeats cache poisoning. Masking and unmasking are the same operation.
// @lesson 09
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace duplex::ws {

inline constexpr std::size_t kMaskKeySize = 4;
using MaskKey = std::array<std::uint8_t, kMaskKeySize>;

// The obvious loop, one byte at a time: data[i] ^= key[(offset + i) % 4]. `offset` is the index
// of data[0] within the frame's payload, so a payload can be unmasked in pieces as it arrives.
void apply_mask_bytewise(char* data, std::size_t size, const MaskKey& key, std::uint64_t offset);

// The same result, eight bytes at a time: what the parser and the serialiser use.
void apply_mask(char* data, std::size_t size, const MaskKey& key, std::uint64_t offset);
#if DUPLEX_LESSON >= 12
// Lesson 12: apply_mask() fused with a copy, out[i] = in[i] ^ key[(offset + i) % 4], in one pass
// over the bytes. An echo unmasks straight from the receive buffer into the send buffer with it,
// and apply_mask() is the same loop in place: `in` and `out` are the same address or do not
// overlap. Returns the OR of the bytes written: bit 7 clear means they were all ASCII.
std::uint8_t unmask_copy(const char* in, char* out, std::size_t size, const MaskKey& key,
                         std::uint64_t offset);
#endif

// Where client frames get their keys. RFC 6455 §5.3 requires them to be unpredictable, so the
// default reads the system's entropy (std::random_device); tests inject a fixed key.
using MaskKeySource = std::function<MaskKey()>;
MaskKey random_mask_key();

}  // namespace duplex::ws
