// The server side of the WebSocket opening handshake (lesson 08), sans-I/O.
//
// Given a parsed request head (http::RequestParser), decides whether it is a valid RFC 6455
// opening handshake and builds the answer: the 101 Switching Protocols response, or an error
// response whose body names the one rule that failed. It never touches a socket, and it does not
// look at the path: which paths accept an upgrade is the router's decision.
// Implements RFC 6455 §4.2.1 (reading the client's handshake), §4.2.2 (the server's answer,
// subprotocol selection), §4.4 (426 with the supported version), §10.2 (Origin), and RFC 9110
// §7.8 (Upgrade) and §7.6.1 (Connection).
// @lesson 08
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/http/request_head.hpp"
#include "src/http/response.hpp"
#if DUPLEX_LESSON >= 14
#include "src/ws/permessage_deflate.hpp"
#endif

namespace duplex::ws {

// RFC 6455 §4.1: the one protocol version this implementation speaks.
inline constexpr std::string_view kWebSocketVersion = "13";

// Every reason a handshake is refused. Each maps to one status (handshake_error_status) and one
// sentence for the response body (handshake_error_reason).
enum class HandshakeError {
  kNone,
  kNotGet,               // 400: §4.2.1 item 1, the method must be GET
  kHttpTooOld,           // 400: §4.2.1 item 1, HTTP/1.1 or later
  kMissingHost,          // 400: §4.2.1 item 2
  kHasBody,              // 400: body bytes would be mistaken for frames
  kNoUpgradeWebsocket,   // 400: §4.2.1 item 3, `Upgrade` lacks the token "websocket"
  kNoConnectionUpgrade,  // 400: §4.2.1 item 4, `Connection` lacks the token "upgrade"
  kMissingKey,           // 400: §4.2.1 item 5
  kDuplicateKey,         // 400: two Sec-WebSocket-Key fields
  kBadKey,               // 400: §4.2.1 item 5, the key is not base64 of exactly 16 bytes
  kDuplicateVersion,     // 400: two Sec-WebSocket-Version fields
  kUnsupportedVersion,   // 426: §4.2.1 item 6 and §4.4, missing or not "13"
  kBadSubprotocol,       // 400: §4.1 item 10, an offered subprotocol that is not a token
  kDuplicateOrigin,      // 400: two Origin fields
  kOriginRejected,       // 403: §4.2.2 and §10.2, the application's Origin check said no
#if DUPLEX_LESSON >= 14
  kBadExtensions,  // 400: RFC 6455 §9.1, 'Sec-WebSocket-Extensions' is not an extension list
#endif
};

int handshake_error_status(HandshakeError error);
// "'Connection' header has no 'upgrade' token": the body of the error response.
const char* handshake_error_reason(HandshakeError error);

// Decides whether a browser page from `origin` may connect (RFC 6455 §10.2). The argument is
// empty when the request has no Origin field, which is what non-browser clients send.
using OriginCheck = std::function<bool(std::optional<std::string_view> origin)>;

// An OriginCheck that allows exactly the listed origins (ASCII case-insensitive, as RFC 6454
// §6.2 serialises them lowercase), plus requests without Origin when `allow_missing`.
OriginCheck allow_origins(std::vector<std::string> origins, bool allow_missing = true);

struct HandshakeOptions {
  // The subprotocols the server speaks, most preferred first. The first of them that the client
  // offered is chosen (§4.2.2 step 4); with no match, the handshake succeeds without one.
  std::vector<std::string> subprotocols;
  // Empty: every origin is allowed. Failure: 403.
  OriginCheck check_origin;
#if DUPLEX_LESSON >= 14
  // permessage-deflate (RFC 7692): on by default, asking for no context takeover both ways, so
  // an idle connection holds no DEFLATE buffers and a broadcast can be compressed once.
  // `deflate.enabled = false` declines every offer (the lesson-08 behaviour).
  PerMessageDeflateOptions deflate;
#endif
};

struct HandshakeResult {
  HandshakeError error = HandshakeError::kNone;
  // The 101 response, or the error response (status, a text/plain reason body, and for 426 the
  // `Sec-WebSocket-Version: 13` field). Send it with http::serialize().
  http::Response response;
  std::string subprotocol;  // the chosen subprotocol; empty when none
  std::string path;         // the request's decoded path, for whoever routes the connection
#if DUPLEX_LESSON >= 14
  // The agreed permessage-deflate parameters (RFC 7692 §5), when an offer was accepted; the 101
  // then carries them in its Sec-WebSocket-Extensions field.
  std::optional<DeflateParams> deflate;
#endif

  bool accepted() const {
    return error == HandshakeError::kNone;
  }
};

// Does this request ask for a WebSocket (an `Upgrade` field with the token "websocket")? A
// router uses it to tell an upgrade attempt, which gets validate_handshake(), from plain HTTP.
bool wants_websocket(const http::RequestHead& request);

// Checks every rule of RFC 6455 §4.2.1, in the order the RFC lists them, and answers.
// After a 101, every byte after the request head belongs to the WebSocket stream.
HandshakeResult validate_handshake(const http::RequestHead& request,
                                   const HandshakeOptions& options = {});

}  // namespace duplex::ws
