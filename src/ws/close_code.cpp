// WebSocket close status codes (lesson 09: their names for the frame tracer; lesson 10: which
// may appear on the wire). RFC 6455 §7.4. See close_code.hpp.
// @lesson 09
#include "src/ws/close_code.hpp"

namespace duplex::ws {

#if DUPLEX_LESSON >= 10
// @anchor lesson10-close-codes
bool is_valid_wire_close_code(std::uint16_t code) {
  // @exercise lesson10-close-code #the-closing-handshake
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  return code >= 3000 && code <= 4999;
  // @exercise end
}
#endif

const char* close_code_name(std::uint16_t code) {
  switch (code) {
    case 1000:
      return "normal closure";
    case 1001:
      return "going away";
    case 1002:
      return "protocol error";
    case 1003:
      return "unsupported data";
    case 1005:
      return "no status received";
    case 1006:
      return "abnormal closure";
    case 1007:
      return "invalid payload data";
    case 1008:
      return "policy violation";
    case 1009:
      return "message too big";
    case 1010:
      return "mandatory extension";
    case 1011:
      return "internal error";
    case 1012:
      return "service restart";
    case 1013:
      return "try again later";
    case 1014:
      return "bad gateway";
    case 1015:
      return "TLS handshake";
    default:
      break;
  }
  if (code >= 3000 && code <= 3999) return "registered (library/framework)";
  if (code >= 4000 && code <= 4999) return "private use (application)";
  return "invalid";
}

}  // namespace duplex::ws
