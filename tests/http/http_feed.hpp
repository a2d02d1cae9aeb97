// Feeding the HTTP head parsers every way the network could (tests for lessons 04-05).
//
// The head parsers are given all unconsumed bytes at each call. These helpers grow the buffer
// chunk by chunk as a server would, put each call's bytes in a GuardedBuffer (so a one-byte
// over-read crashes), and reduce what the parser said to an `Outcome` that two runs can compare.
// @lesson 04
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "src/http/parser_limits.hpp"

namespace duplex::http::testing {

struct Outcome {
  std::string result;  // "need-more", "complete", or "error 400 <reason> @<offset>"
  int status = 0;      // 0 unless an error: then the HTTP status
  std::size_t consumed = 0;
  std::size_t offset = 0;
  std::string reason;  // the error's reason
  std::string head;    // a one-line summary of the parsed head (when complete)
  bool operator==(const Outcome&) const = default;
};

Outcome feed_request(const std::vector<std::string_view>& chunks, const ParserLimits& limits = {});
#if DUPLEX_LESSON >= 5
Outcome feed_response(const std::vector<std::string_view>& chunks, std::string_view method = "GET",
                      const ParserLimits& limits = {});
#endif

// Parses `input` with every split plan and records a test failure (naming the plan, and showing
// the failing byte with a caret) for any plan whose outcome differs from the whole input's.
// Returns the whole input's outcome.
Outcome parse_request_everywhere(std::string_view input, const ParserLimits& limits = {});
#if DUPLEX_LESSON >= 5
Outcome parse_response_everywhere(std::string_view input, std::string_view method = "GET",
                                  const ParserLimits& limits = {});
#endif

// "400 whitespace before colon at byte 20" and the input line with a caret, for messages.
std::string show(std::string_view input, const Outcome& outcome);

// The bytes as a C string literal would show them ("GET / HTTP/1.1\r\nHost: x\r\n"), so a
// failure message shows exactly what was fed and what came back, CR and LF included.
std::string visible(std::string_view bytes);

}  // namespace duplex::http::testing
