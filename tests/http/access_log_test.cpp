// Tests for the access-log and trace formatting (lesson 06).
// @lesson 06
#include <gtest/gtest.h>

#include "src/http/access_log.hpp"

namespace duplex {
namespace {

TEST(L06_AccessLog, OneLinePerRequest) {
  std::string out;
  http::append_access_line(out, "GET", "/index.html", 200, 1234, 87);
  EXPECT_EQ(out, "GET /index.html 200 1234 87us\n");
}

TEST(L06_AccessLog, ClientBytesCannotForgeLines) {
  // A target is attacker-controlled: a raw newline or escape would fake log lines.
  std::string out;
  http::append_access_line(out, "GET", "/a\nGET /admin 200", 404, 0, 1);
  EXPECT_EQ(out, "GET /a\\x0AGET /admin 200 404 0 1us\n");
}

TEST(L06_AccessLog, TracePrefixesEachHeadLine) {
  std::string out;
  http::append_trace(out, "< ", "HTTP/1.1 200 OK\r\nServer: duplex\r\n\r\nbody");
  EXPECT_EQ(out, "< HTTP/1.1 200 OK\n< Server: duplex\n");
}

}  // namespace
}  // namespace duplex
