// The incremental line reader shared by the request and the response parser (lesson 04).
//
// RFC 9112 §2.1: a message head is a start line, then zero or more field lines, each ended by
// CRLF, then an empty line. `HeadReader` finds those lines in a growing buffer and checks the
// field lines (RFC 9112 §5); the start line it hands back to its owner, which knows whether it
// is a request line (§3) or a status line (§4).
//
// Contract (the one `RequestParser` and `ResponseParser` expose): each call to `next` is given
// ALL the bytes received so far that nothing has consumed, so each call's input starts with the
// previous call's input. The reader remembers where it stopped scanning, so a peer dribbling a
// head one byte at a time costs O(n) in total, not O(n^2) (the slowloris defence). Because the
// bytes of a line never move, the reader keeps offsets, and the views it builds at the end point
// into the caller's buffer: nothing is copied.
// @lesson 04
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "src/http/headers.hpp"
#include "src/http/parse_error.hpp"
#include "src/http/parser_limits.hpp"

namespace duplex::http {

// Checks one field line, CRLF excluded (RFC 9112 §5, RFC 9110 §5.5). `offset` is the index of
// the line's first byte in the parser's input, so an error can point at the failing byte.
// On success `field` holds views into `line` (the value OWS-trimmed) and the result is true.
bool parse_field_line(std::string_view line, std::size_t offset, Field& field, ParseError& error);

// RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive. A major version
// other than 1 is a 505 (RFC 9110 §15.6.6); anything else malformed is a 400. `offset` is the
// index of `text` in the parser's input.
bool parse_http_version(std::string_view text, std::size_t offset, int& major, int& minor,
                        ParseError& error);

class HeadReader {
 public:
  enum class Event {
    kNeedMore,   // every byte given so far is scanned; call again with more
    kStartLine,  // the start line is complete: check `start_line()`, then call `next` again
    kDone,       // the empty line ending the head arrived: `consumed()` bytes form the head
    kFailed,     // see `error()`
  };

  // `start_line_status` is what an over-long start line answers: 414 for a request line.
  HeadReader(const ParserLimits& limits, int start_line_status);

  Event next(std::string_view buffered);
  void reset();

  std::string_view start_line(std::string_view buffered) const {
    return buffered.substr(start_begin_, start_size_);
  }
  std::size_t start_line_offset() const { return start_begin_; }
  std::size_t consumed() const { return pos_; }
  const ParseError& error() const { return error_; }

  // After kDone: the fields as views into `buffered` (the same bytes `next` saw).
  void fill(std::string_view buffered, Headers& headers) const;

 private:
  enum class Phase { kStartLine, kFields, kDone, kFailed };
  struct FieldSpan {
    std::size_t name_at, name_size, value_at, value_size;
  };

  Event fail(int status, std::string_view reason, std::size_t offset);

  ParserLimits limits_;
  int start_line_status_;
  Phase phase_ = Phase::kStartLine;
  std::size_t pos_ = 0;   // first byte of the line being read
  std::size_t scan_ = 0;  // bytes before this index hold no LF of the current line
  std::size_t empty_lines_ = 0;
  std::size_t start_begin_ = 0, start_size_ = 0;
  std::size_t fields_begin_ = 0;
  std::vector<FieldSpan> fields_;
  ParseError error_;
};

}  // namespace duplex::http
