// Tests for the request target forms and path normalisation (lesson 04; RFC 9112 §3.2,
// RFC 3986 §2.1 and §5.2.4).
// @lesson 04
#include "src/http/request_target.hpp"

#include <gtest/gtest.h>

#include <string>

#include "src/http/syntax.hpp"

#if DUPLEX_LESSON >= 6
#include "src/http/exchange.hpp"
#endif

namespace duplex::http {
namespace {

std::string normalized(std::string_view raw) {
  std::string out;
  std::size_t bad_at = 0;
  EXPECT_TRUE(normalize_path(raw, out, bad_at)) << raw;
  return out;
}

TEST(L04_RequestTarget, RemoveDotSegmentsRfc3986Section5_2_4) {
  // The examples of RFC 3986 §5.2.4 and §5.4.
  EXPECT_EQ(normalized("/a/b/c/./../../g"), "/a/g");
  EXPECT_EQ(normalized("/mid/content=5/../6"), "/mid/6");
  EXPECT_EQ(normalized("/a/b/c/."), "/a/b/c/");
  EXPECT_EQ(normalized("/a/b/c/.."), "/a/b/");
  EXPECT_EQ(normalized("/"), "/");
  EXPECT_EQ(normalized("/a/"), "/a/");
  EXPECT_EQ(normalized("/a"), "/a");
}

TEST(L04_RequestTarget, NothingClimbsAboveTheRoot) {
  // Each of these is a real path-traversal attempt; each must stay under "/".
  EXPECT_EQ(normalized("/../../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(normalized("/%2e%2e/%2e%2e/etc/passwd"), "/etc/passwd");
  EXPECT_EQ(normalized("/%2E%2E%2Fetc%2Fpasswd"), "/etc/passwd");
  EXPECT_EQ(normalized("/.%2e/x"), "/x");
  EXPECT_EQ(normalized("/..%5c..%5cwindows"), "/windows");
  EXPECT_EQ(normalized("//etc/passwd"), "/etc/passwd");
  EXPECT_EQ(normalized("/a/..//../b"), "/b");
  EXPECT_EQ(normalized("/.."), "/");
  // Not dot-segments: ordinary names that contain dots.
  EXPECT_EQ(normalized("/a../b"), "/a../b");
  EXPECT_EQ(normalized("/..."), "/...");
  EXPECT_EQ(normalized("/.hidden"), "/.hidden");
}

TEST(L04_RequestTarget, PercentDecodingRfc3986Section2_1) {
  EXPECT_EQ(normalized("/a%20b"), "/a b");
  EXPECT_EQ(normalized("/%7e%7E"), "/~~");
  EXPECT_EQ(normalized("/caf%C3%A9"), "/caf\xc3\xa9");
  std::string out;
  std::size_t bad_at = 0;
  EXPECT_FALSE(normalize_path("/a%zz", out, bad_at));
  EXPECT_EQ(bad_at, 2U);
  EXPECT_FALSE(normalize_path("/a%4", out, bad_at));
  EXPECT_EQ(bad_at, 2U);
  EXPECT_FALSE(normalize_path("/%", out, bad_at));
  EXPECT_FALSE(normalize_path("/a%00", out, bad_at));  // a NUL would truncate a file name
  EXPECT_EQ(bad_at, 2U);
}

TEST(L04_PercentDecode, OneDecoderForPathsAndQueryValuesRfc3986Section2_1) {
  // Paths refuse what queries keep: the same function, told which rules apply.
  std::string out;
  EXPECT_EQ(percent_decode("a%41+b", out), kDecodedAll);
  EXPECT_EQ(out, "aA+b");
  EXPECT_EQ(percent_decode("a%41+b", out, {.plus_is_space = true}), kDecodedAll);
  EXPECT_EQ(out, "aA b");
  EXPECT_EQ(percent_decode("50%+off%4", out), 2U);
  EXPECT_EQ(percent_decode("50%+off%4", out, {.plus_is_space = true, .keep_bad_escapes = true}),
            kDecodedAll);
  EXPECT_EQ(out, "50% off%4");
  EXPECT_EQ(percent_decode("x%00", out), kDecodedAll);
  EXPECT_EQ(out, std::string("x\0", 2));
  EXPECT_EQ(percent_decode("x%00", out, {.refuse_nul = true}), 1U);
#if DUPLEX_LESSON >= 6
  // Lesson 06: the handler's query values go through the same decoder.
  EXPECT_EQ(decode_query_value("a%20b+c%zz"), "a b c%zz");
#endif
}

TEST(L04_PercentDecode, HexDigitsOfEitherCase) {
  EXPECT_EQ(hex_value('0'), 0);
  EXPECT_EQ(hex_value('9'), 9);
  EXPECT_EQ(hex_value('a'), 10);
  EXPECT_EQ(hex_value('F'), 15);
  EXPECT_EQ(hex_value('g'), -1);
  EXPECT_EQ(hex_value('/'), -1);
  EXPECT_EQ(hex_value(':'), -1);
}

TEST(L04_RequestTarget, FormsFollowTheMethodRfc9112Section3_2) {
  RequestTarget target;
  ParseError error;
  ASSERT_TRUE(parse_request_target("GET", "/a?b", 4, target, error));
  EXPECT_EQ(target.form, TargetForm::kOrigin);
  EXPECT_EQ(target.path, "/a");
  EXPECT_EQ(target.query, "b");
  ASSERT_TRUE(parse_request_target("GET", "https://h:1/x", 4, target, error));
  EXPECT_EQ(target.form, TargetForm::kAbsolute);
  EXPECT_EQ(target.authority, "h:1");
  ASSERT_TRUE(parse_request_target("CONNECT", "h:443", 8, target, error));
  EXPECT_EQ(target.form, TargetForm::kAuthority);
  ASSERT_TRUE(parse_request_target("OPTIONS", "*", 8, target, error));
  EXPECT_EQ(target.form, TargetForm::kAsterisk);
  EXPECT_EQ(target.path, "");
  // The error offset is the target's offset plus the index of the bad byte.
  EXPECT_FALSE(parse_request_target("GET", "/a|b", 4, target, error));
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.offset, 6U);
  EXPECT_FALSE(parse_request_target("GET", "/x%zz", 4, target, error));
  EXPECT_EQ(error.offset, 6U);
  EXPECT_FALSE(parse_request_target("CONNECT", "/", 8, target, error));
  EXPECT_FALSE(parse_request_target("POST", "*", 5, target, error));
}

TEST(L04_RequestTarget, AuthoritySyntaxRfc3986Section3_2) {
  EXPECT_TRUE(is_valid_authority("example.com", false));
  EXPECT_TRUE(is_valid_authority("example.com:8080", false));
  EXPECT_TRUE(is_valid_authority("127.0.0.1:80", false));
  EXPECT_TRUE(is_valid_authority("[::1]", false));
  EXPECT_TRUE(is_valid_authority("[::1]:8080", false));
  EXPECT_TRUE(is_valid_authority("", true));
  EXPECT_FALSE(is_valid_authority("", false));
  EXPECT_FALSE(is_valid_authority("user@host", false));
  EXPECT_FALSE(is_valid_authority("host:", false));
  EXPECT_FALSE(is_valid_authority(":80", false));
  EXPECT_FALSE(is_valid_authority("host:123456", false));
  EXPECT_FALSE(is_valid_authority("[::1", false));
  EXPECT_FALSE(is_valid_authority("[::1]x", false));
  EXPECT_FALSE(is_valid_authority("a b", true));
}

#if DUPLEX_LESSON >= 12
// Lesson 12: a plain path is copied as it is; each thing that needs the full walk, one at a
// time, still gets it.
TEST(L12_RequestTarget, PlainPathsAreCopiedTheRestStillNormalised) {
  for (const char* plain : {"/hello.txt", "/a/b/", "/", "/a.b/c..d/e."}) {
    EXPECT_EQ(normalized(plain), plain);
  }
  EXPECT_EQ(normalized("/a//b"), "/a/b");
  EXPECT_EQ(normalized("/a/./b"), "/a/b");
  EXPECT_EQ(normalized("/a/../b"), "/b");
  EXPECT_EQ(normalized("/a/.."), "/");
  EXPECT_EQ(normalized("/a\\b"), "/a/b");
  EXPECT_EQ(normalized("/a%2Fb"), "/a/b");
  EXPECT_EQ(normalized("/%2e%2e/x"), "/x");
  EXPECT_EQ(normalized("/.well-known/x"), "/.well-known/x");
}

#endif
}  // namespace
}  // namespace duplex::http
