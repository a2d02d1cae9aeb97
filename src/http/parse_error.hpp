// What a parser answers, what it says when the input is wrong, and how to show a learner where
// (lesson 04).
//
// Every failure of the HTTP parsers maps to exactly one status code to send back (RFC 9110 §15)
// and a short reason; `offset` is the index of the offending byte in the parser's input, so
// `render_error` can print the line with a caret under that byte. After any error the
// connection's framing can no longer be trusted: the server sends the status and closes
// (RFC 9112 §9.6, §11.2).
// @lesson 04
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "src/net/parse_result.hpp"

namespace duplex::http {

struct ParseError {
  int status = 400;         // 400, 413, 414, 431, 501 or 505
  std::string_view reason;  // a string literal: "whitespace before colon"
  std::size_t offset = 0;   // index of the failing byte in the parser's input
};

// Renders the input line that holds `error.offset`, with control bytes made visible (\r, \n,
// \t, \xNN) and a caret under the failing byte:
//
//   400 whitespace before colon at byte 22
//     Host : x\r\n
//         ^
std::string render_error(std::string_view input, const ParseError& error);

// The answer of every incremental parser: the one contract of src/net/parse_result.hpp
// (need more / done / failed, and how many bytes were consumed), with ParseError as its error.
using ParseStatus = net::ParseStatus;
using ParseResult = net::ParseResult<ParseError>;

}  // namespace duplex::http
