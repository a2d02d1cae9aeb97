// Where a message body ends: the message-length rules (lesson 05).
//
// RFC 9112 §6.3 decides, from the head alone, how many bytes of body follow: none, exactly N
// (Content-Length, RFC 9110 §8.6), a chunked stream (Transfer-Encoding, RFC 9112 §6.1, §7.1), or
// everything until the server closes (responses only). Getting this wrong, or letting two
// headers disagree, is how request smuggling happens (RFC 9112 §11.2), so every doubtful case is
// an error here, and the connection closes after the error response.
// @lesson 05
#pragma once

#include <cstdint>
#include <string_view>

#include "src/http/headers.hpp"
#include "src/http/parse_error.hpp"
#include "src/http/parser_limits.hpp"

namespace duplex::http {

struct BodyFraming {
  enum class Kind { kNone, kContentLength, kChunked, kUntilClose };
  Kind kind = Kind::kNone;
  std::uint64_t length = 0;  // kContentLength only

  bool operator==(const BodyFraming&) const = default;
};

// The body of a request (RFC 9112 §6.3 rules 3-7 for a server). `input` is the buffer the
// header views point into, used only to give errors an offset (it may be empty).
// Errors: Content-Length with Transfer-Encoding 400; Transfer-Encoding in HTTP/1.0 400;
// chunked not the final coding 400; another coding before chunked 501; a Content-Length that is
// not all digits, or several that differ 400; a length above `limits.max_body` 413.
bool request_body_framing(const Headers& headers, int version_minor, const ParserLimits& limits,
                          std::string_view input, BodyFraming& framing, ParseError& error);

// The body of a response to a request with `request_method` (RFC 9112 §6.3 rules 1-7 for a
// client): none for HEAD, 1xx, 204 and 304 and a 2xx to CONNECT; then Transfer-Encoding, then
// Content-Length, else until the connection closes. No body limit: the caller decides.
bool response_body_framing(const Headers& headers, int status, std::string_view request_method,
                           std::string_view input, BodyFraming& framing, ParseError& error);

// Reads every Content-Length field (RFC 9110 §8.6): one or more equal values, each all digits.
// Returns false with a 400 for a malformed or conflicting value, or 413 for one beyond
// 2^64 - 1. `present` tells whether any Content-Length field exists.
bool parse_content_length(const Headers& headers, std::string_view input, bool& present,
                          std::uint64_t& length, ParseError& error);

}  // namespace duplex::http
