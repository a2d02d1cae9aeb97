// Tests for RequestParser (lesson 04: the head; lesson 05: the body framing it decides).
//
// Every input goes through parse_request_everywhere(): whole, one byte at a time, split at every
// index and at random points, each call's bytes in a GuardedBuffer. All must agree.
// @lesson 04
#include "src/http/request_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "tests/http/http_feed.hpp"

namespace duplex::http {
namespace {

using namespace std::literals;
using testing::Outcome;
using testing::parse_request_everywhere;
using testing::show;

constexpr auto kGetRoot = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"sv;

// Parses `input` whole and returns the head (the views point into `input`).
RequestParser parsed(std::string_view input, const ParserLimits& limits = {}) {
  RequestParser parser(limits);
  ParseResult result = parser.parse(input);
  EXPECT_TRUE(result.done()) << render_error(input, result.error);
  return parser;
}

TEST(L04_RequestParser, SimpleGetRfc9112Section3) {
  Outcome outcome = parse_request_everywhere(kGetRoot);
  ASSERT_EQ(outcome.result, "complete") << show(kGetRoot, outcome);
  EXPECT_EQ(outcome.consumed, kGetRoot.size());
  RequestParser parser = parsed(kGetRoot);
  const RequestHead& head = parser.head();
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.method_id, Method::kGet);
  EXPECT_EQ(head.target, "/");
  EXPECT_EQ(head.form, TargetForm::kOrigin);
  EXPECT_EQ(head.path, "/");
  EXPECT_FALSE(head.has_query);
  EXPECT_EQ(head.version_major, 1);
  EXPECT_EQ(head.version_minor, 1);
  ASSERT_EQ(head.headers.size(), 1U);
  EXPECT_EQ(head.headers.get("host"), "example.com");
#if DUPLEX_LESSON >= 5
  EXPECT_EQ(head.body.kind, BodyFraming::Kind::kNone);
#endif
}

TEST(L04_RequestParser, ViewsPointIntoTheCallersBuffer) {
  // The contract: no copy per field. The method, target and field views lie inside the input.
  std::string input(kGetRoot);
  RequestParser parser;
  ASSERT_TRUE(parser.parse(input).done());
  const RequestHead& head = parser.head();
  auto inside = [&](std::string_view part) {
    return part.data() >= input.data() && part.data() + part.size() <= input.data() + input.size();
  };
  EXPECT_TRUE(inside(head.method));
  EXPECT_TRUE(inside(head.target));
  EXPECT_TRUE(inside(head.headers[0].name));
  EXPECT_TRUE(inside(head.headers[0].value));
}

TEST(L04_RequestParser, ViewsFollowTheBytesWhenTheBufferMoves) {
  // The caller may grow or move its buffer between calls: the request line is checked in the
  // first buffer, and the head's views must point into the last one, never into freed memory.
  constexpr auto kHead = "POST /a/b?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"sv;
  RequestParser parser;
  std::string first(kHead.substr(0, kHead.find('\n') + 1));
  ASSERT_TRUE(parser.parse(first).need_more());
  std::string second(kHead);
  first.assign(first.size(), 'X');
  ASSERT_TRUE(parser.parse(second).done());
  const RequestHead& head = parser.head();
  EXPECT_EQ(head.method, "POST");
  EXPECT_EQ(head.target, "/a/b?x=1");
  EXPECT_EQ(head.query, "x=1");
  EXPECT_EQ(head.path, "/a/b");
  EXPECT_EQ(head.method.data(), second.data());
  EXPECT_EQ(head.query.data(), second.data() + 10);
}

TEST(L04_RequestParser, NeedMoreUntilTheEmptyLine) {
  RequestParser parser;
  std::string_view head = kGetRoot.substr(0, kGetRoot.size() - 1);
  EXPECT_TRUE(parser.parse(head).need_more());
  EXPECT_TRUE(parser.parse(kGetRoot).done());
}

TEST(L04_RequestParser, PipelinedRequestsConsumeOnlyTheFirstHead) {
  // RFC 9112 §9.3.2: a client may send several requests without waiting; the parser must stop
  // at the end of the first head and leave the rest for the next parse.
  std::string two = std::string(kGetRoot) + "GET /second HTTP/1.1\r\nHost: b\r\n\r\n";
  RequestParser parser;
  ParseResult first = parser.parse(two);
  ASSERT_TRUE(first.done());
  EXPECT_EQ(first.consumed, kGetRoot.size());
  std::string rest = two.substr(first.consumed);
  parser.reset();
  ParseResult second = parser.parse(rest);
  ASSERT_TRUE(second.done());
  EXPECT_EQ(parser.head().path, "/second");
  EXPECT_EQ(second.consumed, rest.size());
}

TEST(L04_RequestParser, AnswerIsStickyUntilReset) {
  RequestParser parser;
  ASSERT_TRUE(parser.parse("GET / HTTP/1.1\r\nHost : x\r\n\r\n").failed());
  EXPECT_TRUE(parser.parse(kGetRoot).failed());
  parser.reset();
  EXPECT_TRUE(parser.parse(kGetRoot).done());
}

TEST(L04_RequestParser, BadRequestLineFailsBeforeTheFieldsArrive) {
  // Early rejection: no need to wait for (or buffer) the rest of a head that is already wrong.
  RequestParser parser;
  ParseResult result = parser.parse("GET / HTTP/1.1 \r\nHo");
  ASSERT_TRUE(result.failed());
  EXPECT_EQ(result.error.offset, 14U);
}

TEST(L04_RequestParser, ErrorOffsetPointsAtTheFailingByteRfc9112Section5_1) {
  std::string_view input = "GET / HTTP/1.1\r\nHost : x\r\n\r\n";
  RequestParser parser;
  ParseResult result = parser.parse(input);
  ASSERT_TRUE(result.failed());
  EXPECT_EQ(result.error.offset, 20U);
  EXPECT_EQ(input[result.error.offset], ' ');
  EXPECT_EQ(render_error(input, result.error),
            "400 whitespace before colon at byte 20\n"
            "  Host : x\\r\\n\n"
            "      ^\n");
}

TEST(L04_RequestParser, LimitsAreConfigurable) {
  ParserLimits limits;
  limits.max_request_line = 16;
  // "GET /0123456789A HTTP/1.1" is 25 bytes: over 16.
  Outcome outcome =
      parse_request_everywhere("GET /0123456789A HTTP/1.1\r\nHost: x\r\n\r\n", limits);
  EXPECT_EQ(outcome.status, 414) << outcome.result;
  EXPECT_EQ(outcome.offset, 16U);
}

TEST(L04_RequestParser, RequestLineAtExactlyTheLimitIsAcceptedRfc9112Section3) {
  ParserLimits limits;
  limits.max_request_line = 25;
  std::string_view input = "GET /0123456789A HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(parse_request_everywhere(input, limits).result, "complete");
  limits.max_request_line = 24;
  EXPECT_EQ(parse_request_everywhere(input, limits).status, 414);
}

TEST(L04_RequestParser, DefaultRequestLineLimitIs8KiB) {
  ParserLimits limits;
  EXPECT_EQ(limits.max_request_line, 8192U);
  std::string fits = "GET /" + std::string(8192 - 14, 'a') + " HTTP/1.1";
  ASSERT_EQ(fits.size(), 8192U);
  EXPECT_EQ(parse_request_everywhere(fits + "\r\nHost: x\r\n\r\n").result, "complete");
  std::string over = "GET /" + std::string(8193 - 14, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(parse_request_everywhere(over).status, 414);
}

TEST(L04_RequestParser, SlowClientNeverSeesTheLimitLate) {
  // A request line that never ends must be refused as soon as it passes the limit, not when
  // (if ever) its LF arrives: that is what keeps a slowloris client from filling memory.
  ParserLimits limits;
  limits.max_request_line = 32;
  RequestParser parser(limits);
  std::string line = "GET /";
  ParseResult result;
  while (line.size() < 1000 && (result = parser.parse(line)).need_more()) line += 'a';
  ASSERT_TRUE(result.failed());
  EXPECT_EQ(result.error.status, 414);
  EXPECT_EQ(line.size(), 34U);  // 32 bytes, plus room for the CR, plus one
}

TEST(L04_RequestParser, HeaderSectionLimitRfc6585Section5) {
  ParserLimits limits;
  limits.max_header_bytes = 64;
  // Field section = "Host: x\r\n" (9) + "X: " + value + "\r\n" + "\r\n".
  auto request = [](std::size_t value) {
    return "GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(value, 'v') + "\r\n\r\n";
  };
  EXPECT_EQ(parse_request_everywhere(request(64 - 9 - 5 - 2), limits).result, "complete");
  Outcome over = parse_request_everywhere(request(64 - 9 - 5 - 1), limits);
  EXPECT_EQ(over.status, 431) << over.result;
}

TEST(L04_RequestParser, FieldCountLimitRfc6585Section5) {
  ParserLimits limits;
  limits.max_fields = 3;
  std::string three = "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n";
  EXPECT_EQ(parse_request_everywhere(three, limits).result, "complete");
  std::string four = "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
  EXPECT_EQ(parse_request_everywhere(four, limits).status, 431);
}

#if DUPLEX_LESSON >= 5
TEST(L05_RequestParser, FramingIsPartOfTheHeadRfc9112Section6_3) {
  auto framing = [](std::string_view fields) {
    std::string input = "POST /u HTTP/1.1\r\nHost: x\r\n" + std::string(fields) + "\r\n";
    RequestParser parser;
    EXPECT_TRUE(parser.parse(input).done()) << input;
    return parser.head().body;
  };
  EXPECT_EQ(framing(""), BodyFraming{});
  EXPECT_EQ(framing("Content-Length: 0\r\n"), BodyFraming{});
  EXPECT_EQ(framing("Content-Length: 12\r\n"),
            (BodyFraming{BodyFraming::Kind::kContentLength, 12}));
  EXPECT_EQ(framing("Transfer-Encoding: chunked\r\n").kind, BodyFraming::Kind::kChunked);
  EXPECT_EQ(framing("Transfer-Encoding: CHUNKED\r\n").kind, BodyFraming::Kind::kChunked);
}
#endif

// ---------------------------------------------------------------------------------------------
// Malformed requests: each row is one rule, with the status the server must answer.

struct Malformed {
  std::string_view why;
  std::string_view input;
  int status;
};

const Malformed kMalformed[] = {
    // Request line (RFC 9112 §3)
    {"§3: the line starts with the method, not a space", " GET / HTTP/1.1\r\nHost: x\r\n\r\n"sv,
     400},
    {"§3: exactly one SP between parts; two would hide an empty target",
     "GET  / HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"§3: nothing may follow the version", "GET / HTTP/1.1 \r\nHost: x\r\n\r\n"sv, 400},
    {"§3: the separator is SP, not HTAB", "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"§3: HTTP/0.9 simple requests (no version) are not HTTP/1.1", "GET /\r\nHost: x\r\n\r\n"sv,
     400},
    {"§2.3: the version name is case-sensitive", "GET / http/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"§2.3: the version needs a minor digit", "GET / HTTP/1\r\nHost: x\r\n\r\n"sv, 400},
    {"§2.3: one digit each, no third part", "GET / HTTP/1.1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"§2.3: a two-digit major is not a version", "GET / HTTP/11.1\r\nHost: x\r\n\r\n"sv, 400},
    {"RFC 9110 §15.6.6: HTTP/2.0 on an HTTP/1 connection is unsupported",
     "GET / HTTP/2.0\r\nHost: x\r\n\r\n"sv, 505},
    {"RFC 9110 §15.6.6: HTTP/0.9 is not supported", "GET / HTTP/0.9\r\nHost: x\r\n\r\n"sv, 505},
    {"RFC 9110 §15.6.6: HTTP/3.0 is not supported", "GET / HTTP/3.0\r\nHost: x\r\n\r\n"sv, 505},
    {"RFC 9113 §3.4: the HTTP/2 preface sent to an HTTP/1 server",
     "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"sv, 505},
    {"RFC 9110 §9.1: the method is a token; '@' is not a tchar",
     "G@T / HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"RFC 9110 §9.1: a NUL inside the method", "GE\0T / HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"§3.2: a space inside the target splits the line in four",
     "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"§3.2: DEL is not a URI character", "GET /a\x7f HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"§3.2: raw non-ASCII bytes must be percent-encoded",
     "GET /\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"§3.2.1: a fragment is never sent in a request target",
     "GET /a#frag HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"RFC 3986 §2.1: %zz is not a percent-encoding", "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"RFC 3986 §2.1: a truncated escape", "GET /a%2 HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"a decoded NUL would cut a file name short", "GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"§3.2: a raw NUL in the target", "GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"§3.2: a raw backslash is not a URI character", "GET /a\\..\\b HTTP/1.1\r\nHost: x\r\n\r\n"sv,
     400},
    {"§3.2.1: origin-form starts with '/'; relative paths are not a form",
     "GET a/b HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"§3.2.4: asterisk-form is only for OPTIONS", "GET * HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"§3.2.3: CONNECT needs authority-form", "CONNECT / HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"§3.2.3: authority-form needs a port", "CONNECT example.com HTTP/1.1\r\nHost: x\r\n\r\n"sv,
     400},
    {"§3.2.3: an empty port", "CONNECT example.com: HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"§3.2.2: absolute-form needs scheme://authority", "GET http:/x HTTP/1.1\r\nHost: x\r\n\r\n"sv,
     400},
    {"RFC 9110 §4.2.4: userinfo in an http URI is refused",
     "GET http://user@host/ HTTP/1.1\r\nHost: host\r\n\r\n"sv, 400},
    {"RFC 9110 §4.2.1: an http URI with an empty host",
     "GET http:///path HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"§2.2: a bare LF ends no line here", "GET / HTTP/1.1\nHost: x\r\n\r\n"sv, 400},
    {"§2.2: a stray CR before CRLF is not part of the version",
     "GET / HTTP/1.1\r\r\nHost: x\r\n\r\n"sv, 400},
    {"§2.2: empty lines before the request are tolerated, but not forever",
     "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    {"§2.2: a leading empty line must still be CRLF", "\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"sv, 400},
    // Field lines (RFC 9112 §5, RFC 9110 §5)
    {"§5.1: whitespace before the colon (proxies disagree on the name)",
     "GET / HTTP/1.1\r\nHost : x\r\n\r\n"sv, 400},
    {"§5.1: a tab before the colon is whitespace too", "GET / HTTP/1.1\r\nHost\t: x\r\n\r\n"sv,
     400},
    {"§2.2: whitespace between the start line and the first field",
     "GET / HTTP/1.1\r\n Host: x\r\n\r\n"sv, 400},
    {"§5.2: obs-fold (SP continuation) is rejected",
     "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n"sv, 400},
    {"§5.2: obs-fold with HTAB is rejected", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n\tb\r\n\r\n"sv,
     400},
    {"§5: a field line needs a colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n"sv, 400},
    {"RFC 9110 §5.1: the field name is a token, never empty",
     "GET / HTTP/1.1\r\nHost: x\r\n: value\r\n\r\n"sv, 400},
    {"RFC 9110 §5.1: '(' is a delimiter, not a tchar",
     "GET / HTTP/1.1\r\nHost: x\r\nX(y): z\r\n\r\n"sv, 400},
    {"RFC 9110 §5.1: a non-ASCII byte in a field name",
     "GET / HTTP/1.1\r\nHost: x\r\nX\xc3\xa9: z\r\n\r\n"sv, 400},
    {"RFC 9110 §5.5: NUL in a value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n"sv, 400},
    {"RFC 9110 §5.5: a bare CR in a value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n"sv, 400},
    {"RFC 9110 §5.5: a control byte in a value",
     "GET / HTTP/1.1\r\nHost: x\r\nX: a\x01"
     "b\r\n\r\n"sv,
     400},
    {"RFC 9110 §5.5: DEL in a value",
     "GET / HTTP/1.1\r\nHost: x\r\nX: a\x7f"
     "b\r\n\r\n"sv,
     400},
    {"§2.2: a field line ended by a bare LF", "GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n"sv, 400},
    {"§2.2: the head ended by a bare LF", "GET / HTTP/1.1\r\nHost: x\r\n\n"sv, 400},
    // Host (RFC 9112 §3.2)
    {"§3.2: HTTP/1.1 requires Host", "GET / HTTP/1.1\r\nX: y\r\n\r\n"sv, 400},
    {"§3.2: two Host fields: which one routes?", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"sv,
     400},
    {"§3.2: two Host fields are refused in HTTP/1.0 too",
     "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n"sv, 400},
    {"§3.2: a Host list is more than one Host", "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n"sv, 400},
    {"§3.2: a space inside Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n"sv, 400},
    {"RFC 9110 §4.2.4: userinfo in Host", "GET / HTTP/1.1\r\nHost: user@host\r\n\r\n"sv, 400},
    {"§3.2: a path in Host", "GET / HTTP/1.1\r\nHost: host/x\r\n\r\n"sv, 400},
    {"§3.2: a port that is not digits", "GET / HTTP/1.1\r\nHost: host:http\r\n\r\n"sv, 400},
    {"§3.2: an empty port after the colon", "GET / HTTP/1.1\r\nHost: host:\r\n\r\n"sv, 400},
    {"§3.2: an unclosed IP literal", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"sv, 400},
    // Lesson 04's own rules already refuse the two oldest tricks for hiding a framing field.
    {"§5.1: 'Transfer-Encoding :' must not be read as Transfer-Encoding by anyone",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n"sv, 400},
    {"§5.2: Transfer-Encoding hidden in an obs-fold",
     "POST / HTTP/1.1\r\nHost: x\r\nX: y\r\n Transfer-Encoding: chunked\r\n\r\n"sv, 400},
#if DUPLEX_LESSON >= 5
    // Framing (RFC 9112 §6, §11.2)
    {"§6.3: Content-Length with Transfer-Encoding is the classic smuggling vector",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"sv,
     400},
    {"§6.3: the same, Transfer-Encoding first",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"sv,
     400},
    {"§6.1: Transfer-Encoding in HTTP/1.0 means faulty framing",
     "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"sv, 400},
    {"§6.3: chunked must be the final coding of a request",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"sv, 400},
    {"§6.3: chunked not last: the length cannot be known",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"sv, 400},
    {"§6.1: chunked applied twice",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"sv, 400},
    {"§6.1: chunked twice, across two fields",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"sv,
     400},
    {"§6.1: an empty Transfer-Encoding names no coding",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\n\r\n"sv, 400},
    {"§6.1: 'chunked;x=1' is not the chunked coding",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked;x=1\r\n\r\n"sv, 400},
    {"§6.1: a coding Duplex cannot decode before chunked: 501",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"sv, 501},
    {"RFC 9110 §8.6: Content-Length has no sign",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"sv, 400},
    {"RFC 9110 §8.6: not even a plus sign",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n"sv, 400},
    {"RFC 9110 §8.6: decimal digits only",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n"sv, 400},
    {"RFC 9110 §8.6: no fraction", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1.5\r\n\r\n"sv,
     400},
    {"RFC 9110 §8.6: two numbers in one value",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5 5\r\n\r\n"sv, 400},
    {"RFC 9110 §8.6: an empty Content-Length",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n"sv, 400},
    {"RFC 9110 §8.6: two Content-Length fields that differ",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"sv, 400},
    {"RFC 9110 §8.6: a list of lengths that differ",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\n"sv, 400},
    {"RFC 9110 §8.6: a length beyond 2^64 must not wrap to a small number",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551621\r\n\r\n"sv, 413},
    {"RFC 9110 §15.5.14: a body larger than the 1 MiB default",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n"sv, 413},
    {"RFC 9110 §8.6: digit separators are not digits (some number parsers accept '1_000')",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1_000\r\n\r\n"sv, 400},
    {"§6.1: a quoted coding is not the token chunked",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \"chunked\"\r\n\r\n"sv, 400},
    {"§6.3: an empty Transfer-Encoding beside Content-Length is still both",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\nContent-Length: 3\r\n\r\n"sv, 400},
    {"RFC 9110 §8.6: an empty second Content-Length beside a valid one",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: \r\n\r\n"sv, 400},
#endif
};

TEST(L04_MalformedRequests, EachMapsToItsStatus) {
  ASSERT_GE(std::size(kMalformed), 60U);
  for (const Malformed& row : kMalformed) {
    SCOPED_TRACE(row.why);
    Outcome outcome = parse_request_everywhere(row.input);
    EXPECT_EQ(outcome.status, row.status) << show(row.input, outcome);
    if (outcome.status != 0) {
      EXPECT_LE(outcome.offset, row.input.size()) << "the caret must point into the input";
    }
  }
}

TEST(L04_MalformedRequests, TooLongAndTooManyMapTo414And431) {
  std::string long_line = "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(parse_request_everywhere(long_line).status, 414);
  std::string many = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 100; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(parse_request_everywhere(many + "\r\n").status, 431);
  std::string big = "GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(40 * 1024, 'v') + "\r\n\r\n";
  EXPECT_EQ(parse_request_everywhere(big).status, 431);
}

// ---------------------------------------------------------------------------------------------
// Valid but unusual requests: strictness must not turn into refusing what the RFC allows.

struct Unusual {
  std::string_view why;
  std::string_view input;
  std::string_view expect;  // a fragment of the head's summary
};

const Unusual kUnusual[] = {
    {"§3.2.2: absolute-form, as sent to a proxy",
     "GET http://example.com:8080/a/b?x=1 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"sv,
     "path=/a/b query=x=1 authority=example.com:8080"},
    {"§3.2.2: absolute-form with no path means '/'",
     "GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n"sv, "path=/ query=-"},
    {"§3.2.2: the scheme is case-insensitive",
     "GET HTTP://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n"sv, "form=1"},
    {"§3.2.4: OPTIONS * asks about the server itself", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"sv,
     "OPTIONS * form=3 path= "},
    {"§3.2.3: CONNECT host:port",
     "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"sv,
     "form=2 path= query=- authority=example.com:443"},
    {"§3.2.3: CONNECT to an IPv6 literal",
     "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n"sv, "authority=[::1]:443"},
    {"RFC 9110 §5.6.3: OWS may be tabs", "GET / HTTP/1.1\r\nHost:\t\texample.com \t \r\n\r\n"sv,
     "[Host=example.com]"},
    {"RFC 9110 §5.5: an empty value is a value", "GET / HTTP/1.1\r\nHost: x\r\nX-Empty:\r\n\r\n"sv,
     "[X-Empty=]"},
    {"RFC 9110 §5.5: a value of only whitespace is empty",
     "GET / HTTP/1.1\r\nHost: x\r\nX-Blank:   \t \r\n\r\n"sv, "[X-Blank=]"},
    {"RFC 9110 §5.5: inner whitespace is kept", "GET / HTTP/1.1\r\nHost: x\r\nX: a \t b\r\n\r\n"sv,
     "[X=a \t b]"},
    {"RFC 9110 §5.5: obs-text bytes are allowed in values",
     "GET / HTTP/1.1\r\nHost: x\r\nX: caf\xc3\xa9\r\n\r\n"sv, "[X=caf\xc3\xa9]"},
    {"RFC 9110 §5.1: names keep their case", "GET / HTTP/1.1\r\nhOsT: x\r\nX-MiXeD: 1\r\n\r\n"sv,
     "[hOsT=x] [X-MiXeD=1]"},
    {"RFC 9110 §5.1: every tchar may appear in a name",
     "GET / HTTP/1.1\r\nHost: x\r\n!#$%&'*+-.^_`|~09aZ: v\r\n\r\n"sv, "[!#$%&'*+-.^_`|~09aZ=v]"},
    {"RFC 9110 §5.5: a colon inside the value",
     "GET / HTTP/1.1\r\nHost: x:80\r\nX: a:b::c\r\n\r\n"sv, "[X=a:b::c]"},
    {"§2.2: one empty line before the request line", "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"sv,
     "GET / "},
    {"§2.2: four empty lines (the configured maximum)",
     "\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"sv, "GET / "},
    {"RFC 9110 §9.1: any token is a method; unknown ones are the server's business",
     "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n"sv, "BREW /pot"},
    {"RFC 9110 §9.1: methods are case-sensitive, so 'get' is another method",
     "get / HTTP/1.1\r\nHost: x\r\n\r\n"sv, "get / "},
    {"§3.2: HTTP/1.0 needs no Host", "GET / HTTP/1.0\r\n\r\n"sv, "HTTP/1.0"},
    {"RFC 9110 §2.5: a higher minor version is still HTTP/1", "GET / HTTP/1.9\r\nHost: x\r\n\r\n"sv,
     "HTTP/1.9"},
    {"§3.2: an empty Host is valid when the URI has no authority",
     "GET / HTTP/1.1\r\nHost:\r\n\r\n"sv, "[Host=]"},
    {"§3.2: Host as an IPv6 literal with a port",
     "GET / HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n\r\n"sv, "[Host=[2001:db8::1]:8080]"},
    {"RFC 3986 §3.4: '?' and '/' may appear inside the query",
     "GET /p?a=/b?c HTTP/1.1\r\nHost: x\r\n\r\n"sv, "path=/p query=a=/b?c"},
    {"RFC 3986 §3.4: an empty query is not no query", "GET /p? HTTP/1.1\r\nHost: x\r\n\r\n"sv,
     "path=/p query= "},
    {"the query is kept raw, not decoded", "GET /p?q=%2e%2e/x HTTP/1.1\r\nHost: x\r\n\r\n"sv,
     "query=q=%2e%2e/x"},
    {"RFC 3986 §3.3: sub-delims, ':' and '@' in a path",
     "GET /a;b=c/d:e@f!$&'()*+, HTTP/1.1\r\nHost: x\r\n\r\n"sv, "path=/a;b=c/d:e@f!$&'()*+,"},
    {"RFC 3986 §5.2.4: dot-segments are removed", "GET /a/./b/../c HTTP/1.1\r\nHost: x\r\n\r\n"sv,
     "path=/a/c "},
    {"encoded dot-segments cannot climb above the root",
     "GET /%2e%2e/%2E%2E/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"sv, "path=/etc/passwd "},
    {"an encoded backslash separates segments",
     "GET /a/..%5c..%5cetc HTTP/1.1\r\nHost: x\r\n\r\n"sv, "path=/etc "},
    {"'//' collapses, so '//etc' is not an absolute file path",
     "GET //etc//passwd HTTP/1.1\r\nHost: x\r\n\r\n"sv, "path=/etc/passwd "},
#if DUPLEX_LESSON >= 5
    {"RFC 9110 §8.6: identical Content-Length fields may be accepted",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"sv,
     "body=length=5"},
    {"RFC 9110 §8.6: a list of identical lengths",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 7, 7\r\n\r\n"sv, "body=length=7"},
    {"RFC 9110 §8.6: leading zeros are still digits",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0007\r\n\r\n"sv, "body=length=7"},
    {"RFC 9110 §8.6: exactly the body limit",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n"sv, "body=length=1048576"},
    {"RFC 9110 §5.6.1: empty list elements are ignored",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: , chunked\r\n\r\n"sv, "body=chunked"},
    {"§6.1: coding names are case-insensitive",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"sv, "body=chunked"},
    {"RFC 9110 §5.5: tabs around chunked are OWS, so it is still chunked (not 501 or 400)",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\t CHUNKED\t\r\n\r\n"sv, "body=chunked"},
    {"RFC 9110 §8.6: more leading zeros than 2^64 has digits must not be taken for overflow",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 000000000000000000000000005\r\n\r\n"sv,
     "body=length=5"},
#endif
};

TEST(L04_UnusualRequests, AreAccepted) {
  for (const Unusual& row : kUnusual) {
    SCOPED_TRACE(row.why);
    Outcome outcome = parse_request_everywhere(row.input);
    ASSERT_EQ(outcome.result, "complete") << show(row.input, outcome);
    EXPECT_NE(outcome.head.find(row.expect), std::string::npos)
        << "expected \"" << row.expect << "\" in: " << outcome.head;
  }
}

TEST(L04_UnusualRequests, LongButLegalLines) {
  // A 4 KiB cookie and a request line just under the limit: large but legal.
  std::string target = "/" + std::string(8000, 'p');
  std::string input =
      "GET " + target + " HTTP/1.1\r\nHost: x\r\nCookie: " + std::string(4096, 'c') + "\r\n\r\n";
  Outcome outcome = parse_request_everywhere(input);
  ASSERT_EQ(outcome.result, "complete") << show(input, outcome);
  EXPECT_NE(outcome.head.find("path=" + target + " "), std::string::npos);
}

TEST(L04_UnusualRequests, ExactlyTheDefaultFieldCount) {
  std::string input = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 1; i < 100; ++i) input += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(parse_request_everywhere(input + "\r\n").result, "complete");
}

}  // namespace
}  // namespace duplex::http
