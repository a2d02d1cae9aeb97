// The chunked transfer coding, decoded as a stream (lesson 05).
//
// RFC 9112 §7.1: chunked-body = *chunk last-chunk trailer-section CRLF, where
//   chunk      = chunk-size [ chunk-ext ] CRLF chunk-data CRLF   (chunk-size in hex)
//   last-chunk = 1*("0") [ chunk-ext ] CRLF
// §7.1.1 chunk extensions are parsed and ignored; §7.1.2 trailer fields are checked like header
// fields and kept; §7.1.3 is the decoding algorithm. Every CRLF must be exactly CRLF.
//
// Unlike the head parsers, the decoder is fed each byte once: `feed` takes new bytes, appends
// the payload they carry to `payload`, and says how many it used. Once the body is done it stops
// consuming: what follows belongs to the next message on the connection.
// @lesson 05
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/http/parse_error.hpp"
#include "src/http/parser_limits.hpp"

namespace duplex::http {

class ChunkedDecoder {
 public:
  explicit ChunkedDecoder(const ParserLimits& limits = {});

  // kNeedMore (all of `input` used), kDone (the body ended after `consumed` bytes) or kFailed.
  // Error offsets count from the first byte of the chunked body.
  // Errors: 400 for malformed sizes, extensions, CRLFs or trailers; 413 when the decoded body
  // exceeds limits.max_body (or a chunk size overflows 64 bits); 431 for a trailer section over
  // limits.max_header_bytes or limits.max_fields.
  ParseResult feed(std::string_view input, std::string& payload);

  bool done() const { return state_ == State::kDone; }
  std::uint64_t body_size() const { return body_size_; }
  const std::vector<std::pair<std::string, std::string>>& trailers() const { return trailers_; }
  void reset();

 private:
  enum class State { kSizeLine, kData, kDataCr, kDataLf, kTrailerLine, kDone, kFailed };

  bool parse_size_line(std::size_t line_at);
  bool parse_trailer_line(std::size_t line_at);
  ParseResult fail(int status, std::string_view reason, std::size_t offset);

  ParserLimits limits_;
  State state_ = State::kSizeLine;
  std::string line_;             // the size line or trailer line being collected, CRLF included
  std::uint64_t remaining_ = 0;  // bytes left in the current chunk's data
  std::uint64_t body_size_ = 0;
  std::size_t stream_offset_ = 0;  // bytes consumed before the current feed()
  std::size_t trailer_bytes_ = 0;
  std::vector<std::pair<std::string, std::string>> trailers_;
  ParseResult result_;
};

}  // namespace duplex::http
