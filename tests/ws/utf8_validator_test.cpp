// Tests for src/ws/utf8_validator.cpp (lesson 10): RFC 3629 examples and edges, every split, and
// agreement with a slow decoder written straight from the RFC's table.
// @lesson 10
#include "src/ws/utf8_validator.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tests/support/split_feed.hpp"

namespace duplex::ws {
namespace {

// The reference: decode each code point the long way, then check the rules of RFC 3629 §3-§4.
bool slow_is_valid(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    int n;
    std::uint32_t cp;
    if (b < 0x80) {
      n = 1;
      cp = b;
    } else if ((b & 0xE0) == 0xC0) {
      n = 2;
      cp = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      n = 3;
      cp = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      n = 4;
      cp = b & 0x07;
    } else
      return false;
    if (i + n > s.size()) return false;
    for (int k = 1; k < n; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = cp << 6 | (c & 0x3F);
    }
    static const std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

// Exercise lesson10-utf8 (Utf8Validator::feed): each failure says which bytes were fed, how
// they were cut, the verdict expected, and where to read.
constexpr const char* kRead =
    "read lessons/10-messages-and-closing/README.md#utf-8-as-a-state-machine";

void expect_valid(std::string_view text, bool valid) {
  std::string fed = ::testing::PrintToString(std::string(text));
  const char* verdict = valid ? "valid UTF-8" : "invalid UTF-8";
  EXPECT_EQ(is_valid_utf8(text), valid)
      << "fed " << fed << " whole; expected " << verdict << "; " << kRead;
  EXPECT_EQ(slow_is_valid(text), valid) << "reference disagrees";
  for (const auto& plan : duplex::testing::split_plans(text)) {
    Utf8Validator v;
    bool ok = true;
    for (auto chunk : plan.chunks) ok = v.feed(chunk) && ok;
    EXPECT_EQ(ok && v.complete(), valid)
        << "fed " << fed << " cut as " << plan.name << "; expected " << verdict << "; " << kRead;
  }
}

// RFC 3629 §7 examples.
TEST(L10_Utf8Validator, Rfc3629Examples) {
  expect_valid("\x41\xE2\x89\xA2\xCE\x91\x2E", true);          // "A<NOT IDENTICAL TO><ALPHA>."
  expect_valid("\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4", true);  // Korean "hangugeo"
  expect_valid("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", true);  // Japanese "nihongo"
  expect_valid("\xEF\xBB\xBF\xF0\xA3\x8E\xB4", true);          // BOM + U+233B4
}

TEST(L10_Utf8Validator, BoundaryCodePoints) {
  expect_valid(std::string_view("\x00", 1), true);  // U+0000 is a character like any other
  expect_valid("\x7F", true);                       // U+007F
  expect_valid("\xC2\x80", true);                   // U+0080
  expect_valid("\xDF\xBF", true);                   // U+07FF
  expect_valid("\xE0\xA0\x80", true);               // U+0800
  expect_valid("\xEF\xBF\xBF", true);               // U+FFFF
  expect_valid("\xF0\x90\x80\x80", true);           // U+10000
  expect_valid("\xF4\x8F\xBF\xBF", true);           // U+10FFFF
  expect_valid("\xED\x9F\xBF", true);               // U+D7FF, just below the surrogates
  expect_valid("\xEE\x80\x80", true);               // U+E000, just above them
}

// Each is a way to smuggle a character past a filter or crash a decoder.
TEST(L10_Utf8Validator, InvalidSequences) {
  expect_valid("\xF4\x90\x80\x80", false);  // U+110000: above the Unicode range
  expect_valid("\xED\xA0\x80", false);      // U+D800: surrogates are not characters
  expect_valid("\xED\xBF\xBF", false);      // U+DFFF
  expect_valid("\xC0\x80", false);          // overlong U+0000 ("modified UTF-8")
  expect_valid("\xC1\xBF", false);          // overlong U+007F
  expect_valid("\xE0\x80\x80", false);      // overlong, 3 bytes
  expect_valid("\xE0\x9F\xBF", false);      // overlong U+07FF
  expect_valid("\xF0\x80\x80\x80", false);  // overlong, 4 bytes
  expect_valid("\xF0\x8F\xBF\xBF", false);  // overlong U+FFFF
  expect_valid("\x80", false);              // lone continuation byte
  expect_valid("a\xBFz", false);            // continuation byte with no lead
  expect_valid("\xF5\x80\x80\x80", false);  // F5-FF never appear
  expect_valid("\xFF", false);
  expect_valid("\xFE", false);
  expect_valid("\xC2\x41", false);  // lead byte followed by ASCII
}

// A message may not end in the middle of a code point, though a fragment may.
TEST(L10_Utf8Validator, TruncatedAtEndIsIncompleteNotInvalid) {
  for (std::string_view prefix : {"\xC2", "\xE0\xA0", "\xF0\x90\x80", "abc\xE2\x82"}) {
    Utf8Validator v;
    EXPECT_TRUE(v.feed(prefix));
    EXPECT_FALSE(v.complete());
    EXPECT_FALSE(v.failed());
    expect_valid(prefix, false);
  }
}

// Fail fast: the validator rejects at the first impossible byte, whatever follows.
TEST(L10_Utf8Validator, FailsAtTheFirstBadByte) {
  Utf8Validator v;
  EXPECT_TRUE(v.feed("hello \xCE"));
  EXPECT_FALSE(v.feed("\x41"));
  EXPECT_TRUE(v.failed());
  EXPECT_FALSE(v.feed("valid text"));
  v.reset();
  EXPECT_TRUE(v.feed("valid text"));
}

// The ASCII fast path must not skip a non-ASCII byte at any position within an 8-byte word.
TEST(L10_Utf8Validator, NonAsciiAtEveryPositionOfLongText) {
  for (std::size_t at = 0; at < 40; ++at) {
    std::string text(40, 'x');
    text[at] = '\x80';
    EXPECT_FALSE(is_valid_utf8(text)) << at;
    std::string good(40, 'x');
    good.replace(at, 1, "\xC3\xA9");
    EXPECT_TRUE(is_valid_utf8(good)) << at;
  }
}

// Every 1-, 2- and 3-byte string, and random longer ones, against the reference decoder.
TEST(L10_Utf8Validator, AgreesWithSlowReference) {
  for (int a = 0; a < 256; ++a) {
    std::string s1(1, static_cast<char>(a));
    ASSERT_EQ(is_valid_utf8(s1), slow_is_valid(s1)) << a;
    for (int b = 0; b < 256; ++b) {
      std::string s2 = s1 + static_cast<char>(b);
      ASSERT_EQ(is_valid_utf8(s2), slow_is_valid(s2)) << a << " " << b;
    }
  }
  for (int a = 0xC0; a < 256; ++a) {
    for (int b = 0x80; b < 0xC0; ++b) {
      for (int c = 0; c < 256; ++c) {
        std::string s{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)};
        ASSERT_EQ(is_valid_utf8(s), slow_is_valid(s)) << a << " " << b << " " << c;
      }
    }
  }
  std::mt19937 random(7);
  const unsigned char kPieces[] = {0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC2,
                                   0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xC0};
  for (int n = 0; n < 20000; ++n) {
    std::string s;
    for (int k = random() % 12; k > 0; --k)
      s += static_cast<char>(kPieces[random() % sizeof kPieces]);
    ASSERT_EQ(is_valid_utf8(s), slow_is_valid(s)) << ::testing::PrintToString(s);
  }
}

}  // namespace
}  // namespace duplex::ws
