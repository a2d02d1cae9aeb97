// Tests for HeadReader, the line reader under both head parsers (lesson 04; RFC 9112 §2.1,
// §2.2, §5). These are the tests of exercise lesson04-head-reader: each row says what bytes
// were fed, and a failure prints what HeadReader::next answered next to what was expected.
//
// The answers are written as one line of events: `start[<start line>]` when the start line is
// complete, `done@N [name=value]...` when the empty line arrives after N bytes of head,
// `failed <status> <reason> @<offset>`, or `need-more` when the input ended first.
// @lesson 04
#include "src/http/head_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#if DUPLEX_LESSON >= 12
#include "src/http/syntax.hpp"
#endif
#include "tests/http/http_feed.hpp"
#include "tests/support/split_feed.hpp"

namespace duplex::http {
namespace {

using namespace std::literals;
using testing::visible;

// Feeds `chunks` as a server would: after each read, `next` is given every byte so far, and
// asked again until it needs more. Returns the events as one line.
std::string events(const std::vector<std::string_view>& chunks, const ParserLimits& limits) {
  HeadReader reader(limits, 414);
  std::string buffered;
  std::string log;
  for (std::string_view chunk : chunks) {
    buffered += chunk;
    for (;;) {
      HeadReader::Event event = reader.next(buffered);
      if (event == HeadReader::Event::kNeedMore) break;
      if (event == HeadReader::Event::kStartLine) {
        log += "start[" + std::string(reader.start_line(buffered)) + "] ";
        continue;
      }
      if (event == HeadReader::Event::kFailed) {
        const ParseError& error = reader.error();
        return log + "failed " + std::to_string(error.status) + " " + std::string(error.reason) +
               " @" + std::to_string(error.offset);
      }
      log += "done@" + std::to_string(reader.consumed());
      Headers headers;
      reader.fill(buffered, headers);
      for (const Field& field : headers) {
        log += " [" + std::string(field.name) + "=" + std::string(field.value) + "]";
      }
      return log;
    }
  }
  return log + "need-more";
}

struct Row {
  std::string_view why;
  std::string_view input;
  std::string_view expected;
};

// Every row is fed whole, then cut every way split_plans() knows (one byte at a time, at every
// index, at random points): the answer must not depend on the cuts.
void check(const Row& row, const ParserLimits& limits = {}) {
  SCOPED_TRACE(row.why);
  for (const duplex::testing::SplitPlan& plan : duplex::testing::split_plans(row.input)) {
    std::string got = events(plan.chunks, limits);
    EXPECT_EQ(got, row.expected) << "fed \"" << visible(row.input) << "\" (" << plan.name
                                 << ")\n  got      " << got << "\n  expected " << row.expected;
    if (got != row.expected) return;  // one message per row is enough
  }
}

TEST(L04_HeadReader, StartLineThenFieldsThenTheEmptyLineRfc9112Section2_1) {
  check({"a head: start line, one field, the empty line", "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
         "start[GET / HTTP/1.1] done@27 [Host=x]"});
  check({"the bytes after the empty line are not part of the head",
         "GET / HTTP/1.1\r\nHost: x\r\n\r\nhello", "start[GET / HTTP/1.1] done@27 [Host=x]"});
  check({"a head with no field at all", "GET / HTTP/1.0\r\n\r\n", "start[GET / HTTP/1.0] done@18"});
  check({"fields in order, OWS around the value trimmed (RFC 9110 §5.5)",
         "GET / HTTP/1.1\r\nA:  1 \r\nB:\t2\t\r\nC:\r\n\r\n",
         "start[GET / HTTP/1.1] done@37 [A=1] [B=2] [C=]"});
}

TEST(L04_HeadReader, WaitsForMoreUntilTheEmptyLine) {
  check({"no byte at all", "", "need-more"});
  check({"half a start line", "GET / HT", "need-more"});
  check({"the start line arrived, the fields did not end", "GET / HTTP/1.1\r\nHost: x\r\n",
         "start[GET / HTTP/1.1] need-more"});
  check({"a CR waiting for its LF", "GET / HTTP/1.1\r\nHost: x\r\n\r",
         "start[GET / HTTP/1.1] need-more"});
}

TEST(L04_HeadReader, EmptyLinesBeforeTheStartLineRfc9112Section2_2) {
  check({"up to four empty lines are skipped", "\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n",
         "start[GET / HTTP/1.1] done@26"});
  check({"the fifth is refused where it starts", "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n",
         "failed 400 too many empty lines before the start line @8"});
}

TEST(L04_HeadReader, LinesEndWithCrlfRfc9112Section2_2) {
  check({"a bare LF ends no line: the error points at the LF", "GET / HTTP/1.1\nHost: x\n\n",
         "failed 400 bare LF (expected CRLF) @14"});
  check({"a bare LF after the start line", "GET / HTTP/1.1\r\nHost: x\n\r\n",
         "start[GET / HTTP/1.1] failed 400 bare LF (expected CRLF) @23"});
}

TEST(L04_HeadReader, FieldLinesAreCheckedAsTheyArriveRfc9112Section5) {
  check({"whitespace before the colon (§5.1)", "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
         "start[GET / HTTP/1.1] failed 400 whitespace before colon @20"});
  check({"obs-fold: a line starting with a space continues nothing (§5.2)",
         "GET / HTTP/1.1\r\nHost: x\r\n b\r\n\r\n",
         "start[GET / HTTP/1.1] failed 400 obs-fold (line starts with whitespace) @25"});
  check({"whitespace right after the start line (§2.2)", "GET / HTTP/1.1\r\n Host: x\r\n\r\n",
         "start[GET / HTTP/1.1] failed 400 whitespace after the start line @16"});
  check({"a line without a colon", "GET / HTTP/1.1\r\nHost\r\n\r\n",
         "start[GET / HTTP/1.1] failed 400 field line without a colon @20"});
}

TEST(L04_HeadReader, LimitsAnswerAtTheSameByteHoweverTheBytesArrive) {
  ParserLimits limits;
  limits.max_request_line = 10;
  limits.max_header_bytes = 20;
  limits.max_fields = 2;
  check({"a start line over 10 bytes fails at byte 10, with or without its LF",
         "GET /abcdefghij HTTP/1.1\r\n\r\n", "failed 414 start line too long @10"},
        limits);
  check({"a start line of exactly 10 bytes is fine", "GET /abcde\r\n\r\n",
         "start[GET /abcde] done@14"},
        limits);
  check({"a field section over 20 bytes: 431 at its 21st byte",
         "GET / H\r\nX-Long: aaaaaaaaaaaaaaaaaaaa\r\n\r\n",
         "start[GET / H] failed 431 header section too large @29"},
        limits);
  check({"a third field when two are allowed", "GET / H\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
         "start[GET / H] failed 431 too many header fields @21"},
        limits);
}

TEST(L04_HeadReader, FieldsAreRebuiltInTheBufferGivenLast) {
  // The caller may move its buffer between calls (a std::string that grows): the reader keeps
  // offsets, not addresses, so fill() makes views into whichever buffer it is given.
  std::string first = "GET / HTTP/1.1\r\nHost: x\r\n";
  HeadReader reader(ParserLimits{}, 414);
  ASSERT_EQ(reader.next(first), HeadReader::Event::kStartLine);
  ASSERT_EQ(reader.next(first), HeadReader::Event::kNeedMore);
  std::string moved = first + "\r\n";
  ASSERT_EQ(reader.next(moved), HeadReader::Event::kDone)
      << "fed \"" << visible(moved) << "\": " << render_error(moved, reader.error());
  Headers headers;
  reader.fill(moved, headers);
  ASSERT_EQ(headers.size(), 1U);
  EXPECT_EQ(headers.get("Host"), "x");
  EXPECT_GE(headers.begin()->value.data(), moved.data()) << "the view must point into `moved`";
  EXPECT_LT(headers.begin()->value.data(), moved.data() + moved.size());
}

#if DUPLEX_LESSON >= 12
// Lesson 12: the two loops of parse_field_line's fast path accept exactly what the checks
// accept, for every byte value in a name and in a value; a refused line still names the byte.
TEST(L12_HeadReader, FieldLineFastPathAcceptsWhatTheChecksAccept) {
  for (int byte = 0; byte < 256; ++byte) {
    char c = static_cast<char>(byte);
    Field field;
    ParseError error;
    std::string in_name = std::string("X") + c + "Y: v";
    bool accepted = parse_field_line(in_name, 0, field, error);
    EXPECT_EQ(accepted, is_tchar(c) || c == ':') << "byte " << byte << " in the name";
    if (!accepted) {
      EXPECT_EQ(error.offset, 1u) << byte;
    }
    std::string in_value = std::string("X: a") + c + "b";
    accepted = parse_field_line(in_value, 0, field, error);
    EXPECT_EQ(accepted, is_field_value_char(c)) << "byte " << byte << " in the value";
    if (accepted) {
      EXPECT_EQ(field.value, in_value.substr(3)) << byte;
    } else {
      EXPECT_EQ(error.offset, 4u) << byte;
    }
  }
}

#endif
}  // namespace
}  // namespace duplex::http
