// Tests for LineFramer (lesson 02): every split of the input gives the same lines; LF and CRLF;
// the maximum line length.
// @lesson 02
#include "src/net/line_framer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/split_feed.hpp"

namespace duplex::net {
namespace {

struct Framed {
  std::vector<std::string> lines;
  bool too_long = false;
  std::size_t left_over = 0;
};

// Feeds `chunks` one at a time, taking every complete line after each.
Framed frame(const std::vector<std::string_view>& chunks, std::size_t max = 8192) {
  LineFramer framer(max);
  Framed result;
  try {
    for (auto chunk : chunks) {
      framer.feed(chunk);
      while (auto line = framer.next_line()) result.lines.push_back(*line);
    }
  } catch (const LineTooLong&) {
    result.too_long = true;
  }
  result.left_over = framer.buffered();
  return result;
}

// What the framer was fed, printed so that a failure says it: "one\ntwo" shows as one\ntwo.
std::string shown(std::string_view bytes) {
  std::string out;
  for (char c : bytes) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

Framed frame_each_plan(std::string_view input, std::size_t max = 8192) {
  SCOPED_TRACE("fed \"" + shown(input) + "\" with max_line_length " + std::to_string(max) +
               " (lessons/02-byte-stream/README.md#a-line-protocol-sans-io)");
  Framed whole = frame({input}, max);
  for (const auto& plan : testing::split_plans(input)) {
    Framed split = frame(plan.chunks, max);
    EXPECT_EQ(split.lines, whole.lines) << "plan " << plan.name;
    EXPECT_EQ(split.too_long, whole.too_long) << "plan " << plan.name;
    EXPECT_EQ(split.left_over, whole.left_over) << "plan " << plan.name;
  }
  return whole;
}

TEST(L02_LineFramer, SplitsLinesAtEveryCut) {
  auto framed = frame_each_plan("one\ntwo\n\nthree\nfour");
  EXPECT_EQ(framed.lines, (std::vector<std::string>{"one", "two", "", "three"}));
  EXPECT_EQ(framed.left_over, 4U);  // "four" waits for its LF
  EXPECT_FALSE(framed.too_long);
}

TEST(L02_LineFramer, CrlfAndLfBothEndALine) {
  auto framed = frame_each_plan("dos\r\nunix\nmixed\r\n\r\n");
  EXPECT_EQ(framed.lines, (std::vector<std::string>{"dos", "unix", "mixed", ""}));
}

// Only a CR directly before LF is part of the terminator; others are data.
TEST(L02_LineFramer, ALoneCrIsData) {
  auto framed = frame_each_plan("a\rb\n\r\r\n");
  EXPECT_EQ(framed.lines, (std::vector<std::string>{"a\rb", "\r"}));
}

TEST(L02_LineFramer, KeepsEveryByteValue) {
  std::string line;
  for (int c = 0; c < 256; ++c) {
    if (c != '\n') line += static_cast<char>(c);
  }
  if (line.back() == '\r') line.pop_back();
  auto framed = frame_each_plan(line + "\n");
  ASSERT_EQ(framed.lines.size(), 1U);
  EXPECT_EQ(framed.lines[0], line);
}

TEST(L02_LineFramer, ALineOfExactlyTheMaximumIsAccepted) {
  std::string line(16, 'x');
  EXPECT_EQ(frame_each_plan(line + "\n", 16).lines, std::vector<std::string>{line});
  EXPECT_EQ(frame_each_plan(line + "\r\n", 16).lines, std::vector<std::string>{line});
}

// One byte over the limit is rejected, terminated or not.
TEST(L02_LineFramer, ALineOneByteTooLongIsAnError) {
  std::string line(17, 'x');
  EXPECT_TRUE(frame_each_plan(line + "\n", 16).too_long);
  EXPECT_TRUE(frame_each_plan(line + "\r\n", 16).too_long);
  EXPECT_TRUE(frame_each_plan(line, 16).too_long);
}

// A peer that never sends a newline must be stopped at the limit, not buffered forever.
TEST(L02_LineFramer, AnEndlessLineIsRejectedWithBoundedMemory) {
  LineFramer framer(100);
  std::string chunk(10, 'z');
  bool rejected = false;
  for (int i = 0; i < 1000 && !rejected; ++i) {
    framer.feed(chunk);
    try {
      EXPECT_FALSE(framer.next_line().has_value());
    } catch (const LineTooLong& error) {
      rejected = true;
      EXPECT_STREQ(error.what(), "line longer than 100 bytes");
    }
    EXPECT_LE(framer.buffered(), 110U);
  }
  EXPECT_TRUE(rejected);
  EXPECT_TRUE(framer.failed());
  framer.feed("ok\n");
  EXPECT_THROW(framer.next_line(), LineTooLong);  // a failed stream stays failed
}

// Lines before the too-long one are delivered: accepted data is never lost.
TEST(L02_LineFramer, LinesBeforeTheTooLongOneAreDelivered) {
  auto framed = frame_each_plan("ok\nfine\n" + std::string(40, 'y') + "\nnever\n", 10);
  EXPECT_EQ(framed.lines, (std::vector<std::string>{"ok", "fine"}));
  EXPECT_TRUE(framed.too_long);
}

TEST(L02_LineFramer, DefaultMaximum) {
  LineFramer framer;
  EXPECT_EQ(framer.max_line_length(), LineFramer::kDefaultMaxLineLength);
  EXPECT_EQ(LineFramer::kDefaultMaxLineLength, 8192U);
}

}  // namespace
}  // namespace duplex::net
