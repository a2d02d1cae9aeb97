// HTTP dates: the Date field of every response and the validators of lesson 06.
//
// RFC 9110 §5.6.7: a sender writes IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); a recipient
// must also accept the obsolete RFC 850 form ("Sunday, 06-Nov-94 08:49:37 GMT") and the asctime
// form ("Sun Nov  6 08:49:37 1994"). RFC 9110 §6.6.1: an origin server sends Date.
// @lesson 06
#pragma once

#include <cstddef>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace duplex::http {

// IMF-fixdate for `seconds` since the epoch (UTC), always 29 characters.
std::string format_http_date(std::time_t seconds);
// The same into `out`, without allocating: the view covers all of `out`. Written by hand
// rather than with gmtime_r and snprintf, because every static file response needs one.
constexpr std::size_t kHttpDateSize = 29;
std::string_view write_http_date(std::time_t seconds, char (&out)[kHttpDateSize]);

// Any of the three forms; nothing when the text is none of them (RFC 9110 §13.1.3: an invalid
// If-Modified-Since is ignored, so the caller treats "nothing" as "no condition").
std::optional<std::time_t> parse_http_date(std::string_view text);

#if DUPLEX_LESSON >= 12
// Lesson 12: the Date value for "now", formatted at most once per second: a busy server answers
// thousands of requests within the same second and formats the string once for all of them.
class DateCache {
 public:
  std::string_view now();

 private:
  std::time_t second_ = -1;
  std::string text_;
};
#endif

}  // namespace duplex::http
