// RespError: why RespParser refused a byte stream (lesson 15). See resp_error.hpp.
// @lesson 15
#include "src/redis/resp_error.hpp"

namespace duplex::redis {

std::string_view to_string(RespErrorCode code) {
  switch (code) {
    case RespErrorCode::kNone:
      return "no error";
    case RespErrorCode::kBadType:
      return "bad type byte";
    case RespErrorCode::kMissingCr:
      return "missing CR";
    case RespErrorCode::kMissingLf:
      return "missing LF";
    case RespErrorCode::kMissingCrlf:
      return "missing CRLF after bulk data";
    case RespErrorCode::kBadInteger:
      return "bad integer";
    case RespErrorCode::kBadLength:
      return "bad length";
    case RespErrorCode::kNullNotAllowed:
      return "null not allowed";
    case RespErrorCode::kBadDouble:
      return "bad double";
    case RespErrorCode::kBadBoolean:
      return "bad boolean";
    case RespErrorCode::kBadNull:
      return "bad null";
    case RespErrorCode::kBadBigNumber:
      return "bad big number";
    case RespErrorCode::kBadVerbatim:
      return "bad verbatim string";
    case RespErrorCode::kNestedPush:
      return "nested push";
    case RespErrorCode::kStreamedUnsupported:
      return "streamed type unsupported";
    case RespErrorCode::kLineTooLong:
      return "line too long";
    case RespErrorCode::kBulkTooLong:
      return "bulk too long";
    case RespErrorCode::kTooManyElements:
      return "too many elements";
    case RespErrorCode::kTooDeep:
      return "nesting too deep";
  }
  return "unknown";
}

}  // namespace duplex::redis
