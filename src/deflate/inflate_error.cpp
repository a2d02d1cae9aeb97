// InflateError's text (lesson 14; RFC 1951 §3.2).
// @lesson 14
#include "src/deflate/inflate_error.hpp"

namespace duplex::deflate {

std::string_view to_string(InflateError error) noexcept {
  switch (error) {
    case InflateError::kNone:
      return "no error";
    case InflateError::kBadBlockType:
      return "invalid block type 3";
    case InflateError::kStoredLengthMismatch:
      return "stored block length/complement mismatch";
    case InflateError::kTooManyLengthCodes:
      return "too many literal/length codes (HLIT > 29)";
    case InflateError::kTooManyDistanceCodes:
      return "too many distance codes (HDIST > 29)";
    case InflateError::kCodeLengthsOverSubscribed:
      return "over-subscribed code lengths";
    case InflateError::kCodeLengthsIncomplete:
      return "incomplete code lengths";
    case InflateError::kRepeatWithoutPrevious:
      return "repeat with no previous code length";
    case InflateError::kCodeLengthsOverrun:
      return "code length repeat past the last code";
    case InflateError::kMissingEndOfBlock:
      return "no code for the end-of-block symbol";
    case InflateError::kInvalidLiteralLength:
      return "invalid literal/length symbol";
    case InflateError::kInvalidDistance:
      return "invalid distance symbol";
    case InflateError::kDistanceTooFarBack:
      return "distance beyond the window";
    case InflateError::kDistanceBeforeStart:
      return "distance before the start of the output";
    case InflateError::kOutputLimit:
      return "decompressed size over the output limit";
    case InflateError::kEndsInsideBlock:
      return "data ends inside a block";
  }
  return "unknown inflate error";
}

}  // namespace duplex::deflate
