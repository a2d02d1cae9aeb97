// Tests for src/redis/resp_parser.cpp (lesson 15): every RESP2 and RESP3 type from the spec's
// own examples, every input at every split point and behind a guard page, each limit at its
// boundary, and hostile inputs, each with the reason it matters.
// @lesson 15
#include "src/redis/resp_parser.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "src/redis/resp_writer.hpp"
#include "tests/support/guarded_buffer.hpp"
#include "tests/support/split_feed.hpp"

namespace duplex::redis {
namespace {

// One line per value (describe()), then "error <name>" if the parser failed. Each chunk lies
// right before a PROT_NONE page when `guarded`, so an over-read crashes the test.
std::string parse_log(const std::vector<std::string_view>& chunks, RespParserLimits limits = {},
                      bool guarded = true) {
  RespParser parser(limits);
  std::string log;
  for (std::string_view chunk : chunks) {
    std::unique_ptr<duplex::testing::GuardedBuffer> guard;
    if (guarded) {
      guard = std::make_unique<duplex::testing::GuardedBuffer>(chunk);
      chunk = guard->view();
    }
    while (true) {
      auto result = parser.parse(chunk);
      EXPECT_LE(result.consumed, chunk.size());
      chunk.remove_prefix(result.consumed);
      if (result.failed()) return log + "error " + std::string(to_string(result.error.code)) + "\n";
      if (result.need_more()) {
        EXPECT_TRUE(chunk.empty()) << "need more must take every byte offered";
        break;
      }
      log += describe(parser.take_value()) + "\n";
      EXPECT_TRUE(parser.at_value_start());
    }
  }
  return log;
}

void expect_every_split(std::string_view input, const std::string& expected,
                        RespParserLimits limits = {}) {
  for (const auto& plan : duplex::testing::split_plans(input)) {
    ASSERT_EQ(parse_log(plan.chunks, limits, input.size() <= 400), expected) << plan.name;
  }
}

TEST(L15_RespParser, Resp2SimpleTypes) {
  expect_every_split("+OK\r\n", "+OK\n");
  expect_every_split("-ERR unknown command 'foobar'\r\n", "-ERR unknown command 'foobar'\n");
  expect_every_split(":1000\r\n:-42\r\n:0\r\n", ":1000\n:-42\n:0\n");
  expect_every_split(":9223372036854775807\r\n:-9223372036854775808\r\n",
                     ":9223372036854775807\n:-9223372036854775808\n");
  expect_every_split("+\r\n", "+\n");
}

TEST(L15_RespParser, Resp2BulkStrings) {
  expect_every_split("$5\r\nhello\r\n", "\"hello\"\n");
  expect_every_split("$0\r\n\r\n", "\"\"\n");
  expect_every_split("$-1\r\n", "(nil)\n");
  // Binary-safe: CR, LF, NUL and CRLF inside the data are data.
  expect_every_split(std::string("$6\r\na\r\nb\0c\r\n", 12), "\"a\\r\\nb\\x00c\"\n");
}

TEST(L15_RespParser, Resp2Arrays) {
  expect_every_split("*0\r\n", "[]\n");
  expect_every_split("*-1\r\n", "(nil)\n");
  expect_every_split("*2\r\n$5\r\nhello\r\n$5\r\nworld\r\n", "[\"hello\", \"world\"]\n");
  expect_every_split("*3\r\n:1\r\n:2\r\n:3\r\n", "[:1, :2, :3]\n");
  expect_every_split("*5\r\n:1\r\n:2\r\n:3\r\n:4\r\n$5\r\nhello\r\n",
                     "[:1, :2, :3, :4, \"hello\"]\n");
  expect_every_split("*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Hello\r\n-World\r\n",
                     "[[:1, :2, :3], [+Hello, -World]]\n");
  expect_every_split("*3\r\n$5\r\nhello\r\n$-1\r\n$5\r\nworld\r\n",
                     "[\"hello\", (nil), \"world\"]\n");
  expect_every_split("*2\r\n*0\r\n*-1\r\n", "[[], (nil)]\n");
}

// XRANGE's shape: an array of [id, [field, value, ...]] entries.
TEST(L15_RespParser, XrangeReply) {
  expect_every_split(
      "*2\r\n*2\r\n$15\r\n1526985054069-0\r\n*4\r\n$4\r\nuser\r\n$3\r\nada\r\n$4\r\ntext\r\n"
      "$2\r\nhi\r\n*2\r\n$15\r\n1526985054079-0\r\n*2\r\n$4\r\nuser\r\n$3\r\nbob\r\n",
      "[[\"1526985054069-0\", [\"user\", \"ada\", \"text\", \"hi\"]], "
      "[\"1526985054079-0\", [\"user\", \"bob\"]]]\n");
}

TEST(L15_RespParser, Resp3ScalarTypes) {
  expect_every_split("_\r\n", "(nil)\n");
  expect_every_split("#t\r\n#f\r\n", "#t\n#f\n");
  expect_every_split(",1.23\r\n,10\r\n,-0.5e-3\r\n,1E+2\r\n", ",1.23\n,10\n,-5e-04\n,100\n");
  expect_every_split(",inf\r\n,-inf\r\n,nan\r\n", ",inf\n,-inf\n,nan\n");
  // libc spellings Redis before 7.2 could send.
  expect_every_split(",-nan\r\n,NAN\r\n,nan(123)\r\n,INF\r\n", ",nan\n,nan\n,nan\n,inf\n");
  expect_every_split("(3492890328409238509324850943850943825024385\r\n(-12\r\n",
                     "(3492890328409238509324850943850943825024385\n(-12\n");
  expect_every_split("!21\r\nSYNTAX invalid syntax\r\n", "!\"SYNTAX invalid syntax\"\n");
  expect_every_split("=15\r\ntxt:Some string\r\n", "=txt:\"Some string\"\n");
  expect_every_split("=4\r\nmkd:\r\n", "=mkd:\"\"\n");
}

TEST(L15_RespParser, Resp3Aggregates) {
  expect_every_split("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n", "{+first: :1, +second: :2}\n");
  expect_every_split("~5\r\n+orange\r\n+apple\r\n#t\r\n:100\r\n:999\r\n",
                     "~[+orange, +apple, #t, :100, :999]\n");
  expect_every_split(">3\r\n+message\r\n+somechannel\r\n+this is the message\r\n",
                     ">[+message, +somechannel, +this is the message]\n");
  expect_every_split("*2\r\n*3\r\n:1\r\n$5\r\nhello\r\n:2\r\n#f\r\n",
                     "[[:1, \"hello\", :2], #f]\n");
  expect_every_split("%0\r\n~0\r\n", "{}\n~[]\n");
}

// RESP3 spec, "Attribute type": the attribute describes the value that follows, at any level,
// and is not counted among the enclosing aggregate's elements.
TEST(L15_RespParser, Resp3Attributes) {
  expect_every_split(
      "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n"
      "*2\r\n:2039123\r\n:9543892\r\n",
      "|{+key-popularity: {\"a\": ,0.1923, \"b\": ,0.0012}} [:2039123, :9543892]\n");
  expect_every_split("*3\r\n:1\r\n:2\r\n|1\r\n+ttl\r\n:3600\r\n:3\r\n",
                     "[:1, :2, |{+ttl: :3600} :3]\n");
  expect_every_split("|1\r\n+a\r\n|1\r\n+b\r\n:2\r\n+x\r\n+y\r\n", "|{+a: |{+b: :2} +x} +y\n");
}

TEST(L15_RespParser, PipelinedRepliesComeOneAtATime) {
  std::string input;
  std::string expected;
  for (int i = 0; i < 50; ++i) {
    input += ":" + std::to_string(i) + "\r\n$1\r\nx\r\n";
    expected += ":" + std::to_string(i) + "\n\"x\"\n";
  }
  expect_every_split(input, expected);
}

TEST(L15_RespParser, DoneReportsWhereTheValueEnds) {
  RespParser parser;
  std::string_view input = "+OK\r\n:5\r\n+PART";
  auto result = parser.parse(input);
  ASSERT_TRUE(result.done());
  EXPECT_EQ(result.consumed, 5U);
  EXPECT_EQ(describe(parser.value()), "+OK");
  input.remove_prefix(result.consumed);
  result = parser.parse(input);
  ASSERT_TRUE(result.done());
  EXPECT_EQ(result.consumed, 4U);
  input.remove_prefix(result.consumed);
  result = parser.parse(input);
  EXPECT_TRUE(result.need_more());
  EXPECT_EQ(result.consumed, 5U);
  EXPECT_FALSE(parser.at_value_start());
  result = parser.parse("IAL\r\n");
  ASSERT_TRUE(result.done());
  EXPECT_EQ(describe(parser.value()), "+PARTIAL");
}

TEST(L15_RespParser, FailedStaysFailedAndResetRecovers) {
  RespParser parser;
  auto result = parser.parse("?\r\n");
  ASSERT_TRUE(result.failed());
  EXPECT_EQ(result.error.code, RespErrorCode::kBadType);
  EXPECT_TRUE(parser.parse("+OK\r\n").failed());
  parser.reset();
  EXPECT_TRUE(parser.parse("+OK\r\n").done());
}

// Whatever the writer writes, the parser reads back to the same value.
TEST(L15_RespParser, ReadsWhatTheWriterWrites) {
  Value map;
  map.type = Type::kMap;
  map.elements = {Value::bulk_string("k"), Value::integer_value(-7), Value::simple_string("s"),
                  Value::null()};
  Value verbatim;
  verbatim.type = Type::kVerbatimString;
  verbatim.format = "txt";
  verbatim.string = "line\r\nline";
  Value with_attributes = Value::array({map, verbatim});
  with_attributes.attributes = {Value::simple_string("ttl"), Value::integer_value(3600)};
  Value big;
  big.type = Type::kBigNumber;
  big.string = "-123456789012345678901234567890";
  Value real;
  real.type = Type::kDouble;
  real.number = 0.1;
  Value push = Value::push({Value::bulk_string("message"), Value::bulk_string("c"), real, big});
  for (const Value& value : {with_attributes, push, Value::error("ERR x")}) {
    std::string bytes = encode_value(value);
    expect_every_split(bytes, describe(value) + "\n");
  }
}

struct Hostile {
  const char* why;
  std::string input;
  RespErrorCode code;
};

TEST(L15_RespParser, HostileInputsFailWithTheirNamedError) {
  const std::vector<Hostile> cases = {
      {"a byte that is no type: the stream is not RESP or lost its place", "@x\r\n",
       RespErrorCode::kBadType},
      {"an HTTP answer where Redis should be (wrong port)", "HTTP/1.1 400 Bad Request\r\n",
       RespErrorCode::kBadType},
      {"a bare LF: a line that does not end as RESP says is not trusted", "+OK\n",
       RespErrorCode::kMissingCr},
      {"CR followed by something else", "+O\rK\r\n", RespErrorCode::kMissingLf},
      {"a bulk string with more bytes than announced", "$3\r\nabcd\r\n",
       RespErrorCode::kMissingCrlf},
      {"a bulk string whose CRLF is LF alone", "$3\r\nabc\n", RespErrorCode::kMissingCrlf},
      {"a negative length other than -1 must not become a huge unsigned one", "$-2\r\n",
       RespErrorCode::kBadLength},
      {"a negative count other than -1", "*-5\r\n", RespErrorCode::kBadLength},
      {"a length with a sign RESP never writes", "$+3\r\nabc\r\n", RespErrorCode::kBadLength},
      {"a length with spaces", "$ 3\r\nabc\r\n", RespErrorCode::kBadLength},
      {"an empty length", "*\r\n", RespErrorCode::kBadLength},
      {"a length over 2^63 must not wrap", "$99999999999999999999\r\n", RespErrorCode::kBadLength},
      {"an integer over 2^63 - 1 must not wrap", ":9223372036854775808\r\n",
       RespErrorCode::kBadInteger},
      {"an integer with trailing junk", ":12a\r\n", RespErrorCode::kBadInteger},
      {"an empty integer", ":\r\n", RespErrorCode::kBadInteger},
      {"-1 is RESP2's null for '$' and '*' only", "%-1\r\n", RespErrorCode::kNullNotAllowed},
      {"a null bulk error does not exist", "!-1\r\n", RespErrorCode::kNullNotAllowed},
      {"a double that is not a number", ",1.2.3\r\n", RespErrorCode::kBadDouble},
      {"a double starting with '.'", ",.5\r\n", RespErrorCode::kBadDouble},
      {"a boolean other than t or f", "#x\r\n", RespErrorCode::kBadBoolean},
      {"a null with data", "_x\r\n", RespErrorCode::kBadNull},
      {"a big number with a fraction", "(12.5\r\n", RespErrorCode::kBadBigNumber},
      {"a verbatim string without its format", "=3\r\ntxt\r\n", RespErrorCode::kBadVerbatim},
      {"a verbatim string without ':'", "=5\r\ntxt-x\r\n", RespErrorCode::kBadVerbatim},
      {"a push is out-of-band data and lives at the top level only", "*1\r\n>1\r\n:1\r\n",
       RespErrorCode::kNestedPush},
      {"streamed strings are not supported: say so, do not misread", "$?\r\n;4\r\nHell\r\n",
       RespErrorCode::kStreamedUnsupported},
      {"streamed aggregates likewise", "*?\r\n:1\r\n.\r\n", RespErrorCode::kStreamedUnsupported},
      {"a huge declared bulk length must fail before one byte of it is buffered", "$536870912\r\n",
       RespErrorCode::kBulkTooLong},
      {"a huge declared count must fail before anything is reserved", "*4294967296\r\n",
       RespErrorCode::kTooManyElements},
      {"a huge map: its pairs count twice", "%600000\r\n", RespErrorCode::kTooManyElements},
  };
  for (const auto& c : cases) {
    std::string expected = "error " + std::string(to_string(c.code)) + "\n";
    for (const auto& plan : duplex::testing::split_plans(c.input)) {
      ASSERT_EQ(parse_log(plan.chunks), expected) << c.why << " / " << plan.name;
    }
  }
}

// Deep nesting must not exhaust memory or the call stack: the 17th level fails, the 16th not.
TEST(L15_RespParser, DepthLimit) {
  std::string deep;
  for (int i = 0; i < 16; ++i) deep += "*1\r\n";
  expect_every_split(deep + ":1\r\n", std::string(16, '[') + ":1" + std::string(16, ']') + "\n");
  expect_every_split(deep + "*1\r\n:1\r\n", "error nesting too deep\n");
  RespParserLimits limits;
  limits.max_depth = 1;
  expect_every_split("*1\r\n|1\r\n+a\r\n+b\r\n:1\r\n", "error nesting too deep\n", limits);
  // A million levels, each of 4 bytes, fail at the limit and not after building them all.
  std::string million;
  for (int i = 0; i < 1000000; ++i) million += "*1\r\n";
  EXPECT_EQ(parse_log({million}, {}, false), "error nesting too deep\n");
}

TEST(L15_RespParser, BulkAndElementLimitsAtTheirBoundary) {
  RespParserLimits limits;
  limits.max_bulk_length = 4;
  limits.max_elements = 4;
  expect_every_split("$4\r\nabcd\r\n", "\"abcd\"\n", limits);
  expect_every_split("$5\r\nabcde\r\n", "error bulk too long\n", limits);
  expect_every_split("!5\r\nERR x\r\n", "error bulk too long\n", limits);
  expect_every_split("*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n", "[:1, :2, :3, :4]\n", limits);
  expect_every_split("*5\r\n", "error too many elements\n", limits);
  expect_every_split("%2\r\n:1\r\n:2\r\n:3\r\n:4\r\n", "{:1: :2, :3: :4}\n", limits);
  expect_every_split("%3\r\n", "error too many elements\n", limits);
}

// A server that never ends its line cannot make the client hold more than the limit.
TEST(L15_RespParser, LineLimitHoldsBeforeTheLineEnds) {
  RespParserLimits limits;
  limits.max_line_length = 8;
  expect_every_split("+12345678\r\n", "+12345678\n", limits);
  expect_every_split("+123456789", "error line too long\n", limits);
  expect_every_split("-123456789\r\n", "error line too long\n", limits);
  expect_every_split("$0000000001\r\nx\r\n", "error line too long\n", limits);
}

// O(n) over a dribbled input: a 1 MiB simple string fed byte by byte is taken in 1 MiB steps
// of work, not 1 MiB squared (which would not finish within the test watchdog).
TEST(L15_RespParser, ByteByByteIsLinear) {
  RespParserLimits limits;
  limits.max_line_length = 2 * 1024 * 1024;
  RespParser parser(limits);
  std::string input = "+" + std::string(1024 * 1024, 'a') + "\r\n";
  net::ParseResult<RespError> result;
  for (char c : input) result = parser.parse(std::string_view(&c, 1));
  ASSERT_TRUE(result.done());
  EXPECT_EQ(parser.value().string.size(), 1024U * 1024U);
}

}  // namespace
}  // namespace duplex::redis
