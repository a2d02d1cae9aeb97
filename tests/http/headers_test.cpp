// Tests for Headers and the grammar helpers it uses (lesson 04; RFC 9110 §5).
// @lesson 04
#include "src/http/headers.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "src/http/syntax.hpp"

namespace duplex::http {
namespace {

Headers sample() {
  Headers headers;
  headers.add("Host", "example.com");
  headers.add("Connection", "keep-alive, Upgrade");
  headers.add("Accept", "text/html");
  headers.add("accept", "application/json");
  headers.add("X-Empty", "");
  return headers;
}

TEST(L04_Headers, KeepsOrderAndOriginalCaseRfc9110Section5_3) {
  Headers headers = sample();
  ASSERT_EQ(headers.size(), 5U);
  std::vector<std::string> names;
  for (const Field& field : headers) names.emplace_back(field.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Host", "Connection", "Accept", "accept", "X-Empty"}));
}

TEST(L04_Headers, LookupIsCaseInsensitiveRfc9110Section5_1) {
  Headers headers = sample();
  EXPECT_EQ(headers.get("HOST"), "example.com");
  EXPECT_EQ(headers.get("accept"), "text/html");  // the first of two
  EXPECT_EQ(headers.count("ACCEPT"), 2U);
  EXPECT_EQ(headers.get_all("Accept"),
            (std::vector<std::string_view>{"text/html", "application/json"}));
  EXPECT_FALSE(headers.get("Missing").has_value());
  // An empty value is present, and different from an absent field.
  ASSERT_TRUE(headers.get("x-empty").has_value());
  EXPECT_EQ(*headers.get("x-empty"), "");
}

TEST(L04_Headers, HasTokenReadsListsRfc9110Section5_6_1) {
  Headers headers = sample();
  // What browsers send on a WebSocket upgrade: the token is one element of a list.
  EXPECT_TRUE(headers.has_token("connection", "upgrade"));
  EXPECT_TRUE(headers.has_token("Connection", "KEEP-ALIVE"));
  EXPECT_FALSE(headers.has_token("Connection", "close"));
  // A token is a whole element, not a substring.
  EXPECT_FALSE(headers.has_token("Connection", "keep"));
  EXPECT_FALSE(headers.has_token("Missing", "x"));
  Headers spread;
  spread.add("Connection", "keep-alive");
  spread.add("Connection", " , upgrade ,");
  EXPECT_TRUE(spread.has_token("Connection", "upgrade"));
}

TEST(L04_Syntax, TokensRfc9110Section5_6_2) {
  EXPECT_TRUE(is_token("GET"));
  EXPECT_TRUE(is_token("!#$%&'*+-.^_`|~09azAZ"));
  EXPECT_FALSE(is_token(""));
  for (char c : std::string("()<>@,;:\\\"/[]?={} \t\x7f")) {
    EXPECT_FALSE(is_tchar(c)) << "delimiter " << static_cast<int>(c);
  }
  EXPECT_FALSE(is_tchar('\0'));
  EXPECT_FALSE(is_tchar('\xc3'));
}

TEST(L04_Syntax, FieldValueCharsRfc9110Section5_5) {
  EXPECT_TRUE(is_field_value_char('\t'));
  EXPECT_TRUE(is_field_value_char(' '));
  EXPECT_TRUE(is_field_value_char('~'));
  EXPECT_TRUE(is_field_value_char('\x80'));  // obs-text
  EXPECT_TRUE(is_field_value_char('\xff'));
  EXPECT_FALSE(is_field_value_char('\0'));
  EXPECT_FALSE(is_field_value_char('\r'));
  EXPECT_FALSE(is_field_value_char('\n'));
  EXPECT_FALSE(is_field_value_char('\x7f'));
}

TEST(L04_Syntax, TrimAndCompare) {
  EXPECT_EQ(trim_ows(" \t a b \t "), "a b");
  EXPECT_EQ(trim_ows(" \t "), "");
  EXPECT_TRUE(iequals("Content-Length", "content-LENGTH"));
  EXPECT_FALSE(iequals("Content-Length", "Content-Lengt"));
  // Only ASCII letters fold: '[' (0x5B) is not '{' (0x7B).
  EXPECT_FALSE(iequals("[", "{"));
  std::vector<std::string_view> elements;
  for_each_list_element(" a ,, b\t,c ,", [&](std::string_view e) { elements.push_back(e); });
  EXPECT_EQ(elements, (std::vector<std::string_view>{"a", "b", "c"}));
}

}  // namespace
}  // namespace duplex::http
