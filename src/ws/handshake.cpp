// The server side of the opening handshake (lesson 08). RFC 6455 §4.2. See handshake.hpp.
// @lesson 08
#include "src/ws/handshake.hpp"

#include <utility>

#include "src/http/syntax.hpp"
#include "src/ws/accept_key.hpp"
#include "src/ws/base64.hpp"

namespace duplex::ws {

int handshake_error_status(HandshakeError error) {
  switch (error) {
    case HandshakeError::kNone:
      return 101;
    case HandshakeError::kUnsupportedVersion:
      return 426;
    case HandshakeError::kOriginRejected:
      return 403;
    default:
      return 400;
  }
}

const char* handshake_error_reason(HandshakeError error) {
  switch (error) {
    case HandshakeError::kNone:
      return "";
    case HandshakeError::kNotGet:
      return "a WebSocket handshake must be a GET request";
    case HandshakeError::kHttpTooOld:
      return "a WebSocket handshake needs HTTP/1.1 or later";
    case HandshakeError::kMissingHost:
      return "missing 'Host' header";
    case HandshakeError::kHasBody:
      return "a WebSocket handshake request may not have a body";
    case HandshakeError::kNoUpgradeWebsocket:
      return "'Upgrade' header has no 'websocket' token";
    case HandshakeError::kNoConnectionUpgrade:
      return "'Connection' header has no 'upgrade' token";
    case HandshakeError::kMissingKey:
      return "missing 'Sec-WebSocket-Key' header";
    case HandshakeError::kDuplicateKey:
      return "more than one 'Sec-WebSocket-Key' header";
    case HandshakeError::kBadKey:
      return "'Sec-WebSocket-Key' is not base64 of 16 bytes";
    case HandshakeError::kDuplicateVersion:
      return "more than one 'Sec-WebSocket-Version' header";
    case HandshakeError::kUnsupportedVersion:
      return "unsupported 'Sec-WebSocket-Version': this server speaks version 13";
    case HandshakeError::kBadSubprotocol:
      return "'Sec-WebSocket-Protocol' holds a value that is not a token";
    case HandshakeError::kDuplicateOrigin:
      return "more than one 'Origin' header";
    case HandshakeError::kOriginRejected:
      return "origin not allowed";
#if DUPLEX_LESSON >= 14
    case HandshakeError::kBadExtensions:
      return "'Sec-WebSocket-Extensions' is not a valid extension list";
#endif
  }
  return "unknown handshake error";
}

OriginCheck allow_origins(std::vector<std::string> origins, bool allow_missing) {
  return [origins = std::move(origins), allow_missing](std::optional<std::string_view> origin) {
    if (!origin) return allow_missing;
    for (const auto& allowed : origins) {
      if (http::iequals(allowed, *origin)) return true;
    }
    return false;
  };
}

bool wants_websocket(const http::RequestHead& request) {
  return request.headers.has_token("Upgrade", "websocket");
}

namespace {

HandshakeResult refuse(HandshakeError error, std::string path) {
  HandshakeResult result;
  result.error = error;
  result.path = std::move(path);
  result.response = http::Response(handshake_error_status(error),
                                   std::string(handshake_error_reason(error)) + "\n");
  result.response.add("Content-Type", "text/plain; charset=utf-8");
  if (error == HandshakeError::kUnsupportedVersion) {
    // RFC 6455 §4.4: the 426 lists the versions the server understands. RFC 9110 §15.5.22 and
    // §7.8: a 426 carries Upgrade, and whoever sends Upgrade lists it in Connection.
    result.response.add("Sec-WebSocket-Version", kWebSocketVersion);
    result.response.add("Upgrade", "websocket");
    result.response.add("Connection", "Upgrade");
  }
  return result;
}

// The server's first preference that the client offered (RFC 6455 §4.2.2 step 4, /subprotocol/).
// Offers may be spread over several fields. They are compared exactly: RFC 6455 makes only the
// Upgrade and Connection tokens case-insensitive (§4.2.1), and a subprotocol name is an opaque
// token from the IANA registry (§11.5).
bool choose_subprotocol(const http::Headers& headers, const std::vector<std::string>& ours,
                        std::string& chosen) {
  std::vector<std::string_view> offered;
  bool valid = true;
  for (std::string_view field : headers.get_all("Sec-WebSocket-Protocol")) {
    http::for_each_list_element(field, [&](std::string_view element) {
      if (!http::is_token(element)) valid = false;
      offered.push_back(element);
    });
  }
  if (!valid) return false;
  for (const auto& candidate : ours) {
    for (std::string_view offer : offered) {
      if (offer == candidate) {
        chosen = candidate;
        return true;
      }
    }
  }
  return true;
}

}  // namespace

// @anchor lesson08-validate
HandshakeResult validate_handshake(const http::RequestHead& request,
                                   const HandshakeOptions& options) {
  const http::Headers& headers = request.headers;
  auto fail = [&](HandshakeError error) { return refuse(error, request.path); };

  // §4.2.1 item 1: "An HTTP/1.1 or higher GET request". Method names are case-sensitive.
  if (request.method_id != http::Method::kGet) return fail(HandshakeError::kNotGet);
  if (request.version_major < 1 || (request.version_major == 1 && request.version_minor < 1)) {
    return fail(HandshakeError::kHttpTooOld);
  }
  // §4.2.1 item 2. The request parser already refused two Host fields; HTTP/1.0 may omit it.
  if (headers.count("Host") != 1) return fail(HandshakeError::kMissingHost);
  // Not in RFC 6455, but after a 101 the next byte is a frame: a body would be parsed as one.
  if (request.body.kind == http::BodyFraming::Kind::kChunked ||
      (request.body.kind == http::BodyFraming::Kind::kContentLength && request.body.length > 0)) {
    return fail(HandshakeError::kHasBody);
  }
  // §4.2.1 items 3 and 4: token lists, ASCII case-insensitive. A browser sends
  // "Connection: keep-alive, Upgrade", so an exact comparison would refuse every browser.
  if (!headers.has_token("Upgrade", "websocket")) return fail(HandshakeError::kNoUpgradeWebsocket);
  if (!headers.has_token("Connection", "upgrade")) {
    return fail(HandshakeError::kNoConnectionUpgrade);
  }
  // §4.2.1 item 5: one key, "a base64-encoded value that, when decoded, is 16 bytes in length".
  // Two keys would leave the server to guess which one the client will check the answer with.
  std::size_t keys = headers.count("Sec-WebSocket-Key");
  if (keys == 0) return fail(HandshakeError::kMissingKey);
  if (keys > 1) return fail(HandshakeError::kDuplicateKey);
  std::string_view key = *headers.get("Sec-WebSocket-Key");
  auto decoded = base64_decode(key);
  if (!decoded || decoded->size() != 16) return fail(HandshakeError::kBadKey);
  // §4.2.1 item 6 and §4.4: version 13 and nothing else, or 426 naming the one we speak.
  std::size_t versions = headers.count("Sec-WebSocket-Version");
  if (versions > 1) return fail(HandshakeError::kDuplicateVersion);
  if (versions == 0 || *headers.get("Sec-WebSocket-Version") != kWebSocketVersion) {
    return fail(HandshakeError::kUnsupportedVersion);
  }
  // §4.2.2 step 4: the subprotocol; the offer must be a list of tokens (§4.1 item 10).
  std::string subprotocol;
  if (!choose_subprotocol(headers, options.subprotocols, subprotocol)) {
    return fail(HandshakeError::kBadSubprotocol);
  }
  // §10.2 and §4.2.2 step 1 (/origin/): a browser always says which page opened the socket; the
  // server may refuse it with 403. This is the defence against cross-site WebSocket hijacking.
  std::size_t origins = headers.count("Origin");
  if (origins > 1) return fail(HandshakeError::kDuplicateOrigin);
  if (options.check_origin && !options.check_origin(headers.get("Origin"))) {
    return fail(HandshakeError::kOriginRejected);
  }
#if DUPLEX_LESSON >= 14
  // @anchor lesson14-handshake
  // RFC 7692 §5 and RFC 6455 §9.1: the offers are one list over every Sec-WebSocket-Extensions
  // field (RFC 9110 §5.3). The first permessage-deflate offer we can accept wins; one we cannot
  // is declined by leaving it out of the answer (§5: "the server MUST decline"), so the
  // connection goes on uncompressed. Only a value that is not an extension list is an error.
  ServerNegotiation deflate;
  if (options.deflate.enabled) {
    std::string offers;
    for (std::string_view field : headers.get_all("Sec-WebSocket-Extensions")) {
      if (!offers.empty()) offers += ", ";
      offers += field;
    }
    deflate = negotiate_server(offers, options.deflate);
    if (deflate.malformed()) return fail(HandshakeError::kBadExtensions);
  }
#endif

  // §4.2.2 step 5: the 101 and its three fields, and the chosen subprotocol if there is one.
  HandshakeResult result;
  result.path = request.path;
  result.subprotocol = std::move(subprotocol);
  result.response = http::Response(101);
  result.response.add("Upgrade", "websocket");
  result.response.add("Connection", "Upgrade");
  result.response.add("Sec-WebSocket-Accept", compute_accept_key(key));
  if (!result.subprotocol.empty()) {
    result.response.add("Sec-WebSocket-Protocol", result.subprotocol);
  }
#if DUPLEX_LESSON >= 14
  // RFC 7692 §5: the response names the agreed extension with the parameters that bind both
  // sides.
  if (deflate.agreed) {
    result.response.add("Sec-WebSocket-Extensions", deflate.response);
    result.deflate = deflate.agreed;
  }
#endif
  return result;
}

}  // namespace duplex::ws
