// A response to send, and its serialisation (lesson 05).
//
// RFC 9112 §4 (status line), §5 (field lines), §6 (body framing); RFC 9110 §15 (reason
// phrases), §8.6 (no Content-Length in 1xx and 204), §9.3.2 (HEAD: same head, no body).
// Everything is owned, so a handler can build a response and return it.
// @lesson 05
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "src/http/body_framing.hpp"

namespace duplex::http {

// The standard reason phrase for a status code (RFC 9110 §15), or "Unknown".
std::string_view status_reason(int status);

class Response {
 public:
  explicit Response(int status_code = 200, std::string body_bytes = {})
      : status(status_code), body(std::move(body_bytes)) {}

  int status;
  std::string reason;  // empty: status_reason(status)
  std::string body;

  // Appends a field. Throws std::invalid_argument if the name is not a token, the value holds
  // CR, LF, NUL or another control byte (response splitting), or the name is Content-Length or
  // Transfer-Encoding: the serialiser writes those itself, so they can never disagree.
  Response& add(std::string_view name, std::string_view value);

  // The fields added so far, already serialised: "Name: value\r\n" for each, in order. One
  // string for all of them is one allocation per response rather than two per field, and the
  // serialiser copies it in one go.
  std::string_view field_lines() const { return field_lines_; }
  bool has_fields() const { return !field_lines_.empty(); }
  // Whether a Connection field was added, and whether one of them holds the "close" option
  // (RFC 9110 §7.6.1): the server decides from these whether the connection persists.
  bool has_connection_field() const { return has_connection_; }
  bool connection_close() const { return connection_close_; }

 private:
  std::string field_lines_;
  bool has_connection_ = false;
  bool connection_close_ = false;
};

// RFC 9110 §6.4.1, §15.3.5, §15.4.5: 1xx, 204 and 304 responses never have content.
bool status_has_no_content(int status);

// Appends the status line, "HTTP/1.1 200 OK\r\n" (RFC 9112 §4), and returns the status it wrote:
// a status outside 100..999 is written as 500, since status-code is always three digits; a
// reason phrase byte that may not appear in a field value becomes a space (no response splitting).
int append_status_line(std::string& out, const Response& response);

// Status line, fields, Content-Length and body. With `head_request`, the same head without the
// body bytes (RFC 9110 §9.3.2). 1xx, 204 and 304 get neither Content-Length nor body.
std::string serialize(const Response& response, bool head_request = false);

// Status line, fields and the framing field for a body sent separately: kContentLength adds
// Content-Length, kChunked adds "Transfer-Encoding: chunked" (then use ChunkedEncoder), kNone
// and kUntilClose add nothing. `response.body` is ignored.
std::string serialize_head(const Response& response, const BodyFraming& framing);

}  // namespace duplex::http
