// The request head parser (lesson 04), with the body framing decided at the end (lesson 05).
//
// RFC 9112 §2.2 (robustness), §3 (request line), §3.2 (target and Host), §5 (fields), §6.3
// (message length). Sans-I/O: it never touches a socket.
//
// Why this contract and not Beast-style put(): `parse(buffered)` is given ALL the unconsumed
// bytes received so far, each call's input starting with the previous call's. The results can
// then be string_views into that buffer (no copy per field), and the caller's buffer is the only
// place the head lives. The parser remembers how far it already scanned, so input arriving one
// byte at a time costs O(n) in total (see HeadReader). A put() parser must copy every field
// that straddles two reads; this one never does.
//
//   RequestParser parser;                 // one per connection
//   ParseResult r = parser.parse(buffer);  // after each read, with all unconsumed bytes
//   if (r.done()) { use(parser.head()); drop r.consumed bytes; parser.reset(); }
//   if (r.failed())   { send r.error.status; close; }
//
// The views in head() stay valid while the caller leaves the bytes given to the completing call
// where they are.
// @lesson 04
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "src/http/head_reader.hpp"
#include "src/http/parse_error.hpp"
#include "src/http/parser_limits.hpp"
#include "src/http/request_head.hpp"

namespace duplex::http {

class RequestParser {
 public:
  explicit RequestParser(const ParserLimits& limits = {});

  // Given all unconsumed bytes so far. kNeedMore, kDone (consumed = the head's length; the
  // body, if any, starts right after) or kFailed (status, reason, offset into `buffered`). Once
  // complete or failed, it keeps answering the same until reset().
  ParseResult parse(std::string_view buffered);

  // Valid after kDone.
  const RequestHead& head() const { return head_; }
  const ParserLimits& limits() const { return limits_; }

  // Ready for the next request (call it after dropping the consumed bytes).
  void reset();

 private:
  bool parse_request_line(std::string_view line, std::size_t offset);
  bool finish(std::string_view buffered);
  ParseResult failed(const ParseError& error);

  ParserLimits limits_;
  HeadReader reader_;
  RequestHead head_;
  ParseResult result_;
  // Where the request line's views (method, target, query, authority) lie in the input, by
  // offset: a later call may be given the same bytes at another address.
  struct Span {
    std::size_t at = 0, size = 0;
    static Span of(std::string_view part, std::string_view buffered) {
      if (part.empty()) return {};
      return {static_cast<std::size_t>(part.data() - buffered.data()), part.size()};
    }
    std::string_view in(std::string_view buffered) const { return buffered.substr(at, size); }
  };
  std::array<Span, 4> line_spans_{};
};

}  // namespace duplex::http
