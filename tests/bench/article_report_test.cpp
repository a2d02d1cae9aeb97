// Tests for the article's section of docs/benchmarks.md (lesson 12): the break-even arithmetic,
// CPU taken only from windows strace did not slow down, choices that follow the figures, and
// parts without rows said to be unmeasured.
// @lesson 12
#include "src/bench/article_report.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace duplex::bench {
namespace {

Result line(const std::string& text) {
  return Result::parse(text).value();
}

std::string section(const std::vector<Result>& results) {
  std::vector<std::pair<std::string, std::string>> images;
  return article_section(results, images);
}

TEST(L12_ArticleReport, BreakEvenRoundsUpAndNeedsASaving) {
  EXPECT_EQ(break_even(340, 204, 38).value(), 3);  // 340 / 166 = 2.05 -> 3
  EXPECT_EQ(break_even(332, 204, 38).value(), 2);  // exactly 2
  EXPECT_EQ(break_even(0, 204, 38).value(), 0);
  EXPECT_FALSE(break_even(340, 38, 38).has_value());  // no saving: never
  EXPECT_FALSE(break_even(340, 38, 204).has_value());
  EXPECT_FALSE(break_even(NAN, 204, 38).has_value());
}

std::vector<Result> measured() {
  return {
      line("result row=sub-poll run=1 cpu_us_per_update=9 bytes_per_update=50 errors=0"),
      line("result row=sub-long-poll run=1 cpu_us_per_update=12 bytes_per_update=260 errors=0"),
      line("result row=sub-stream run=1 cpu_us_per_update=3 bytes_per_update=30 errors=0"),
      line("result row=sub-events run=1 cpu_us_per_update=4 bytes_per_update=45 errors=0"),
      line("result row=sub-websocket run=1 cpu_us_per_update=2.5 bytes_per_update=24 errors=0"),
      line("result row=sub-websocket run=2 cpu_us_per_update=2 bytes_per_update=24 errors=0"),
      line("result row=sub-websocket run=3 cpu_us_per_update=3.5 bytes_per_update=24 errors=0"),
      // strace's window: its CPU is strace's doing and must not become the median.
      line("result row=sys-sub-websocket run=1 cpu_us_per_update=90 syscalls_per_update=1.02 "
           "traced=1 errors=0"),
      line("result row=mem-poll run=1 bytes_per_subscriber=3400 errors=0"),
      line("result row=mem-websocket run=1 bytes_per_subscriber=1800 errors=0"),
      line("result row=send-post-10 run=1 bytes_per_msg=204 cpu_us_per_msg=12 errors=0"),
      line("result row=send-websocket-10 run=1 bytes_per_msg=38 cpu_us_per_msg=4 "
           "handshake_bytes=340 errors=0"),
      line("result row=hs-ws run=1 cycles_per_s=10000 server_cpu=0.5 errors=0"),
      line("result row=hs-tcp run=1 cycles_per_s=20000 server_cpu=0.6 errors=0"),
  };
}

TEST(L12_ArticleReport, TablesQuoteMediansAndRangesOverRuns) {
  auto md = section(measured());
  EXPECT_NE(md.find("| WebSocket (/ticker) | not measured (not run) | 2.5 | 2 - 3.5 (3) | 1.02 | "
                    "24 | 1 800 |"),
            std::string::npos)
      << md;
}

TEST(L12_ArticleReport, BreakEvenQuotesTheMeasuredCosts) {
  auto md = section(measured());
  // Bytes: 340 / (204 - 38) -> 3. CPU: handshake 50 - 30 = 20 us, saving 12 - 4 = 8 -> 3.
  EXPECT_NE(md.find("are 340 bytes; a message costs 204 bytes as a POST and 38 as a WebSocket "
                    "message, so the handshake has paid for itself after **3 messages**"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("so the handshake itself about 20 us"), std::string::npos) << md;
}

TEST(L12_ArticleReport, NoCpuBreakEvenWhenThePerMessageCostsOverlap) {
  // 20.01 against 19.99 us would give a break-even of thousands of messages: noise, not a fact.
  auto results = measured();
  std::erase_if(results, [](const Result& r) { return r.get("row") == "send-post-10"; });
  std::erase_if(results, [](const Result& r) { return r.get("row") == "send-websocket-10"; });
  results.push_back(line("result row=send-post-10 run=1 bytes_per_msg=204 cpu_us_per_msg=18"));
  results.push_back(line("result row=send-post-10 run=2 bytes_per_msg=204 cpu_us_per_msg=25"));
  results.push_back(line("result row=send-websocket-10 run=1 bytes_per_msg=38 cpu_us_per_msg=17"));
  results.push_back(line("result row=send-websocket-10 run=2 bytes_per_msg=38 cpu_us_per_msg=21"));
  auto md = section(results);
  EXPECT_NE(md.find("no break-even can be read from this run: over the runs a POST cost 18-25 us "
                    "and a WebSocket message 17-21 us, ranges that overlap"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("after **"), md.find("after **3 messages**")) << "only the bytes' break-even";
}

TEST(L12_ArticleReport, ChoicesFollowTheFigures) {
  auto md = section(measured());
  EXPECT_NE(md.find("| server pushes updates to many subscribers as they happen | WebSocket "
                    "(/ticker) (least server CPU per update) |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| many idle subscribers, memory is what runs out | WebSocket (/ticker)"),
            std::string::npos);
  EXPECT_NE(md.find("HTTP POST for fewer than 3 messages per connection"), std::string::npos);

  // The same rows with streaming cheapest: the choice moves with the numbers.
  auto results = measured();
  results.push_back(
      line("result row=sub-stream run=2 cpu_us_per_update=1 bytes_per_update=30 errors=0"));
  results.push_back(
      line("result row=sub-stream run=3 cpu_us_per_update=1 bytes_per_update=30 errors=0"));
  auto moved = section(results);
  EXPECT_NE(moved.find("as they happen | HTTP streaming (chunked GET /stream)"), std::string::npos)
      << moved;
}

TEST(L12_ArticleReport, AZeroDelayIsSaidToBeBelowWhatTheClientCanSee) {
  // The load generator reads the clock once per wake-up: 0 is "too small to see", not "none".
  std::vector<Result> results = {
      line("result row=push run=1 technique=long-poll lat_p50_ms=0 errors=0"),
      line("result row=push run=1 technique=poll lat_p50_ms=503.3 errors=0"),
  };
  auto md = section(results);
  EXPECT_NE(md.find("latency added none measurable (the same wake-up of the load generator) |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("latency added 503 ms (long-poll none measurable"), std::string::npos) << md;
}

TEST(L12_ArticleReport, MissingRowsAreNamedNotGuessed) {
  std::vector<Result> results = {
      line("result row=sys-sub-poll run=1 missing=strace_not_installed"),
      line("result row=sub-poll run=1 errors=1 error=poll:_answer_404"),
  };
  auto md = section(results);
  EXPECT_NE(md.find("not measured (strace not installed)"), std::string::npos) << md;
  EXPECT_NE(md.find("not measured (error: poll: answer 404)"), std::string::npos) << md;
  EXPECT_NE(md.find("- Bytes: not measured"), std::string::npos) << md;
  EXPECT_EQ(md.find("after **"), std::string::npos);
}

}  // namespace
}  // namespace duplex::bench
