// WebSocket close status codes (lesson 09; checked on the wire from lesson 10).
//
// RFC 6455 §7.4 defines the codes and §7.4.2 the ranges; the IANA "WebSocket Close Code Number"
// registry adds 1012-1015. Every failure of the ws layer maps to exactly one of these codes: the
// frame parser of lesson 09 already fails with 1002 and 1009; lesson 10 reads them in close
// frames.
// @lesson 09
#pragma once

#include <cstdint>

namespace duplex::ws {

// A fixed underlying type so that an application code such as CloseCode{4000} is also a value.
enum class CloseCode : std::uint16_t {
  kNormal = 1000,            // §7.4.1: the purpose of the connection is fulfilled
  kGoingAway = 1001,         // server shutting down, browser leaving the page
  kProtocolError = 1002,     // any violation of the framing rules
  kUnsupportedData = 1003,   // e.g. binary sent to a text-only endpoint
  kNoStatusReceived = 1005,  // reported only: the close frame carried no code
  kAbnormalClosure = 1006,   // reported only: the connection ended without a close frame
  kInvalidPayload = 1007,    // text that is not UTF-8 (§8.1)
  kPolicyViolation = 1008,
  kMessageTooBig = 1009,  // a frame or message over the configured limit
  kMandatoryExtension = 1010,
  kInternalError = 1011,
  kServiceRestart = 1012,  // IANA registry
  kTryAgainLater = 1013,   // IANA registry
  kBadGateway = 1014,      // IANA registry
  kTlsHandshake = 1015,    // reported only: the TLS handshake failed
};

constexpr std::uint16_t to_int(CloseCode code) {
  return static_cast<std::uint16_t>(code);
}

// A short name for traces and logs: "protocol error" for 1002, "private use (application)" for
// 4000.
const char* close_code_name(std::uint16_t code);

#if DUPLEX_LESSON >= 10
// May this code appear in a close frame on the wire? RFC 6455 §7.4.1-§7.4.2: 1000-1003 and
// 1007-1014 are defined, 3000-4999 belong to libraries and applications. 0-999, 1004 (reserved),
// 1005/1006/1015 (never sent), 1016-2999 (unassigned) and 5000+ are not; a peer that sends one
// has made a protocol error (1002).
bool is_valid_wire_close_code(std::uint16_t code);
#endif

}  // namespace duplex::ws
