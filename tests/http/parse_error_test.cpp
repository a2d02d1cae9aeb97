// Tests for render_error, the caret display (lesson 04).
// @lesson 04
#include "src/http/parse_error.hpp"

#include <gtest/gtest.h>

#include <string>

namespace duplex::http {
namespace {

TEST(L04_ParseError, CaretSitsUnderTheFailingByte) {
  std::string input_with_nul =
      std::string("GET / HTTP/1.1\r\nHost: x\r\nX: a") + '\0' + "b\r\n\r\n";
  ParseError error{400, "NUL in field value", 29};
  EXPECT_EQ(render_error(input_with_nul, error),
            "400 NUL in field value at byte 29\n"
            "  X: a\\x00b\\r\\n\n"
            "      ^\n");
}

TEST(L04_ParseError, FirstLineAndEndOfInput) {
  EXPECT_EQ(render_error("G@T /", {400, "invalid character in method", 1}),
            "400 invalid character in method at byte 1\n"
            "  G@T /\n"
            "   ^\n");
  // An offset at the end of the input points just past it.
  EXPECT_EQ(render_error("GET /", {400, "request line has no HTTP version", 5}),
            "400 request line has no HTTP version at byte 5\n"
            "  GET /\n"
            "       ^\n");
}

TEST(L04_ParseError, LongLinesAreCutAroundTheByte) {
  std::string input = std::string(200, 'a') + "!" + std::string(200, 'b');
  std::string shown = render_error(input, {414, "start line too long", 200});
  EXPECT_NE(shown.find("  ..." + std::string(60, 'a') + "!" + std::string(59, 'b') + "...\n"),
            std::string::npos)
      << shown;
  EXPECT_NE(shown.find("\n" + std::string(2 + 3 + 60, ' ') + "^\n"), std::string::npos) << shown;
}

}  // namespace
}  // namespace duplex::http
