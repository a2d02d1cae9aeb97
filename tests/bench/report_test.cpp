// Tests for the report writer and its SVG charts (lesson 12): ratios pair rows of the same run,
// a missing or failed row is said to be missing (never shown as a small number), and the SVG is
// well-formed text with escaped labels.
// @lesson 12
#include "src/bench/report.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "src/bench/svg_chart.hpp"

namespace duplex::bench {
namespace {

Result line(const std::string& text) {
  return Result::parse(text).value();
}

MachineInfo machine() {
  MachineInfo m;
  m.date = "2026-11-25 13:00 UTC";
  m.cpu = "Test CPU";
  m.cpus = 2;
  m.kernel = "Linux 6.1";
  m.compiler = "g++ 12";
  m.pinning = "server on CPU 0";
  return m;
}

TEST(L12_Report, MedianOfOddAndEvenCounts) {
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_TRUE(std::isnan(median({})));
}

TEST(L12_Report, RatiosPairRowsOfTheSameRun) {
  // Run 1: 0.5, run 2: 1.0, run 3: 0.9 -> median 0.9. Pairing across runs would give others.
  std::vector<Result> results = {
      line("result row=ws-small run=1 msgs_per_s=50 errors=0"),
      line("result row=tcp-small run=1 msgs_per_s=100 errors=0"),
      line("result row=ws-small run=2 msgs_per_s=200 errors=0"),
      line("result row=tcp-small run=2 msgs_per_s=200 errors=0"),
      line("result row=ws-small run=3 msgs_per_s=90 errors=0"),
      line("result row=tcp-small run=3 msgs_per_s=100 errors=0"),
  };
  auto report = build_report(results, machine());
  EXPECT_NE(report.markdown.find("| WS 32 B 64x16 msgs/s, WebSocket / TCP | **0.9** | 0.5 - 1 (3 "
                                 "runs) | >= 0.9 | yes |  |  | ws-small: ?; tcp-small: ? |"),
            std::string::npos)
      << report.markdown;
}

TEST(L12_Report, TargetsSayWhichSideWasCpuBound) {
  // duplex saturated its core, nginx's load generator saturated its own: the page says both.
  std::vector<Result> results = {
      line("result row=wrk-duplex run=1 rps=120 server_cpu=0.99 client_cpu=0.5 errors=0"),
      line("result row=wrk-nginx run=1 rps=100 server_cpu=0.7 client_cpu=0.95 errors=0"),
  };
  auto md = build_report(results, machine()).markdown;
  EXPECT_NE(
      md.find("| HTTP 13 B keep-alive req/s, duplex / nginx tuned (wrk) | **1.2** | 1.2 - "
              "1.2 (1 runs) | >= 1.2 | yes | 0.848 | 0.439 | wrk-duplex: server (0.99 / 0.5); "
              "wrk-nginx: load generator (0.7 / 0.95) |"),
      std::string::npos)
      << md;
}

TEST(L12_Report, PerServerCpuRatioPairsEachRunsRatesAndShares) {
  // Both rows limited by the load generator: the same rate, but duplex used half the CPU of
  // nginx in run 1 and as much in run 2, so per server CPU it did 2 and 1 times the work.
  std::vector<Result> results = {
      line("result row=wrk-duplex run=1 rps=100 server_cpu=0.4 client_cpu=0.99 errors=0"),
      line("result row=wrk-nginx run=1 rps=100 server_cpu=0.8 client_cpu=0.99 errors=0"),
      line("result row=wrk-duplex run=2 rps=100 server_cpu=0.6 client_cpu=0.99 errors=0"),
      line("result row=wrk-nginx run=2 rps=100 server_cpu=0.6 client_cpu=0.99 errors=0"),
      line("result row=wrk-duplex run=3 rps=100 server_cpu=0.5 client_cpu=0.99 errors=0"),
      line("result row=wrk-nginx run=3 rps=100 server_cpu=0.8 client_cpu=0.99 errors=0"),
  };
  auto md = build_report(results, machine()).markdown;
  EXPECT_NE(md.find("(wrk) | **1** | 1 - 1 (3 runs) | >= 1.2 | **no** | 1.6 | 1 | wrk-duplex: "
                    "load generator"),
            std::string::npos)
      << md;
}

TEST(L12_Report, LoadGeneratorCostPerUnitPairsEachRunsRatesAndShares) {
  // Per request the load generator spent 0.9/90 against duplex and 0.9/100 against nginx in
  // run 1 (1.11), 0.5/100 and 1.0/100 in run 2 (0.5), 0.72/80 and 1.0/100 in run 3 (0.9):
  // median 0.9, each run's rates and shares taken together.
  std::vector<Result> results = {
      line("result row=close-duplex run=1 rps=90 server_cpu=0.5 client_cpu=0.9 errors=0"),
      line("result row=close-nginx run=1 rps=100 server_cpu=0.7 client_cpu=0.9 errors=0"),
      line("result row=close-duplex run=2 rps=100 server_cpu=0.5 client_cpu=0.5 errors=0"),
      line("result row=close-nginx run=2 rps=100 server_cpu=0.7 client_cpu=1.0 errors=0"),
      line("result row=close-duplex run=3 rps=80 server_cpu=0.5 client_cpu=0.72 errors=0"),
      line("result row=close-nginx run=3 rps=100 server_cpu=0.7 client_cpu=1.0 errors=0"),
      line("result row=ws-large run=1 mb_per_s=100 server_cpu=0.9 errors=0"),
      line("result row=tcp-large run=1 mb_per_s=100 server_cpu=0.9 errors=0"),
  };
  auto md = build_report(results, machine()).markdown;
  EXPECT_NE(
      md.find("| HTTP Connection: close req/s, duplex / nginx tuned (duplex-bench) | **0.9** | "
              "0.8 - 1 (3 runs) | >= 1 | **no** | 1.26 | 0.9 | close-duplex:"),
      std::string::npos)
      << md;
  // Without the load generator's share (an older result file) the cell stays empty.
  EXPECT_NE(md.find("| WS 64 KiB MB/s, WebSocket / TCP | **1** | 1 - 1 (1 runs) | >= 0.9 | yes | 1 "
                    "|  | ws-large:"),
            std::string::npos)
      << md;
}

TEST(L12_Report, NginxSettingsAreStatedWithTheirReasons) {
  auto md = build_report({}, machine()).markdown;
  EXPECT_NE(md.find("(../tests/bench/nginx-tuned.conf.in)"), std::string::npos);
  EXPECT_NE(md.find("| `keepalive_requests` | 1000000 | 1000 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| `open_file_cache` |"), std::string::npos);
  EXPECT_NE(md.find("| `sendfile` | off for the 13-byte file, on for the 64 KiB file |"),
            std::string::npos);
}

TEST(L12_Report, AbsoluteRowsShowEachSidesCpuShare) {
  // A row whose load generator was at 100 % measured the client: the page must show it.
  std::vector<Result> results = {
      line("result row=tcp-small run=1 msgs_per_s=100 p50_us=1 p99_us=2 p999_us=3 "
           "server_cpu=0.55 client_cpu=0.99 errors=0"),
      line("result row=tcp-small run=2 msgs_per_s=100 p50_us=1 p99_us=2 p999_us=3 "
           "server_cpu=0.65 client_cpu=0.97 errors=0"),
      line("result row=ws-small run=1 msgs_per_s=90 p50_us=1 p99_us=2 p999_us=3 errors=0"),
  };
  auto report = build_report(results, machine());
  EXPECT_NE(
      report.markdown.find("| 100 msgs/s | 100 - 100 | 1 | 2 | 3 | 0.6 | 0.98 | load generator |"),
      std::string::npos)
      << report.markdown;
  // Without the numbers (an older result file), the cells stay empty rather than read 0.
  EXPECT_NE(report.markdown.find("| 90 msgs/s | 90 - 90 | 1 | 2 | 3 |  |  |  |"), std::string::npos)
      << report.markdown;
}

TEST(L12_Report, MissingAndFailedRowsAreNamedNotZero) {
  // A failed run must not turn into "ratio 0": the page says why there is no number.
  std::vector<Result> results = {
      line("result row=http-duplex run=1 rps=1000 errors=0"),
      line("result row=http-nginx run=1 missing=nginx_not_installed"),
      line("result row=ws-large run=1 errors=1 error=echo:_wrong_payload_bytes"),
      line("result row=tcp-large run=1 mb_per_s=900 errors=0"),
  };
  auto md = build_report(results, machine()).markdown;
  EXPECT_NE(md.find("not measured: nginx not installed"), std::string::npos) << md;
  EXPECT_NE(md.find("not measured: error: echo: wrong payload bytes"), std::string::npos) << md;
  EXPECT_NE(md.find("## Errors in this run"), std::string::npos);
  EXPECT_NE(md.find("| CPU | Test CPU |"), std::string::npos);
}

TEST(L12_Report, LaterLessonsSectionsAreMarkedForTheLessonsTool) {
  // The page is lesson 12's; the lessons tool drops the sections of later lessons from the
  // trees of lessons 12 and 13 only if they sit between its Markdown markers.
  auto md =
      build_report({line("result row=http-duplex run=1 rps=1000 errors=0")}, machine()).markdown;
  EXPECT_EQ(md.rfind("<!-- @lesson 12 -->\n# Benchmarks\n", 0), 0u) << md.substr(0, 80);
#if DUPLEX_LESSON >= 14
  EXPECT_NE(md.find("<!-- @if lesson >= 14 -->\n## Compression (lesson 14)"), std::string::npos)
      << md;
#else
  EXPECT_EQ(md.find("lesson 14"), std::string::npos) << md;
#endif
#if DUPLEX_LESSON >= 15
  EXPECT_NE(md.find("<!-- @if lesson >= 15 -->\n## Fan-out across processes (lesson 15)"),
            std::string::npos)
      << md;
#else
  EXPECT_EQ(md.find("lesson 15"), std::string::npos) << md;
#endif
  std::size_t ifs = 0, endifs = 0;
  for (std::size_t at = md.find("<!-- @if "); at != std::string::npos;
       at = md.find("<!-- @if ", at + 1))
    ++ifs;
  for (std::size_t at = md.find("<!-- @endif -->\n"); at != std::string::npos;
       at = md.find("<!-- @endif -->\n", at + 1))
    ++endifs;
  EXPECT_EQ(ifs, endifs) << md;
}

TEST(L12_Report, EveryChartIsLinkedFromThePage) {
  std::vector<Result> results = {
      line("result row=push technique=poll updates=10 bytes_per_update=47 lat_p50_ms=480 "
           "lat_mean_ms=500 errors=0"),
      line("result row=push technique=websocket missing=404"),
  };
  auto report = build_report(results, machine());
  ASSERT_FALSE(report.images.empty());
  for (const auto& [name, svg] : report.images) {
    EXPECT_NE(report.markdown.find("(images/" + name + ")"), std::string::npos) << name;
    EXPECT_EQ(svg.rfind("<svg ", 0), 0u);
    EXPECT_NE(svg.find("</svg>"), std::string::npos);
  }
  EXPECT_NE(report.markdown.find("| websocket | | missing: 404 |"), std::string::npos);
}

TEST(L12_SvgChart, BarsAreProportionalAndLabelsEscaped) {
  BarChart chart;
  chart.title = "a < b & c";
  chart.categories = {"one", "two"};
  chart.series = {{"s", {50, 100}}};
  chart.targets = {NAN, 90};
  std::string svg = render_svg(chart);
  EXPECT_NE(svg.find("a &lt; b &amp; c"), std::string::npos);
  EXPECT_EQ(svg.find("a < b"), std::string::npos);
  // Axis end is 100: 420 px of plot, so 50 -> 210 px and 100 -> 420 px.
  EXPECT_NE(svg.find("width=\"210.0\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("width=\"420.0\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);  // the one target drawn
}

TEST(L12_SvgChart, UnmeasuredValuesDrawNoBar) {
  BarChart chart;
  chart.categories = {"x"};
  chart.series = {{"s", {NAN}}};
  std::string svg = render_svg(chart);
  EXPECT_NE(svg.find("not measured"), std::string::npos);
  EXPECT_EQ(svg.find("height=\"16\""), std::string::npos);  // bars are 16 px high
}

TEST(L12_SvgChart, NumbersAreGroupedOrRounded) {
  EXPECT_EQ(format_number(181234.6), "181 235");
  EXPECT_EQ(format_number(1000), "1 000");
  EXPECT_EQ(format_number(0.9123), "0.912");
  EXPECT_EQ(format_number(12.5), "12.5");
  EXPECT_EQ(format_number(NAN), "n/a");
}

}  // namespace
}  // namespace duplex::bench
