// The named limits every HTTP parser enforces, with their defaults (lesson 04).
//
// A limit is the difference between a server and a memory-exhaustion bug. Each one maps to the
// status RFC 9110 §15 gives for it; docs/http.md lists them all.
// @lesson 04
#pragma once

#include <cstddef>
#include <cstdint>

namespace duplex::http {

struct ParserLimits {
  // The request line, CRLF excluded. Longer: 414 URI Too Long (RFC 9112 §3, RFC 9110 §15.5.15).
  std::size_t max_request_line = 8 * 1024;
  // The whole field section after the start line, every CRLF included (also the limit for a
  // chunked trailer section). Larger: 431 Request Header Fields Too Large (RFC 6585 §5).
  std::size_t max_header_bytes = 32 * 1024;
  // Field lines in the header section (or in a trailer section). More: 431.
  std::size_t max_fields = 100;
  // Empty lines tolerated before the request line (RFC 9112 §2.2). More: 400.
  std::size_t max_empty_lines = 4;
#if DUPLEX_LESSON >= 5
  // Decoded body bytes, whatever the framing. Larger: 413 Content Too Large (RFC 9110 §15.5.14).
  std::uint64_t max_body = 1024 * 1024;
  // One chunk-size line with its extensions, CRLF excluded. Longer: 400 (RFC 9112 §7.1.1).
  std::size_t max_chunk_line = 1024;
#endif
};

}  // namespace duplex::http
