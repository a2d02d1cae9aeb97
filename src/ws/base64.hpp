// Base64, written here (lesson 08): the encoding of `Sec-WebSocket-Key` and `-Accept`.
//
// Implements RFC 4648 §4 (the base64 alphabet, with `=` padding). The decoder is strict
// (RFC 4648 §3.3, §3.5): it rejects characters outside the alphabet, missing or misplaced
// padding, and non-canonical encodings whose unused trailing bits are not zero, so one value has
// exactly one accepted spelling.
// @lesson 08
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace duplex::ws {

std::string base64_encode(std::string_view bytes);

// The decoded bytes, or nothing if `text` is not canonical, padded base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace duplex::ws
