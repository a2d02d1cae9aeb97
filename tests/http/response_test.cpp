// Tests for Response serialisation and status_reason (lesson 05; RFC 9112 §4, §6; RFC 9110 §15).
// @lesson 05
#include "src/http/response.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "src/http/response_parser.hpp"

namespace duplex::http {
namespace {

TEST(L05_Response, SerializesStatusFieldsAndLengthRfc9112Section4) {
  Response response(200, "hello");
  response.add("Content-Type", "text/plain");
  EXPECT_EQ(serialize(response),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
}

TEST(L05_Response, FieldsAreKeptSerialisedAndConnectionCloseIsNoticed) {
  Response response;
  EXPECT_FALSE(response.has_fields());
  response.add("A", "  one ").add("Connection", "keep-alive, Close");
  EXPECT_EQ(response.field_lines(), "A: one\r\nConnection: keep-alive, Close\r\n")
      << "OWS around a value is trimmed";
  EXPECT_TRUE(response.has_connection_field());
  EXPECT_TRUE(response.connection_close()) << "options are case-insensitive (RFC 9110 §7.6.1)";
  Response upgrade(101);
  upgrade.add("connection", "Upgrade");
  EXPECT_TRUE(upgrade.has_connection_field());
  EXPECT_FALSE(upgrade.connection_close());
}

TEST(L05_Response, HeadGetsTheLengthButNoBodyRfc9110Section9_3_2) {
  Response response(200, "hello");
  EXPECT_EQ(serialize(response, true), "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
}

TEST(L05_Response, NoBodyStatusesRfc9110Section8_6) {
  // No Content-Length in 1xx or 204, and none of them (nor 304) carries a body.
  EXPECT_EQ(serialize(Response(204, "ignored")), "HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_EQ(serialize(Response(101)), "HTTP/1.1 101 Switching Protocols\r\n\r\n");
  EXPECT_EQ(serialize(Response(304, "x")), "HTTP/1.1 304 Not Modified\r\n\r\n");
}

TEST(L05_Response, CustomReasonAndStreamingHead) {
  Response response(404);
  response.reason = "Nope";
  EXPECT_EQ(serialize(response), "HTTP/1.1 404 Nope\r\nContent-Length: 0\r\n\r\n");
  Response streamed(200);
  EXPECT_EQ(serialize_head(streamed, {BodyFraming::Kind::kChunked, 0}),
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(serialize_head(streamed, {BodyFraming::Kind::kContentLength, 42}),
            "HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n");
}

TEST(L05_Response, RefusesFieldsThatWouldSplitTheResponse) {
  // A CRLF in a value would let a handler's input add fields or a second response.
  Response response;
  EXPECT_THROW(response.add("X", "a\r\nSet-Cookie: evil"), std::invalid_argument);
  EXPECT_THROW(response.add("X", std::string("a\0b", 3)), std::invalid_argument);
  EXPECT_THROW(response.add("Bad Name", "v"), std::invalid_argument);
  EXPECT_THROW(response.add("", "v"), std::invalid_argument);
  // The serialiser owns the framing fields, so they can never contradict the body.
  EXPECT_THROW(response.add("content-length", "3"), std::invalid_argument);
  EXPECT_THROW(response.add("Transfer-Encoding", "chunked"), std::invalid_argument);
  EXPECT_FALSE(response.has_fields());
}

TEST(L05_Response, ReasonPhrasesRfc9110Section15) {
  EXPECT_EQ(status_reason(200), "OK");
  EXPECT_EQ(status_reason(400), "Bad Request");
  EXPECT_EQ(status_reason(413), "Content Too Large");
  EXPECT_EQ(status_reason(414), "URI Too Long");
  EXPECT_EQ(status_reason(431), "Request Header Fields Too Large");
  EXPECT_EQ(status_reason(501), "Not Implemented");
  EXPECT_EQ(status_reason(505), "HTTP Version Not Supported");
  EXPECT_EQ(status_reason(299), "Unknown");
}

TEST(L05_Response, WhatIsSerializedParsesBack) {
  Response response(201, "created!");
  response.add("Location", "/things/1");
  std::string wire = serialize(response);
  ResponseParser parser;
  ParseResult result = parser.parse(wire);
  ASSERT_TRUE(result.done()) << render_error(wire, result.error);
  EXPECT_EQ(parser.head().status, 201);
  EXPECT_EQ(parser.head().reason, "Created");
  EXPECT_EQ(parser.head().headers.get("location"), "/things/1");
  EXPECT_EQ(parser.head().body, (BodyFraming{BodyFraming::Kind::kContentLength, 8}));
  EXPECT_EQ(wire.substr(result.consumed), "created!");
}

}  // namespace
}  // namespace duplex::http
