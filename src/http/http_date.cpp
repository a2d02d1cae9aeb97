// HTTP dates (lesson 06): IMF-fixdate out, the three RFC 9110 §5.6.7 forms in.
// @lesson 06
#include "src/http/http_date.hpp"

#include <array>

namespace duplex::http {

namespace {

constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Reads exactly `digits` decimal digits at the front of `text`.
bool take_number(std::string_view& text, std::size_t digits, int& value) {
  if (text.size() < digits) return false;
  value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  text.remove_prefix(digits);
  return true;
}

bool take(std::string_view& text, std::string_view expected) {
  if (text.substr(0, expected.size()) != expected) return false;
  text.remove_prefix(expected.size());
  return true;
}

bool take_month(std::string_view& text, int& month) {
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (take(text, kMonths[i])) {
      month = static_cast<int>(i);
      return true;
    }
  }
  return false;
}

// "HH:MM:SS"
bool take_time(std::string_view& text, int& hour, int& minute, int& second) {
  return take_number(text, 2, hour) && take(text, ":") && take_number(text, 2, minute) &&
         take(text, ":") && take_number(text, 2, second) && hour < 24 && minute < 60 && second < 61;
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's civil algorithm).
long days_from_civil(long year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  long era = (year >= 0 ? year : year - 399) / 400;
  long year_of_era = year - era * 400;
  long day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  long day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

std::optional<std::time_t> to_time(long year, int month0, int day, int hour, int minute,
                                   int second) {
  if (day < 1 || day > 31 || year < 1970) return std::nullopt;
  long days = days_from_civil(year, month0 + 1, day);
  return static_cast<std::time_t>(days * 86400L + hour * 3600L + minute * 60L + second);
}

}  // namespace

// @anchor lesson06-http-date
std::string_view write_http_date(std::time_t seconds, char (&out)[kHttpDateSize]) {
  long long days = seconds / 86400;
  long long rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  // The inverse of days_from_civil (Howard Hinnant's algorithm): era of 400 years, year of
  // the era, day of the year counted from March, then month and day.
  long long shifted = days + 719468;
  long long era = (shifted >= 0 ? shifted : shifted - 146096) / 146097;
  long long day_of_era = shifted - era * 146097;
  long long year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  long long day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  long long month_from_march = (5 * day_of_year + 2) / 153;
  int day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  int month = static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  long long year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  // 1970-01-01 was a Thursday (index 4 in kDays).
  auto weekday = static_cast<std::size_t>(((days % 7) + 11) % 7);
  auto two = [](char* at, int value) {
    at[0] = static_cast<char>('0' + value / 10);
    at[1] = static_cast<char>('0' + value % 10);
  };
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  const std::string_view day_name = kDays[weekday];
  const std::string_view month_name = kMonths[static_cast<std::size_t>(month - 1)];
  char* p = out;
  p[0] = day_name[0];
  p[1] = day_name[1];
  p[2] = day_name[2];
  p[3] = ',';
  p[4] = ' ';
  two(p + 5, day);
  p[7] = ' ';
  p[8] = month_name[0];
  p[9] = month_name[1];
  p[10] = month_name[2];
  p[11] = ' ';
  int y = static_cast<int>(year % 10000);
  two(p + 12, y / 100);
  two(p + 14, y % 100);
  p[16] = ' ';
  two(p + 17, static_cast<int>(rest / 3600));
  p[19] = ':';
  two(p + 20, static_cast<int>(rest / 60 % 60));
  p[22] = ':';
  two(p + 23, static_cast<int>(rest % 60));
  p[25] = ' ';
  p[26] = 'G';
  p[27] = 'M';
  p[28] = 'T';
  return {out, kHttpDateSize};
}

std::string format_http_date(std::time_t seconds) {
  char text[kHttpDateSize];
  return std::string(write_http_date(seconds, text));
}

std::optional<std::time_t> parse_http_date(std::string_view text) {
  int day = 0, month = 0, year = 0, hour = 0, minute = 0, second = 0;
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  for (auto name : kDays) {
    std::string_view rest = text;
    if (take(rest, name) && take(rest, ", ") && take_number(rest, 2, day) && take(rest, " ") &&
        take_month(rest, month) && take(rest, " ") && take_number(rest, 4, year) &&
        take(rest, " ") && take_time(rest, hour, minute, second) && rest == " GMT") {
      return to_time(year, month, day, hour, minute, second);
    }
  }
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT". RFC 9110 §5.6.7: a two-digit year that looks
  // more than 50 years in the future is in the past century; with no dates before 1970 here,
  // 70-99 are 19xx and 00-69 are 20xx.
  for (auto name : kLongDays) {
    std::string_view rest = text;
    if (take(rest, name) && take(rest, ", ") && take_number(rest, 2, day) && take(rest, "-") &&
        take_month(rest, month) && take(rest, "-") && take_number(rest, 2, year) &&
        take(rest, " ") && take_time(rest, hour, minute, second) && rest == " GMT") {
      return to_time(year + (year >= 70 ? 1900 : 2000), month, day, hour, minute, second);
    }
  }
  // asctime: "Sun Nov  6 08:49:37 1994" (the day is space-padded).
  for (auto name : kDays) {
    std::string_view rest = text;
    if (!take(rest, name) || !take(rest, " ") || !take_month(rest, month) || !take(rest, " "))
      continue;
    if (take(rest, " ")) {
      if (!take_number(rest, 1, day)) continue;
    } else if (!take_number(rest, 2, day)) {
      continue;
    }
    if (take(rest, " ") && take_time(rest, hour, minute, second) && take(rest, " ") &&
        take_number(rest, 4, year) && rest.empty()) {
      return to_time(year, month, day, hour, minute, second);
    }
  }
  return std::nullopt;
}

#if DUPLEX_LESSON >= 12
std::string_view DateCache::now() {
  std::time_t second = std::time(nullptr);
  if (second != second_) {
    second_ = second;
    text_ = format_http_date(second);
  }
  return text_;
}
#endif

}  // namespace duplex::http
