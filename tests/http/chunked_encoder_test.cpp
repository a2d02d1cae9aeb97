// Tests for ChunkedEncoder (lesson 05; RFC 9112 §7.1): exact bytes, and a round trip through
// ChunkedDecoder.
// @lesson 05
#include "src/http/chunked_encoder.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "src/http/chunked_decoder.hpp"

namespace duplex::http {
namespace {

TEST(L05_ChunkedEncoder, ExactBytesRfc9112Section7_1) {
  ChunkedEncoder encoder;
  std::string out;
  encoder.encode("hello", out);
  encoder.encode("", out);  // a zero-size chunk would end the body: nothing is written
  encoder.encode(std::string(26, 'x'), out);
  encoder.finish(out);
  EXPECT_EQ(out, "5\r\nhello\r\n1a\r\n" + std::string(26, 'x') + "\r\n0\r\n\r\n");
  EXPECT_TRUE(encoder.finished());
  EXPECT_THROW(encoder.encode("more", out), std::logic_error);
}

TEST(L05_ChunkedEncoder, TrailersRfc9112Section7_1_2) {
  ChunkedEncoder encoder;
  std::string out;
  encoder.finish(out, {{"X-Checksum", "abc"}});
  EXPECT_EQ(out, "0\r\nX-Checksum: abc\r\n\r\n");
  ChunkedEncoder bad;
  std::string ignored;
  // A CRLF in a trailer value would let the sender inject fields.
  EXPECT_THROW(bad.finish(ignored, {{"X", "a\r\nInjected: 1"}}), std::invalid_argument);
  EXPECT_THROW(bad.finish(ignored, {{"X Y", "a"}}), std::invalid_argument);
}

TEST(L05_ChunkedEncoder, RoundTripsThroughTheDecoder) {
  std::string body;
  for (int i = 0; i < 5000; ++i) body += static_cast<char>(i * 7);
  ChunkedEncoder encoder;
  std::string wire;
  for (std::size_t at = 0; at < body.size(); at += 777) encoder.encode(body.substr(at, 777), wire);
  encoder.finish(wire, {{"T", "1"}});
  ChunkedDecoder decoder;
  std::string decoded;
  ParseResult result = decoder.feed(wire, decoded);
  ASSERT_TRUE(result.done());
  EXPECT_EQ(result.consumed, wire.size());
  EXPECT_EQ(decoded, body);
  ASSERT_EQ(decoder.trailers().size(), 1U);
}

}  // namespace
}  // namespace duplex::http
