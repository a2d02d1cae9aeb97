// Tests for ResponseParser (lesson 05; RFC 9112 §4, §6.3). Every input is also fed bytewise and
// at every split point, each call's bytes in a GuardedBuffer.
// @lesson 05
#include "src/http/response_parser.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/http/http_feed.hpp"

namespace duplex::http {
namespace {

using namespace std::literals;
using testing::Outcome;
using testing::parse_response_everywhere;
using testing::show;

TEST(L05_ResponseParser, StatusLineAndFieldsRfc9112Section4) {
  std::string_view input = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX: y\r\n\r\nabc";
  Outcome outcome = parse_response_everywhere(input);
  ASSERT_EQ(outcome.result, "complete") << show(input, outcome);
  EXPECT_EQ(outcome.consumed, input.size() - 3);
  EXPECT_EQ(outcome.head, "HTTP/1.1 200 [OK] [Content-Length=3] [X=y] body=length=3");
}

TEST(L05_ResponseParser, ReasonMayBeEmptyOrMissingRfc9112Section4) {
  EXPECT_EQ(parse_response_everywhere("HTTP/1.1 204 \r\n\r\n").head, "HTTP/1.1 204 [] body=none");
  EXPECT_EQ(parse_response_everywhere("HTTP/1.1 204\r\n\r\n").head, "HTTP/1.1 204 [] body=none");
  EXPECT_EQ(parse_response_everywhere("HTTP/1.0 404 Not Found Here\r\n\r\n").head,
            "HTTP/1.0 404 [Not Found Here] body=until-close");
}

TEST(L05_ResponseParser, BodylessResponsesRfc9112Section6_3) {
  // HEAD: Content-Length describes the GET response; no body follows.
  std::string_view head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
  EXPECT_EQ(parse_response_everywhere(head, "HEAD").head,
            "HTTP/1.1 200 [OK] [Content-Length=10] body=none");
  EXPECT_EQ(parse_response_everywhere("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n")
                .head.substr(0, 12),
            "HTTP/1.1 304");
  EXPECT_NE(parse_response_everywhere("HTTP/1.1 100 Continue\r\n\r\n").head.find("body=none"),
            std::string::npos);
  EXPECT_NE(parse_response_everywhere("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                      "Connection: Upgrade\r\n\r\n")
                .head.find("body=none"),
            std::string::npos);
}

TEST(L05_ResponseParser, KeepAliveRfc9112Section9_3) {
  auto keep_alive = [](std::string_view input) {
    ResponseParser parser;
    EXPECT_TRUE(parser.parse(input).done()) << input;
    return parser.head().keep_alive();
  };
  EXPECT_TRUE(keep_alive("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_FALSE(keep_alive("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
  EXPECT_FALSE(keep_alive("HTTP/1.1 200 OK\r\n\r\n"));  // body until close
  EXPECT_FALSE(keep_alive("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"));
}

TEST(L05_ResponseParser, ResetForTheNextResponse) {
  // 100 Continue, then the final response: two heads on one connection.
  std::string wire = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  ResponseParser parser;
  ParseResult first = parser.parse(wire);
  ASSERT_TRUE(first.done());
  EXPECT_EQ(parser.head().status, 100);
  wire.erase(0, first.consumed);
  parser.reset("POST");
  ASSERT_TRUE(parser.parse(wire).done());
  EXPECT_EQ(parser.head().status, 200);
}

struct BadResponse {
  std::string_view why;
  std::string_view input;
  int status;
};

const BadResponse kBadResponses[] = {
    {"§4: the status code is three digits", "HTTP/1.1 20 OK\r\n\r\n"sv, 400},
    {"§4: four digits are not a status code", "HTTP/1.1 2000 OK\r\n\r\n"sv, 400},
    {"RFC 9110 §15: codes run from 100 to 599", "HTTP/1.1 600 Odd\r\n\r\n"sv, 400},
    {"§4: letters are not a status code", "HTTP/1.1 abc OK\r\n\r\n"sv, 400},
    {"§4: a status line needs a code", "HTTP/1.1\r\n\r\n"sv, 400},
    {"§2.3: an unsupported major version", "HTTP/2.0 200 OK\r\n\r\n"sv, 505},
    {"§2.3: not an HTTP version at all", "ICY 200 OK\r\n\r\n"sv, 400},
    {"§4: a control byte in the reason", "HTTP/1.1 200 O\x01K\r\n\r\n"sv, 400},
    {"§5.1: fields follow the same rules as in requests", "HTTP/1.1 200 OK\r\nX : y\r\n\r\n"sv,
     400},
    {"§5.2: obs-fold in a response", "HTTP/1.1 200 OK\r\nX: y\r\n z\r\n\r\n"sv, 400},
    {"§6.3 rule 5: an invalid Content-Length is unrecoverable",
     "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"sv, 400},
    {"§6.3 rule 5: differing Content-Length values",
     "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"sv, 400},
    {"§2.2: a bare LF", "HTTP/1.1 200 OK\n\r\n"sv, 400},
};

TEST(L05_ResponseParser, MalformedResponses) {
  for (const BadResponse& row : kBadResponses) {
    SCOPED_TRACE(row.why);
    Outcome outcome = parse_response_everywhere(row.input);
    EXPECT_EQ(outcome.status, row.status) << show(row.input, outcome);
  }
}

}  // namespace
}  // namespace duplex::http
