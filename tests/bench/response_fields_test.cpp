// Tests for the response fields the HTTP load checks (lesson 12): found by name in any case and
// only as whole field names, values trimmed, a bad length refused, "close" found in a list.
// @lesson 12
#include "src/bench/response_fields.hpp"

#include <gtest/gtest.h>

#include <string>

namespace duplex::bench {
namespace {

TEST(L12_ResponseFields, FindsBothFieldsInAnyCaseWithTheirWhitespaceTrimmed) {
  const std::string head =
      "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nCONTENT-length: \t13 \r\n"
      "Connection:keep-alive\r\nETag: \"6b16502b-d\"\r\n";
  const ResponseFields fields = response_fields(head);
  EXPECT_EQ(fields.content_length, "13");
  EXPECT_EQ(fields.connection, "keep-alive");
}

TEST(L12_ResponseFields, OnlyAWholeFieldNameCounts) {
  // A name that ends in "Content-Length", a value that contains it, and a status line that
  // mentions it are none of them the field.
  const std::string head =
      "HTTP/1.1 200 Content-Length: 5\r\nX-Content-Length: 99\r\nX-Note: connection: close\r\n";
  const ResponseFields fields = response_fields(head);
  EXPECT_TRUE(fields.content_length.empty());
  EXPECT_TRUE(fields.connection.empty());
}

TEST(L12_ResponseFields, TheLastFieldLineIsReadToItsCrlf) {
  const ResponseFields fields = response_fields("HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n");
  EXPECT_EQ(fields.content_length, "4096");
}

TEST(L12_ResponseFields, AContentLengthIsDigitsAndNothingElse) {
  EXPECT_EQ(content_length_value("0"), 0u);
  EXPECT_EQ(content_length_value("65536"), 65536u);
  EXPECT_EQ(content_length_value("999999999999999999"), 999999999999999999u);
  EXPECT_FALSE(content_length_value(""));
  EXPECT_FALSE(content_length_value("13a"));
  EXPECT_FALSE(content_length_value("+13"));
  EXPECT_FALSE(content_length_value("1 3"));
  // Nineteen digits could overflow: refused rather than wrapped to a small number.
  EXPECT_FALSE(content_length_value("1000000000000000013"));
}

TEST(L12_ResponseFields, CloseIsFoundAsAnOptionInAList) {
  EXPECT_TRUE(connection_closes("close"));
  EXPECT_TRUE(connection_closes("Close"));
  EXPECT_TRUE(connection_closes("keep-alive, CLOSE"));
  EXPECT_FALSE(connection_closes("keep-alive"));
  EXPECT_FALSE(connection_closes(""));
  EXPECT_FALSE(connection_closes("closed"));
}

}  // namespace
}  // namespace duplex::bench
