// The two header fields the HTTP load checks in every response (lesson 12): Content-Length,
// which frames a kept-alive response (RFC 9112 §6.3), and Connection, whose "close" ends the
// connection (RFC 9112 §9.6). Found in one pass over the head, by name in any case (RFC 9110
// §5.1), without copying it: the load generator reads every response, and what it spends per
// response is a ceiling on the rate it can measure.
// @lesson 12
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace duplex::bench {

struct ResponseFields {
  // The field values with their surrounding whitespace removed (RFC 9110 §5.5); empty when
  // the field is absent.
  std::string_view content_length;
  std::string_view connection;
};

// `head` is a response head from its status line up to and including the CRLF that ends the
// last field line (the blank line not included).
ResponseFields response_fields(std::string_view head);

// A Content-Length value as a number: one or more decimal digits (RFC 9110 §8.6), and no
// more than 18 of them, so the number fits; anything else is no length at all.
std::optional<std::size_t> content_length_value(std::string_view text);

// Whether the Connection field's value names "close" (RFC 9110 §7.6.1: a list of
// case-insensitive options).
bool connection_closes(std::string_view connection);

}  // namespace duplex::bench
