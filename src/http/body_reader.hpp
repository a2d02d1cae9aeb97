// One body reader for every framing (lesson 05).
//
// Given the BodyFraming a parser decided (RFC 9112 §6.3), `BodyReader` takes the bytes after the
// head and hands back the payload: exactly N bytes for Content-Length, the decoded stream for
// chunked (ChunkedDecoder), everything until the connection ends for a close-delimited response.
// Like ChunkedDecoder it is fed each byte once and stops at the end of the body, so pipelined
// messages that follow are left for the next head parser.
// @lesson 05
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "src/http/body_framing.hpp"
#include "src/http/chunked_decoder.hpp"
#include "src/http/parse_error.hpp"
#include "src/http/parser_limits.hpp"

namespace duplex::http {

class BodyReader {
 public:
  BodyReader(const BodyFraming& framing, const ParserLimits& limits = {});

  // kNeedMore, kDone (the body ended after `consumed` bytes of `input`) or kFailed; a body
  // over `limits.max_body` (a Content-Length over it is refused before any byte) is a 413.
  ParseResult feed(std::string_view input, std::string& payload);

  // The peer closed the connection: complete for a close-delimited body, otherwise a 400
  // "connection closed inside the body" (RFC 9112 §8: an incomplete message).
  ParseResult end_of_input();

  bool done() const { return done_; }
  const ChunkedDecoder& chunked() const { return chunked_; }

 private:
  BodyFraming framing_;
  ParserLimits limits_;
  ChunkedDecoder chunked_;
  std::uint64_t received_ = 0;
  bool done_ = false;
};

}  // namespace duplex::http
