// Tests for the wrk and strace output parsers (lesson 12): recorded outputs in, Result fields
// out, read behind a guard page so an over-read crashes here.
// @lesson 12
#include "src/bench/tool_output.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/guarded_buffer.hpp"

namespace duplex::bench {
namespace {

// wrk 4.1.0 with --latency against nginx on loopback (a recorded run).
constexpr const char* kWrkOutput =
    "Running 1s test @ http://127.0.0.1:18999/hello.txt\n"
    "  1 threads and 5 connections\n"
    "  Thread Stats   Avg      Stdev     Max   +/- Stdev\n"
    "    Latency     5.14ms   17.01ms 112.28ms   93.88%\n"
    "    Req/Sec    12.99k     6.52k   20.56k    63.64%\n"
    "  Latency Distribution\n"
    "     50%  257.00us\n"
    "     75%    0.99ms\n"
    "     90%    7.13ms\n"
    "     99%   96.71ms\n"
    "  14291 requests in 1.11s, 3.39MB read\n"
    "Requests/sec:  12857.57\n"
    "Transfer/sec:      3.05MB\n";

std::optional<Result> parse_guarded(const std::string& text) {
  testing::GuardedBuffer buffer(text);
  return parse_wrk_output(buffer.view());
}

TEST(L12_WrkOutput, ReadsRateLatenciesAndVolume) {
  auto r = parse_guarded(kWrkOutput);
  ASSERT_TRUE(r.has_value());
  EXPECT_NEAR(r->number("rps").value(), 12857.57, 0.1);  // Result keeps 6 digits
  EXPECT_DOUBLE_EQ(r->number("requests").value(), 14291);
  EXPECT_DOUBLE_EQ(r->number("seconds").value(), 1.11);
  EXPECT_DOUBLE_EQ(r->number("p50_us").value(), 257);
  EXPECT_DOUBLE_EQ(r->number("p75_us").value(), 990);
  EXPECT_DOUBLE_EQ(r->number("p90_us").value(), 7130);
  EXPECT_DOUBLE_EQ(r->number("p99_us").value(), 96710);
  EXPECT_DOUBLE_EQ(r->number("lat_mean_us").value(), 5140);
  // wrk's MB are MiB: 3.05 * 1048576 bytes.
  EXPECT_NEAR(r->number("mb_per_s").value(), 3.198, 0.001);
  EXPECT_EQ(r->get("errors"), "0");
  EXPECT_EQ(r->get("non_2xx"), "0");
}

TEST(L12_WrkOutput, WrongStatusesMakeTheRowAnError) {
  // A server answering 404 fast must not read as a fast server.
  std::string text = kWrkOutput;
  text.insert(text.find("Requests/sec:"), "  Non-2xx or 3xx responses: 13095\n");
  auto r = parse_guarded(text);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->get("errors"), "1");
  EXPECT_EQ(r->get("error"), "wrk:_13095_non-2xx/3xx_responses");
}

TEST(L12_WrkOutput, TimeoutsAreErrorsReadErrorsAreNot) {
  // Read errors are how wrk sees Connection: close; a timeout means a stuck server.
  std::string text = kWrkOutput;
  const auto at = text.find("Requests/sec:");
  text.insert(at, "  Socket errors: connect 0, read 42, write 0, timeout 0\n");
  auto reads = parse_guarded(text);
  ASSERT_TRUE(reads.has_value());
  EXPECT_EQ(reads->get("errors"), "0");
  EXPECT_EQ(reads->get("socket_read"), "42");

  std::string stuck = kWrkOutput;
  stuck.insert(at, "  Socket errors: connect 0, read 0, write 0, timeout 7\n");
  auto timeouts = parse_guarded(stuck);
  ASSERT_TRUE(timeouts.has_value());
  EXPECT_EQ(timeouts->get("errors"), "1");
  EXPECT_EQ(timeouts->get("socket_timeout"), "7");
}

TEST(L12_WrkOutput, NoRateLineIsNoResult) {
  // wrk printed its usage (a bad flag) or died: there is nothing to report.
  EXPECT_FALSE(parse_guarded("Usage: wrk <options> <url>\n  Options:\n").has_value());
  EXPECT_FALSE(parse_guarded("").has_value());
  EXPECT_FALSE(parse_guarded("Requests/sec:  fast\n").has_value());
}

TEST(L12_WrkOutput, EveryTruncationParsesOrRefusesWithoutOverreading) {
  // wrk killed mid-output: each prefix either parses or is refused, never read past its end.
  const std::string text = kWrkOutput;
  for (std::size_t n = 0; n <= text.size(); ++n) {
    auto r = parse_guarded(text.substr(0, n));
    if (r) {
      EXPECT_TRUE(r->number("rps").has_value()) << n;
    }
  }
}

TEST(L12_WrkOutput, Units) {
  EXPECT_DOUBLE_EQ(wrk_duration_us("574.27us").value(), 574.27);
  EXPECT_DOUBLE_EQ(wrk_duration_us("1.00ms").value(), 1000);
  EXPECT_DOUBLE_EQ(wrk_duration_us("2.5s").value(), 2.5e6);
  EXPECT_DOUBLE_EQ(wrk_duration_us("1.00m").value(), 60e6);
  EXPECT_FALSE(wrk_duration_us("12").has_value());
  EXPECT_FALSE(wrk_duration_us("ms").has_value());
  EXPECT_DOUBLE_EQ(wrk_bytes("512B").value(), 512);
  EXPECT_DOUBLE_EQ(wrk_bytes("1.5KB").value(), 1536);
  EXPECT_DOUBLE_EQ(wrk_bytes("2.00GB").value(), 2.0 * 1024 * 1024 * 1024);
  EXPECT_FALSE(wrk_bytes("3.05Mb").has_value());
}

std::optional<std::uint64_t> strace_guarded(const std::string& text) {
  testing::GuardedBuffer buffer(text);
  return parse_strace_total(buffer.view());
}

// strace 6.1 -c -f: the errors column is blank for calls that never failed.
constexpr const char* kStraceSummary =
    "% time     seconds  usecs/call     calls    errors syscall\n"
    "------ ----------- ----------- --------- --------- ----------------\n"
    " 45.00    0.000090          10         9           writev\n"
    " 30.00    0.000060           6        10         3 read\n"
    " 25.00    0.000050           5        10           epoll_wait\n"
    "------ ----------- ----------- --------- --------- ----------------\n"
    "100.00    0.000200           6        29         3 total\n";

TEST(L12_StraceSummary, TotalCallsFromTheTotalLine) {
  EXPECT_EQ(strace_guarded(kStraceSummary), 29u);
}

TEST(L12_StraceSummary, BlankErrorsColumnDoesNotShiftTheCount) {
  // Counting words would read the usecs/call column (6) here.
  std::string text = kStraceSummary;
  text.replace(text.find("100.00"), std::string::npos,
               "100.00    0.000200           6        29           total\n");
  EXPECT_EQ(strace_guarded(text), 29u);
}

TEST(L12_StraceSummary, NoCallsIsZeroNoSummaryIsNothing) {
  EXPECT_EQ(strace_guarded("% time     seconds  usecs/call     calls    errors syscall\n"
                           "------ ----------- ----------- --------- --------- ------------\n"),
            0u);
  EXPECT_FALSE(strace_guarded("strace: attach: ptrace(PTRACE_SEIZE, 1): Operation not "
                              "permitted\n")
                   .has_value());
  EXPECT_FALSE(strace_guarded("").has_value());
}

}  // namespace
}  // namespace duplex::bench
