// Tests for ChunkedDecoder (lesson 05; RFC 9112 §7.1).
//
// Every input is decoded whole, one byte at a time, split at every index and at random points,
// each piece in a GuardedBuffer; every plan must decode the same payload, stop at the same byte
// and fail at the same offset.
// @lesson 05
#include "src/http/chunked_decoder.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>

#include "src/http/parse_error.hpp"
#include "tests/http/http_feed.hpp"
#include "tests/support/guarded_buffer.hpp"
#include "tests/support/split_feed.hpp"

namespace duplex::http {
namespace {

using namespace std::literals;

struct Decoded {
  std::string result;  // "need-more", "complete" or "error <status> <reason> @<offset>"
  int status = 0;
  std::size_t consumed = 0;
  std::string payload;
  std::string trailers;
  std::string fed;  // the input (set on the answer decode_everywhere returns), for messages
  bool operator==(const Decoded&) const = default;
};

// For failure messages: what the test fed, and what the decoder made of it.
std::string about(const Decoded& d) {
  return "\n  fed     \"" + testing::visible(d.fed) + "\"\n  decoded " + d.result + ", consumed " +
         std::to_string(d.consumed) + ", payload \"" + testing::visible(d.payload) +
         "\", trailers " + d.trailers;
}

void PrintTo(const Decoded& d, std::ostream* out) {
  *out << d.result << " consumed=" << d.consumed << " payload=" << d.payload.size()
       << " bytes trailers=" << d.trailers;
}

Decoded decode_plan(const std::vector<std::string_view>& chunks, const ParserLimits& limits) {
  ChunkedDecoder decoder(limits);
  Decoded out;
  out.result = "need-more";
  for (std::string_view chunk : chunks) {
    duplex::testing::GuardedBuffer guarded(chunk);
    ParseResult result = decoder.feed(guarded.view(), out.payload);
    out.consumed += result.consumed;
    if (result.failed()) {
      out.consumed = 0;  // what was used before the failure depends on the cuts
      out.status = result.error.status;
      out.result = "error " + std::to_string(result.error.status) + " " +
                   std::string(result.error.reason) + " @" + std::to_string(result.error.offset);
      return out;
    }
    if (result.done()) {
      out.result = "complete";
      for (const auto& [name, value] : decoder.trailers()) out.trailers += name + "=" + value + ";";
      return out;
    }
    EXPECT_EQ(result.consumed, chunk.size()) << "need-more must have used every byte";
  }
  return out;
}

Decoded decode_everywhere(std::string_view input, const ParserLimits& limits = {}) {
  auto plans = duplex::testing::split_plans(input);
  Decoded whole = decode_plan(plans.front().chunks, limits);
  for (std::size_t i = 1; i < plans.size(); ++i) {
    Decoded split = decode_plan(plans[i].chunks, limits);
    EXPECT_EQ(split.result, whole.result) << "plan " << plans[i].name;
    EXPECT_EQ(split, whole) << "plan " << plans[i].name;
    if (!(split == whole)) break;
  }
  whole.fed = input;
  return whole;
}

TEST(L05_ChunkedDecoder, DecodesChunksRfc9112Section7_1) {
  Decoded d = decode_everywhere("5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n");
  EXPECT_EQ(d.result, "complete") << about(d);
  EXPECT_EQ(d.payload, "hello, world") << about(d);
  EXPECT_EQ(d.consumed, 27U) << about(d);
}

TEST(L05_ChunkedDecoder, StopsAtTheEndOfTheBody) {
  // The bytes after the final CRLF are the next pipelined request: never consumed.
  std::string_view input = "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
  Decoded d = decode_everywhere(input);
  EXPECT_EQ(d.result, "complete") << about(d);
  EXPECT_EQ(d.consumed, input.find("GET")) << about(d);
  EXPECT_EQ(d.payload, "abc") << about(d);
}

TEST(L05_ChunkedDecoder, HexSizesAnyCaseAndLeadingZerosRfc9112Section7_1) {
  std::string body(0x1a, 'x');
  EXPECT_EQ(decode_everywhere("1A\r\n" + body + "\r\n0\r\n\r\n").payload, body);
  EXPECT_EQ(decode_everywhere("001a\r\n" + body + "\r\n000\r\n\r\n").payload, body);
  // More leading zeros than 64 bits have hex digits: zeros add no value, so this is not overflow.
  EXPECT_EQ(decode_everywhere("000000000000000000001a\r\n" + body + "\r\n0\r\n\r\n").payload, body);
}

TEST(L05_ChunkedDecoder, ExtensionsAreParsedAndIgnoredRfc9112Section7_1_1) {
  Decoded d =
      decode_everywhere("3;name=value\r\nabc\r\n3 ; a ; b = \"q \\\" s\"\r\ndef\r\n0;last\r\n\r\n");
  EXPECT_EQ(d.result, "complete") << about(d);
  EXPECT_EQ(d.payload, "abcdef") << about(d);
}

TEST(L05_ChunkedDecoder, TrailersAreCheckedAndKeptRfc9112Section7_1_2) {
  Decoded d = decode_everywhere("1\r\nx\r\n0\r\nExpires: never\r\nX-Sum:\t42 \r\n\r\n");
  EXPECT_EQ(d.result, "complete") << about(d);
  EXPECT_EQ(d.trailers, "Expires=never;X-Sum=42;") << about(d);
}

struct BadChunked {
  std::string_view why;
  std::string_view input;
  int status;
};

const BadChunked kBadChunked[] = {
    {"§7.1: chunk-size is 1*HEXDIG; none is not zero", "\r\nabc\r\n0\r\n\r\n"sv, 400},
    {"§7.1: 'g' is not a hex digit", "g\r\n"sv, 400},
    {"§7.1: no sign before the size", "+5\r\nhello\r\n0\r\n\r\n"sv, 400},
    {"§7.1: no 0x prefix", "0x5\r\nhello\r\n0\r\n\r\n"sv, 400},
    {"17 hex digits overflow 64 bits: must not wrap to a small size", "10000000000000000\r\n"sv,
     413},
    {"§7.1: a size larger than the body limit is refused before any data", "100001\r\n"sv, 413},
    {"§7.1.1: whitespace not followed by ';' is not an extension", "5 \r\nhello\r\n0\r\n\r\n"sv,
     400},
    {"§7.1.1: an extension needs a name", "5;\r\nhello\r\n0\r\n\r\n"sv, 400},
    {"§7.1.1: '=' needs a value", "5;a=\r\nhello\r\n0\r\n\r\n"sv, 400},
    {"§7.1.1: an unterminated quoted value", "5;a=\"x\r\nhello\r\n0\r\n\r\n"sv, 400},
    {"§7.1.1: a control byte in an extension", "5;a\x01\r\nhello\r\n0\r\n\r\n"sv, 400},
    {"§7.1: the size line ends with CRLF, not a bare LF", "5\nhello\r\n0\r\n\r\n"sv, 400},
    {"§7.1: a bare CR in the size line", "5\rx\nhello\r\n0\r\n\r\n"sv, 400},
    {"§7.1: data longer than its size: the size lied", "3\r\nhello\r\n0\r\n\r\n"sv, 400},
    {"§7.1: data must be followed by CRLF, not a bare LF", "5\r\nhello\n0\r\n\r\n"sv, 400},
    {"§7.1: data followed by CR and something else", "5\r\nhello\rx0\r\n\r\n"sv, 400},
    {"§7.1.2: a trailer is a field line: whitespace before the colon", "0\r\nX : y\r\n\r\n"sv, 400},
    {"§7.1.2: a trailer with a NUL", "0\r\nX: a\0b\r\n\r\n"sv, 400},
    {"§7.1.2: obs-fold in a trailer", "0\r\nX: a\r\n b\r\n\r\n"sv, 400},
    {"§7.1.2: a trailer without a colon", "0\r\nXY\r\n\r\n"sv, 400},
    {"§7.1.2: the final line ends with CRLF", "0\r\n\n"sv, 400},
    {"§7.1: a NUL after the size must not end the number (C strtoul would stop there)",
     "5\0\r\nhello\r\n0\r\n\r\n"sv, 400},
    {"§7.1: whitespace before the size (some parsers skip it, so two would disagree)",
     " 5\r\nhello\r\n0\r\n\r\n"sv, 400},
    {"§7.1: a negative size must not wrap to a huge one", "-1\r\n"sv, 400},
};

TEST(L05_ChunkedDecoder, MalformedInputsMapToTheirStatus) {
  for (const BadChunked& row : kBadChunked) {
    SCOPED_TRACE(row.why);
    Decoded d = decode_everywhere(row.input);
    EXPECT_EQ(d.status, row.status) << about(d);
  }
}

TEST(L05_ChunkedDecoder, BodyLimitCountsEveryChunkRfc9110Section15_5_14) {
  ParserLimits limits;
  limits.max_body = 8;
  EXPECT_EQ(decode_everywhere("4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n", limits).result, "complete");
  Decoded over = decode_everywhere("4\r\nabcd\r\n4\r\nefgh\r\n1\r\ni\r\n0\r\n\r\n", limits);
  EXPECT_EQ(over.status, 413) << about(over);
  EXPECT_EQ(over.payload, "abcdefgh") << about(over);  // what was accepted before stays accepted
}

TEST(L05_ChunkedDecoder, SizeLineAndTrailerLimits) {
  ParserLimits limits;
  limits.max_chunk_line = 8;
  EXPECT_EQ(decode_everywhere("1;abcdef\r\nx\r\n0\r\n\r\n", limits).result, "complete");
  EXPECT_EQ(decode_everywhere("1;abcdefg\r\nx\r\n0\r\n\r\n", limits).status, 400);
  limits = {};
  limits.max_header_bytes = 16;
  EXPECT_EQ(decode_everywhere("0\r\nX: 012345678\r\n\r\n", limits).result, "complete");
  EXPECT_EQ(decode_everywhere("0\r\nX: 0123456789\r\n\r\n", limits).status, 431);
  limits = {};
  limits.max_fields = 1;
  EXPECT_EQ(decode_everywhere("0\r\nA: 1\r\nB: 2\r\n\r\n", limits).status, 431);
}

TEST(L05_ChunkedDecoder, ErrorOffsetCountsFromTheBodyStart) {
  ChunkedDecoder decoder;
  std::string payload;
  std::string_view input = "3\r\nabc\r\nz\r\n";
  ASSERT_TRUE(decoder.feed(input.substr(0, 5), payload).need_more());
  ParseResult result = decoder.feed(input.substr(5), payload);
  ASSERT_TRUE(result.failed());
  EXPECT_EQ(result.error.offset, 8U);
  EXPECT_EQ(input[result.error.offset], 'z');
}

TEST(L05_ChunkedDecoder, ResetStartsOver) {
  ChunkedDecoder decoder;
  std::string payload;
  ASSERT_TRUE(decoder.feed("1\r\na\r\n0\r\nT: v\r\n\r\n", payload).done());
  EXPECT_TRUE(decoder.done());
  EXPECT_EQ(decoder.body_size(), 1U);
  decoder.reset();
  EXPECT_FALSE(decoder.done());
  EXPECT_TRUE(decoder.trailers().empty());
  ASSERT_TRUE(decoder.feed("2\r\nbc\r\n0\r\n\r\n", payload).done());
  EXPECT_EQ(payload, "abc");
}

}  // namespace
}  // namespace duplex::http
