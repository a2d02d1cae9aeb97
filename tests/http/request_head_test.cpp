// Tests for RequestHead's derived answers (lesson 04; RFC 9112 §9.3, RFC 9110 §9, §10.1.1).
// @lesson 04
#include "src/http/request_head.hpp"

#include <gtest/gtest.h>

#include <string>

#include "src/http/request_parser.hpp"

namespace duplex::http {
namespace {

// Parses "<version>" request with `fields` and answers `question` about it.
template <typename Question>
bool ask(std::string_view version, std::string_view fields, Question question) {
  std::string input =
      "GET / " + std::string(version) + "\r\nHost: x\r\n" + std::string(fields) + "\r\n";
  RequestParser parser;
  ParseResult result = parser.parse(input);
  EXPECT_TRUE(result.done()) << render_error(input, result.error);
  return question(parser.head());
}

bool keep_alive(const RequestHead& head) {
  return head.keep_alive();
}
bool expects_continue(const RequestHead& head) {
  return head.expects_continue();
}

TEST(L04_RequestHead, KeepAliveRfc9112Section9_3) {
  EXPECT_TRUE(ask("HTTP/1.1", "", keep_alive));
  EXPECT_FALSE(ask("HTTP/1.1", "Connection: close\r\n", keep_alive));
  EXPECT_FALSE(ask("HTTP/1.1", "Connection: Upgrade, CLOSE\r\n", keep_alive));
  EXPECT_FALSE(ask("HTTP/1.0", "", keep_alive));  // HTTP/1.0 closes by default
  EXPECT_TRUE(ask("HTTP/1.0", "Connection: keep-alive\r\n", keep_alive));
  EXPECT_FALSE(ask("HTTP/1.0", "Connection: keep-alive, close\r\n", keep_alive));
}

TEST(L04_RequestHead, ExpectContinueRfc9110Section10_1_1) {
  EXPECT_FALSE(ask("HTTP/1.1", "", expects_continue));
  EXPECT_TRUE(ask("HTTP/1.1", "Expect: 100-continue\r\n", expects_continue));
  EXPECT_TRUE(ask("HTTP/1.1", "Expect: 100-Continue\r\n", expects_continue));
  // RFC 9110 §10.1.1: a server must ignore 100-continue in an HTTP/1.0 request.
  EXPECT_FALSE(ask("HTTP/1.0", "Expect: 100-continue\r\n", expects_continue));
  EXPECT_FALSE(ask("HTTP/1.1", "Expect: something-else\r\n", expects_continue));
}

TEST(L04_RequestHead, StandardMethodsAreRecognisedRfc9110Section9) {
  EXPECT_EQ(method_from_token("GET"), Method::kGet);
  EXPECT_EQ(method_from_token("HEAD"), Method::kHead);
  EXPECT_EQ(method_from_token("POST"), Method::kPost);
  EXPECT_EQ(method_from_token("PUT"), Method::kPut);
  EXPECT_EQ(method_from_token("DELETE"), Method::kDelete);
  EXPECT_EQ(method_from_token("CONNECT"), Method::kConnect);
  EXPECT_EQ(method_from_token("OPTIONS"), Method::kOptions);
  EXPECT_EQ(method_from_token("TRACE"), Method::kTrace);
  EXPECT_EQ(method_from_token("PATCH"), Method::kPatch);
  EXPECT_EQ(method_from_token("get"), Method::kOther);  // case-sensitive (§9.1)
  EXPECT_EQ(method_from_token("BREW"), Method::kOther);
}

}  // namespace
}  // namespace duplex::http
