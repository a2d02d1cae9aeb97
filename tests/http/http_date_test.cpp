// Tests for HTTP dates (lesson 06): RFC 9110 §5.6.7's example in its three forms.
// @lesson 06
#include <gtest/gtest.h>

#include <ctime>
#include <string_view>

#include "src/http/http_date.hpp"

namespace duplex {
namespace {

constexpr std::time_t kExample = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT

TEST(L06_HttpDate, FormatsImfFixdate) {
  EXPECT_EQ(http::format_http_date(kExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(http::format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(L06_HttpDate, HandWrittenFormatAgreesWithTheCLibrary) {
  // write_http_date does its own calendar arithmetic: compare it with gmtime_r and strftime
  // across leap days, the 2000 and 2100 century rules and every weekday.
  for (std::time_t t = 0; t < std::time_t{4200000000}; t += 86400 * 7 + 3671) {
    std::tm utc{};
    gmtime_r(&t, &utc);
    char expected[40];
    std::strftime(expected, sizeof expected, "%a, %d %b %Y %H:%M:%S GMT", &utc);
    char text[http::kHttpDateSize];
    ASSERT_EQ(http::write_http_date(t, text), std::string_view(expected)) << t;
  }
  char text[http::kHttpDateSize];
  EXPECT_EQ(http::write_http_date(951782400, text), "Tue, 29 Feb 2000 00:00:00 GMT");
  EXPECT_EQ(http::write_http_date(4107542399, text), "Sun, 28 Feb 2100 23:59:59 GMT");
  EXPECT_EQ(http::write_http_date(4107542400, text), "Mon, 01 Mar 2100 00:00:00 GMT");
}

TEST(L06_HttpDate, ParsesAllThreeForms) {
  EXPECT_EQ(http::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), kExample);
  EXPECT_EQ(http::parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), kExample);
  EXPECT_EQ(http::parse_http_date("Sun Nov  6 08:49:37 1994"), kExample);
  EXPECT_EQ(http::parse_http_date("Thu, 29 Feb 2024 23:59:59 GMT"), 1709251199);
}

TEST(L06_HttpDate, RejectsWhatIsNotADate) {
  // An invalid If-Modified-Since must be ignored, not read as some other date.
  for (const char* bad : {"", "yesterday", "Sun, 06 Nov 1994 08:49:37 UTC",
                          "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT",
                          "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT "}) {
    EXPECT_FALSE(http::parse_http_date(bad).has_value()) << bad;
  }
}

TEST(L06_HttpDate, RoundTrips) {
  for (std::time_t t : {std::time_t{0}, kExample, std::time_t{2000000000}}) {
    EXPECT_EQ(http::parse_http_date(http::format_http_date(t)), t);
  }
}

#if DUPLEX_LESSON >= 12
// Lesson 12: the Date value of "now" is formatted at most once per second.
TEST(L12_DateCache, GivesAValidDateForNow) {
  http::DateCache cache;
  std::string_view now = cache.now();
  EXPECT_EQ(now.size(), 29U);
  EXPECT_TRUE(http::parse_http_date(now).has_value());
}
#endif

}  // namespace
}  // namespace duplex
