// Tests for the message-length rules (lesson 05; RFC 9112 §6.3, RFC 9110 §8.6).
// @lesson 05
#include "src/http/body_framing.hpp"

#include <gtest/gtest.h>

namespace duplex::http {
namespace {

using Kind = BodyFraming::Kind;

Headers fields(std::initializer_list<Field> list) {
  Headers headers;
  for (const Field& field : list) headers.add(field.name, field.value);
  return headers;
}

BodyFraming request(const Headers& headers, int minor = 1, int* status = nullptr) {
  BodyFraming framing;
  ParseError error;
  bool ok = request_body_framing(headers, minor, ParserLimits{}, {}, framing, error);
  if (status != nullptr) *status = ok ? 0 : error.status;
  return framing;
}

int request_status(const Headers& headers, int minor = 1) {
  int status = 0;
  request(headers, minor, &status);
  return status;
}

BodyFraming response(const Headers& headers, int status, std::string_view method = "GET") {
  BodyFraming framing;
  ParseError error;
  EXPECT_TRUE(response_body_framing(headers, status, method, {}, framing, error)) << error.reason;
  return framing;
}

TEST(L05_BodyFraming, RequestsRfc9112Section6_3) {
  EXPECT_EQ(request(fields({})).kind, Kind::kNone);  // rule 7: no body without CL or TE
  EXPECT_EQ(request(fields({{"Content-Length", "10"}})), (BodyFraming{Kind::kContentLength, 10}));
  EXPECT_EQ(request(fields({{"Transfer-Encoding", "chunked"}})).kind, Kind::kChunked);
  EXPECT_EQ(request(fields({{"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}})).kind,
            Kind::kNone);  // parsed, but refused: see the statuses below
  EXPECT_EQ(
      request_status(fields({{"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}})),
      501);
}

TEST(L05_BodyFraming, SmugglingCombinationsAreRefusedRfc9112Section11_2) {
  // Each pair makes two HTTP implementations likely to disagree on where the body ends.
  EXPECT_EQ(request_status(fields({{"Content-Length", "4"}, {"Transfer-Encoding", "chunked"}})),
            400);
  EXPECT_EQ(request_status(fields({{"Transfer-Encoding", "chunked"}}), 0), 400);
  EXPECT_EQ(request_status(fields({{"Transfer-Encoding", "chunked, identity"}})), 400);
  EXPECT_EQ(request_status(fields({{"Content-Length", "4"}, {"Content-Length", "5"}})), 400);
  EXPECT_EQ(request_status(fields({{"Content-Length", "4"}, {"Content-Length", "4"}})), 0);
}

TEST(L05_BodyFraming, ContentLengthIsDigitsOnlyRfc9110Section8_6) {
  Headers max = fields({{"Content-Length", "18446744073709551615"}});
  bool present = false;
  std::uint64_t length = 0;
  ParseError error;
  ASSERT_TRUE(parse_content_length(max, {}, present, length, error));
  EXPECT_EQ(length, 18446744073709551615ULL);
  Headers over = fields({{"Content-Length", "18446744073709551616"}});
  EXPECT_FALSE(parse_content_length(over, {}, present, length, error));
  EXPECT_EQ(error.status, 413);
  for (std::string_view bad : {"-0", "+1", " ", "1e3", "0x1", "١"}) {
    Headers headers = fields({{"Content-Length", bad}});
    EXPECT_FALSE(parse_content_length(headers, {}, present, length, error)) << bad;
    EXPECT_EQ(error.status, 400) << bad;
  }
  EXPECT_TRUE(parse_content_length(fields({}), {}, present, length, error));
  EXPECT_FALSE(present);
}

TEST(L05_BodyFraming, BodyLimitRfc9110Section15_5_14) {
  ParserLimits limits;
  limits.max_body = 100;
  BodyFraming framing;
  ParseError error;
  EXPECT_TRUE(
      request_body_framing(fields({{"Content-Length", "100"}}), 1, limits, {}, framing, error));
  EXPECT_FALSE(
      request_body_framing(fields({{"Content-Length", "101"}}), 1, limits, {}, framing, error));
  EXPECT_EQ(error.status, 413);
}

TEST(L05_BodyFraming, ResponsesWithoutABodyRfc9112Section6_3) {
  Headers with_length = fields({{"Content-Length", "10"}});
  EXPECT_EQ(response(with_length, 200, "HEAD").kind, Kind::kNone);
  EXPECT_EQ(response(with_length, 101).kind, Kind::kNone);
  EXPECT_EQ(response(with_length, 204).kind, Kind::kNone);
  EXPECT_EQ(response(with_length, 304).kind, Kind::kNone);
  EXPECT_EQ(response(with_length, 200, "CONNECT").kind, Kind::kNone);
  EXPECT_EQ(response(with_length, 407, "CONNECT").kind, Kind::kContentLength);
  EXPECT_EQ(response(with_length, 200).length, 10U);
}

TEST(L05_BodyFraming, ResponsesWithABodyRfc9112Section6_3) {
  EXPECT_EQ(response(fields({}), 200).kind, Kind::kUntilClose);  // rule 8
  EXPECT_EQ(response(fields({{"Transfer-Encoding", "chunked"}}), 200).kind, Kind::kChunked);
  // Rule 4: a response may use another final coding; then it runs until close.
  EXPECT_EQ(response(fields({{"Transfer-Encoding", "gzip"}}), 200).kind, Kind::kUntilClose);
  // Rule 3: for a response, Transfer-Encoding overrides Content-Length.
  EXPECT_EQ(response(fields({{"Content-Length", "3"}, {"Transfer-Encoding", "chunked"}}), 200).kind,
            Kind::kChunked);
  BodyFraming framing;
  ParseError error;
  EXPECT_FALSE(
      response_body_framing(fields({{"Content-Length", "x"}}), 200, "GET", {}, framing, error));
}

}  // namespace
}  // namespace duplex::http
