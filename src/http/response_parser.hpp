// The response head parser, for Duplex's own clients and tests (lesson 05).
//
// RFC 9112 §4 (status line), §5 (fields, read by the same HeadReader as requests), §6.3 (message
// length for a client, which needs the request method: a response to HEAD has no body). Same
// contract as RequestParser: parse() is given all unconsumed bytes so far; the head's views
// point into them.
// @lesson 05
#pragma once

#include <string>
#include <string_view>

#include "src/http/body_framing.hpp"
#include "src/http/head_reader.hpp"
#include "src/http/headers.hpp"
#include "src/http/parse_error.hpp"
#include "src/http/parser_limits.hpp"

namespace duplex::http {

struct ResponseHead {
  int version_major = 1;
  int version_minor = 1;
  int status = 0;
  std::string_view reason;  // may be empty (RFC 9112 §4: a client should ignore it)
  Headers headers;
  BodyFraming body;  // response_body_framing() for the request method given to reset()

  // RFC 9112 §9.3, as for requests; a body that runs until close also ends the connection.
  bool keep_alive() const;
};

class ResponseParser {
 public:
  explicit ResponseParser(const ParserLimits& limits = {});

  ParseResult parse(std::string_view buffered);
  const ResponseHead& head() const { return head_; }

  // Ready for the response to a request with `request_method` (HEAD and CONNECT change the
  // framing). A 1xx response is complete on its own: reset() and parse the final one after it.
  void reset(std::string_view request_method = "GET");

 private:
  bool parse_status_line(std::string_view line, std::size_t offset);
  ParseResult failed(const ParseError& error);

  ParserLimits limits_;
  HeadReader reader_;
  std::string request_method_ = "GET";
  ResponseHead head_;
  ParseResult result_;
};

}  // namespace duplex::http
