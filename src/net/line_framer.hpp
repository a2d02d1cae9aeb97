// LineFramer: newline-delimited lines out of a byte stream, sans-I/O (lesson 02).
//
// The first protocol on top of TCP: a message is a line ending in "\n". The framer never
// touches a socket: feed() it whatever bytes arrived, however they were split, and take
// complete lines out with next_line(). It is the smallest example of the pattern every later
// parser (HTTP heads, WebSocket frames) follows.
//
// Line endings: a line ends at LF. A single CR right before the LF is dropped, so "a\r\n" and
// "a\n" both give "a" (RFC 9112 §2.2 lets HTTP recipients accept a bare LF the same way). A
// CR anywhere else is part of the line.
//
// Limit: a line longer than max_line_length bytes (not counting its CRLF or LF) is an error as
// soon as that is known, even before its LF arrives, so a peer that never sends a newline cannot
// make the framer hold unbounded memory.
// @lesson 02
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "src/net/buffer.hpp"

namespace duplex::net {

class LineTooLong : public std::runtime_error {
 public:
  explicit LineTooLong(std::size_t max_line_length);
};

class LineFramer {
 public:
  static constexpr std::size_t kDefaultMaxLineLength = 8192;

  explicit LineFramer(std::size_t max_line_length = kDefaultMaxLineLength);

  // Adds bytes that arrived. Never throws for bad input; next_line() reports it.
  void feed(std::string_view bytes);
  // The next complete line without its terminator, or nullopt if more bytes are needed.
  // Throws LineTooLong if the next line exceeds the limit; the framer is then failed() and
  // keeps throwing (a stream cannot be resynchronised after a line was cut).
  std::optional<std::string> next_line();

  bool failed() const noexcept;
  // Bytes fed but not yet returned as lines (an unterminated last line at end of stream).
  std::size_t buffered() const noexcept;
  std::size_t max_line_length() const noexcept;

 private:
  Buffer pending_;
  std::size_t scanned_ = 0;  // bytes of pending_ already searched for LF: no rescans
  std::size_t max_line_length_;
  bool failed_ = false;
};

}  // namespace duplex::net
