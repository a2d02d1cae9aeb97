// Tests for the chat protocol's flat JSON parser and writer (lesson 11): what it accepts, and
// a list of hostile inputs that must each be refused with a reason, never read out of bounds.
// @lesson 11
#include "src/app/flat_json.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/guarded_buffer.hpp"

namespace duplex::app {
namespace {

std::optional<FlatObject> parse_guarded(std::string_view text, FlatJsonError& error,
                                        const FlatJsonLimits& limits = {}) {
  // Every input sits right before an unreadable page: one byte read too far crashes.
  testing::GuardedBuffer guarded(text);
  return parse_flat_json(guarded.view(), error, limits);
}

TEST(L11_FlatJson, ParsesAFlatObjectOfStrings) {
  FlatJsonError error;
  auto object = parse_guarded(R"( {"type" : "say", "text":"hi"} )", error);
  ASSERT_TRUE(object) << error.what;
  EXPECT_EQ(object->size(), 2U);
  EXPECT_EQ(object->get("type"), "say");
  EXPECT_EQ(object->value_or_empty("text"), "hi");
  EXPECT_FALSE(object->get("nick"));
  EXPECT_EQ(object->value_or_empty("nick"), "");
  auto empty = parse_guarded("{}", error);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->size(), 0U);
}

TEST(L11_FlatJson, DecodesEveryEscapeAndSurrogatePairsToUtf8) {
  FlatJsonError error;
  auto object =
      parse_guarded(R"({"t":"q\" b\\ s\/ \b\f\n\r\t e\u00e9 euro\u20AC clef\ud834\udd1e"})", error);
  ASSERT_TRUE(object) << error.what;
  EXPECT_EQ(object->value_or_empty("t"),
            "q\" b\\ s/ \b\f\n\r\t e\xC3\xA9 euro\xE2\x82\xAC clef\xF0\x9D\x84\x9E");
  auto raw = parse_guarded("{\"t\":\"caf\xC3\xA9\"}", error);
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->value_or_empty("t"), "caf\xC3\xA9");
}

TEST(L11_FlatJson, RefusesHostileAndMalformedInputWithAReason) {
  struct Case {
    std::string input;
    std::string why;
  };
  const std::vector<Case> cases = {
      {"", "empty input: nothing to read, and no byte past the end"},
      {"   ", "whitespace only"},
      {"{", "truncated right after the brace"},
      {"{\"a\"", "truncated after a key"},
      {"{\"a\":", "truncated after the colon"},
      {"{\"a\":\"b", "unterminated string at the very end"},
      {"{\"a\":\"b\\", "a backslash as the last byte"},
      {"{\"a\":\"\\u12", "a \\u escape cut short"},
      {"{\"a\":\"\\u12g4\"}", "a non-hex digit in \\u"},
      {"{\"a\":\"\\x41\"}", "an escape JSON does not have"},
      {"{\"a\":\"\\ud800\"}", "a lone high surrogate has no UTF-8 form"},
      {"{\"a\":\"\\udc00\"}", "a lone low surrogate"},
      {"{\"a\":\"\\ud800\\u0041\"}", "a high surrogate followed by a non-surrogate"},
      {"{\"a\":\"\\ud800\\", "a surrogate pair cut after the backslash"},
      {"{\"a\":\"x\ny\"}", "a raw control character inside a string"},
      {"{\"a\":1}", "a number: only strings are accepted"},
      {"{\"a\":true}", "a literal"},
      {"{\"a\":{\"b\":\"c\"}}", "nesting: the object is flat"},
      {"{\"a\":[\"b\"]}", "an array"},
      {"[\"a\"]", "not an object at all"},
      {"{a:\"b\"}", "an unquoted key"},
      {"{'a':'b'}", "single quotes"},
      {"{\"a\":\"b\",}", "a trailing comma"},
      {"{\"a\":\"b\" \"c\":\"d\"}", "a missing comma"},
      {"{\"a\":\"b\"}x", "bytes after the object"},
      {"{\"a\":\"b\"}{}", "two objects in one message"},
      {"{\"a\":\"1\",\"a\":\"2\"}", "a duplicate key: two readers could disagree"},
      {std::string("{\"a\":\"b\0\"}", 9), "a NUL byte inside a string"},
  };
  for (const Case& c : cases) {
    FlatJsonError error;
    EXPECT_FALSE(parse_guarded(c.input, error)) << c.why << ": " << c.input;
    EXPECT_FALSE(error.what.empty()) << c.why;
    EXPECT_LE(error.offset, c.input.size()) << c.why;
  }
}

TEST(L11_FlatJson, EveryLimitIsEnforced) {
  FlatJsonLimits limits;
  limits.max_input = 40;
  limits.max_fields = 2;
  limits.max_key = 4;
  FlatJsonError error;
  // Each bound stops a way to make the parser (and its caller) hold more than it should.
  EXPECT_FALSE(parse_guarded("{\"a\":\"" + std::string(40, 'x') + "\"}", error, limits));
  EXPECT_NE(error.what.find("longer than 40"), std::string::npos) << error.what;
  EXPECT_FALSE(parse_guarded(R"({"a":"1","b":"2","c":"3"})", error, limits));
  EXPECT_NE(error.what.find("more than 2 fields"), std::string::npos) << error.what;
  EXPECT_FALSE(parse_guarded(R"({"abcde":"1"})", error, limits));
  EXPECT_NE(error.what.find("key longer"), std::string::npos) << error.what;
  EXPECT_TRUE(parse_guarded(R"({"abcd":"1","b":"2"})", error, limits)) << error.what;
}

TEST(L11_FlatJson, EveryPrefixOfAValidMessageIsRefusedAndNoneOverreads) {
  const std::string message = R"({"type":"say","text":"h\u00e9 \ud83d\ude00 \"x\""})";
  FlatJsonError error;
  ASSERT_TRUE(parse_guarded(message, error)) << error.what;
  for (std::size_t size = 0; size < message.size(); ++size) {
    // A message cut anywhere (a buggy client) is an error, at any byte.
    EXPECT_FALSE(parse_guarded(message.substr(0, size), error)) << size;
  }
}

TEST(L11_FlatJson, WriterEscapesWhatMustBeEscapedAndRoundTrips) {
  std::string nasty = "a\"b\\c\nd\te\x01 \xC3\xA9";
  std::string json = FlatJsonWriter().field("type", "message").field("text", nasty).str();
  EXPECT_EQ(json, "{\"type\":\"message\",\"text\":\"a\\\"b\\\\c\\nd\\u0009e\\u0001 \xC3\xA9\"}");
  FlatJsonError error;
  auto back = parse_guarded(json, error);
  ASSERT_TRUE(back) << error.what;
  EXPECT_EQ(back->value_or_empty("text"), nasty);
  EXPECT_EQ(FlatJsonWriter().str(), "{}");
}

}  // namespace
}  // namespace duplex::app
