// RespError: why RespParser refused a byte stream (lesson 15).
//
// Every rule of the RESP2 and RESP3 specifications the parser checks, and every limit it keeps,
// has its own code, so a test, a log line or the glue can say exactly what the server (or
// whatever is pretending to be one) sent. A RESP stream has no resynchronisation point: after any
// of these the connection is closed and the commands waiting for replies fail.
// @lesson 15
#pragma once

#include <string_view>

namespace duplex::redis {

enum class RespErrorCode {
  kNone,
  kBadType,         // the first byte of a value is not a RESP2 or RESP3 type byte
  kMissingCr,       // a line ended with LF alone
  kMissingLf,       // a CR in a line was not followed by LF
  kMissingCrlf,     // a bulk string's bytes were not followed by CRLF
  kBadInteger,      // ':' not a decimal signed 64-bit integer
  kBadLength,       // a length or count not a decimal number, or negative other than -1
  kNullNotAllowed,  // -1 where RESP has no null (bulk error, verbatim, map, set, push, attribute)
  kBadDouble,       // ',' not a decimal number, inf, -inf or nan
  kBadBoolean,      // '#' not "t" or "f"
  kBadNull,         // '_' followed by something before CRLF
  kBadBigNumber,    // '(' not an optionally signed run of digits
  kBadVerbatim,     // '=' shorter than 4 bytes or without ':' after the 3-byte format
  kNestedPush,      // '>' inside an aggregate: RESP3 sends pushes at the top level only
  kStreamedUnsupported,  // "$?", "*?" ...: RESP3 streamed types, which Redis never sends
  kLineTooLong,          // a line over RespParserLimits::max_line_length
  kBulkTooLong,          // a bulk length over RespParserLimits::max_bulk_length
  kTooManyElements,      // an aggregate count over RespParserLimits::max_elements
  kTooDeep,              // aggregates nested deeper than RespParserLimits::max_depth
};

struct RespError {
  RespErrorCode code = RespErrorCode::kNone;
  const char* reason = "";  // one human sentence; static storage
};

// "bad type byte", "missing CR" ...: the code's short name.
std::string_view to_string(RespErrorCode code);

}  // namespace duplex::redis
