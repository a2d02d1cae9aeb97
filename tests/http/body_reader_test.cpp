// Tests for BodyReader (lesson 05; RFC 9112 §6.3, §8).
// @lesson 05
#include "src/http/body_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace duplex::http {
namespace {

using Kind = BodyFraming::Kind;

TEST(L05_BodyReader, ContentLengthTakesExactlyNBytes) {
  BodyReader reader({Kind::kContentLength, 5});
  std::string body;
  ParseResult first = reader.feed("hel", body);
  EXPECT_TRUE(first.need_more());
  EXPECT_EQ(first.consumed, 3U);
  // The bytes after the body are the next request: not consumed.
  ParseResult second = reader.feed("loGET /", body);
  EXPECT_TRUE(second.done());
  EXPECT_EQ(second.consumed, 2U);
  EXPECT_EQ(body, "hello");
  EXPECT_TRUE(reader.done());
}

TEST(L05_BodyReader, NoBodyIsDoneAtOnce) {
  BodyReader reader({Kind::kNone, 0});
  EXPECT_TRUE(reader.done());
  std::string body;
  ParseResult result = reader.feed("GET /", body);
  EXPECT_TRUE(result.done());
  EXPECT_EQ(result.consumed, 0U);
}

TEST(L05_BodyReader, ChunkedDelegatesToTheDecoder) {
  BodyReader reader({Kind::kChunked, 0});
  std::string body;
  ParseResult result = reader.feed("2\r\nhi\r\n0\r\n\r\nNEXT", body);
  EXPECT_TRUE(result.done());
  EXPECT_EQ(result.consumed, 12U);
  EXPECT_EQ(body, "hi");
}

TEST(L05_BodyReader, EndOfInputRfc9112Section8) {
  // A close-delimited response body ends when the connection does.
  BodyReader until_close({Kind::kUntilClose, 0});
  std::string body;
  EXPECT_TRUE(until_close.feed("abc", body).need_more());
  EXPECT_TRUE(until_close.end_of_input().done());
  EXPECT_EQ(body, "abc");
  // A Content-Length body cut short is an incomplete message, not a short one.
  BodyReader short_body({Kind::kContentLength, 10});
  EXPECT_TRUE(short_body.feed("abc", body).need_more());
  ParseResult cut = short_body.end_of_input();
  EXPECT_TRUE(cut.failed());
  EXPECT_EQ(cut.error.offset, 3U);
}

TEST(L05_BodyReader, CloseDelimitedBodyHasALimit) {
  ParserLimits limits;
  limits.max_body = 4;
  BodyReader reader({Kind::kUntilClose, 0}, limits);
  std::string body;
  EXPECT_TRUE(reader.feed("abcd", body).need_more());
  ParseResult over = reader.feed("e", body);
  EXPECT_TRUE(over.failed());
  EXPECT_EQ(over.error.status, 413);
}

TEST(L05_BodyReader, ContentLengthOverTheLimitIsRefusedBeforeAnyByteRfc9110Section15_5_14) {
  // A response's Content-Length is not checked by response_body_framing(): without this check a
  // peer announcing terabytes would have the reader append them all.
  ParserLimits limits;
  limits.max_body = 4;
  BodyReader over({Kind::kContentLength, 5}, limits);
  std::string body;
  ParseResult result = over.feed("hello", body);
  EXPECT_TRUE(result.failed());
  EXPECT_EQ(result.error.status, 413);
  EXPECT_EQ(result.consumed, 0U);
  EXPECT_TRUE(body.empty());
  BodyReader at_limit({Kind::kContentLength, 4}, limits);
  EXPECT_TRUE(at_limit.feed("abcd", body).done());
  EXPECT_EQ(body, "abcd");
}

}  // namespace
}  // namespace duplex::http
