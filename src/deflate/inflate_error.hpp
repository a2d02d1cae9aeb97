// InflateError: every reason the Inflater refuses a stream, by name (lesson 14).
//
// RFC 1951 §3.2.3-§3.2.7 say what a valid stream is; each way to break those rules has one enum
// value and one line of text, so a test (or a close reason, RFC 7692 §8.1 -> 1007) can say which
// rule a peer broke. The output limit is the one failure that is not the stream's fault.
// @lesson 14
#pragma once

#include <cstdint>
#include <string_view>

namespace duplex::deflate {

enum class InflateError : std::uint8_t {
  kNone,
  kBadBlockType,               // §3.2.3: BTYPE 11 is reserved
  kStoredLengthMismatch,       // §3.2.4: NLEN is not the one's complement of LEN
  kTooManyLengthCodes,         // §3.2.7: HLIT + 257 > 286
  kTooManyDistanceCodes,       // §3.2.7: HDIST + 1 > 30
  kCodeLengthsOverSubscribed,  // §3.2.2: more codes of some length than the bits allow
  kCodeLengthsIncomplete,      // §3.2.2: codes left unused (allowed only for one 1-bit code)
  kRepeatWithoutPrevious,      // §3.2.7: code 16 as the very first code length
  kCodeLengthsOverrun,         // §3.2.7: a repeat runs past HLIT + HDIST lengths
  kMissingEndOfBlock,          // §3.2.7: the end-of-block symbol 256 has no code
  kInvalidLiteralLength,       // §3.2.5: symbol 286, 287 or a code with no symbol
  kInvalidDistance,            // §3.2.5: distance symbol 30, 31 or a code with no symbol
  kDistanceTooFarBack,         // §3.2.5: a distance beyond the window (RFC 7692 §7.1.2.1)
  kDistanceBeforeStart,        // §3.2.5: a distance before the first byte of the stream
  kOutputLimit,                // the caller's maximum decompressed size was reached
  kEndsInsideBlock,            // the caller's end of data came inside a block (RFC 7692 §7.2.2)
};

// One line naming the broken rule, for logs, tests and close reasons.
std::string_view to_string(InflateError error) noexcept;

}  // namespace duplex::deflate
