// The report writer (lesson 12). See report.hpp.
// @lesson 12
#include "src/bench/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "src/bench/article_report.hpp"
#if DUPLEX_LESSON >= 15
#include "src/bench/fanout_report.hpp"
#endif
#include "src/bench/svg_chart.hpp"

namespace duplex::bench {

namespace {

struct RowInfo {
  std::string row;
  std::string what;
  std::string metric;
  std::string unit;
};

const std::vector<RowInfo>& load_rows() {
  static const std::vector<RowInfo> rows = {
      {"http-duplex", "HTTP keep-alive, 13-byte file, 50 connections, duplex-bench: duplex-server",
       "rps", "requests/s"},
      {"http-nginx", "the same: nginx tuned (tests/bench/nginx-tuned.conf.in)", "rps",
       "requests/s"},
      {"http-nginx-debian", "the same: nginx with Debian's defaults (tests/bench/nginx.conf.in)",
       "rps", "requests/s"},
      {"wrk-duplex", "HTTP keep-alive, 13-byte file, 50 connections, wrk -t1: duplex-server", "rps",
       "requests/s"},
      {"wrk-nginx", "the same: nginx tuned", "rps", "requests/s"},
      {"wrk-nginx-debian", "the same: nginx with Debian's defaults", "rps", "requests/s"},
      {"http64-duplex", "HTTP keep-alive, 64 KiB file, 50 connections, duplex-bench: duplex-server",
       "rps", "requests/s"},
      {"http64-nginx", "the same: nginx tuned", "rps", "requests/s"},
      {"wrk64-duplex", "HTTP keep-alive, 64 KiB file, 50 connections, wrk -t1: duplex-server",
       "rps", "requests/s"},
      {"wrk64-nginx", "the same: nginx tuned", "rps", "requests/s"},
      {"close-duplex",
       "HTTP Connection: close, 13-byte file, 50 clients, duplex-bench: "
       "duplex-server",
       "rps", "requests/s"},
      {"close-nginx", "the same: nginx tuned", "rps", "requests/s"},
      {"wrkclose-duplex",
       "HTTP Connection: close, 13-byte file, 50 clients, wrk -t1: "
       "duplex-server",
       "rps", "requests/s"},
      {"wrkclose-nginx", "the same: nginx tuned", "rps", "requests/s"},
      {"ws-small", "WebSocket echo, 32 B text, 64 connections x 16 in flight", "msgs_per_s",
       "msgs/s"},
      {"tcp-small", "raw TCP echo, 32 B, 64 connections x 16 in flight", "msgs_per_s", "msgs/s"},
      {"node-small", "Node ws echo, 32 B text, 64 connections x 16 in flight", "msgs_per_s",
       "msgs/s"},
      {"ws-small1", "WebSocket echo, 32 B text, 64 connections x 1 in flight", "msgs_per_s",
       "msgs/s"},
      {"tcp-small1", "raw TCP echo, 32 B, 64 connections x 1 in flight", "msgs_per_s", "msgs/s"},
      {"node-small1", "Node ws echo, 32 B text, 64 connections x 1 in flight", "msgs_per_s",
       "msgs/s"},
      {"ws-large", "WebSocket echo, 64 KiB binary, 8 connections x 4 in flight", "mb_per_s",
       "MB/s"},
      {"tcp-large", "raw TCP echo, 64 KiB, 8 connections x 4 in flight", "mb_per_s", "MB/s"},
      {"node-large", "Node ws echo, 64 KiB binary, 8 connections x 4 in flight", "mb_per_s",
       "MB/s"},
      {"hs-ws", "WebSocket handshakes (connect + 101 + close), 16 clients", "cycles_per_s",
       "cycles/s"},
      {"hs-tcp", "raw TCP connect + 32 B echo + close, 16 clients", "cycles_per_s", "cycles/s"},
  };
  return rows;
}

std::vector<const Result*> rows_named(const std::vector<Result>& results, const std::string& row) {
  std::vector<const Result*> found;
  for (const auto& r : results)
    if (r.get("row") == row) found.push_back(&r);
  return found;
}

bool failed(const Result& r) {
  return r.get("errors") != "" && r.get("errors") != "0";
}

// Why a row has no number: "missing" (never ran) or its error.
std::string why_not(const std::vector<const Result*>& rows) {
  for (const Result* r : rows) {
    if (!r->get("missing").empty()) return r->get("missing");
    if (failed(*r)) return "error: " + r->get("error");
  }
  return rows.empty() ? "not run" : "";
}

std::vector<double> values(const std::vector<const Result*>& rows, const std::string& metric) {
  std::vector<double> out;
  for (const Result* r : rows) {
    if (failed(*r) || !r->get("missing").empty()) continue;
    if (auto v = r->number(metric)) out.push_back(*v);
  }
  return out;
}

// What the two nginx configurations differ in, and why (tests/bench/nginx-tuned.conf.in says
// the same next to each setting).
std::string nginx_settings_section() {
  return R"(## nginx: which settings, and why

Both nginx rows run one worker process pinned to the server's CPU, serve the same files from the same directory, and log nothing (`access_log off`, like duplex-server's default). The rows duplex is measured against use nginx configured for speed, as its users run it for a benchmark ([tests/bench/nginx-tuned.conf.in](../tests/bench/nginx-tuned.conf.in)); the row labelled "Debian's defaults" uses the settings Debian ships ([tests/bench/nginx.conf.in](../tests/bench/nginx.conf.in)) and is there for reference only.

| setting | tuned | Debian's defaults | why |
| --- | --- | --- | --- |
| `keepalive_requests` | 1000000 | 1000 | with 1000, each of 50 connections is closed and reopened about once a second at 50 000 requests/s, and the row measures connects; a million keeps every connection open for the whole run |
| `keepalive_timeout` | 300s | 75s (nginx's default) | no idle close in the middle of a row |
| `open_file_cache` | max=1000 inactive=60s, valid 60s, min_uses 1, errors on | off | open(), fstat() and close() once per file a minute instead of once per request |
| `sendfile` | off for the 13-byte file, on for the 64 KiB file | on | for 13 bytes sendfile() is one more system call than copying the bytes behind the head into one writev(); for 64 KiB it saves copying the body through user space |
| `tcp_nopush` | on for the 64 KiB file only | on | TCP_CORK sends the head with the first bytes of a sendfile() body; without sendfile there is nothing to cork |
| `tcp_nodelay` | on | on | the last segment of each response leaves at once |
| `accept_mutex`, `multi_accept` | off, on (and `backlog=4096`) | nginx's defaults | one worker has no one to share accepts with; the Connection: close rows accept in bursts |

)";
}

}  // namespace

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  std::size_t mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

const std::vector<Comparison>& comparisons() {
  static const std::vector<Comparison> list = {
      {"HTTP 13 B keep-alive req/s, duplex / nginx tuned (duplex-bench)", "http-duplex",
       "http-nginx", "rps", 1.2},
      {"HTTP 13 B keep-alive req/s, duplex / nginx tuned (wrk)", "wrk-duplex", "wrk-nginx", "rps",
       1.2},
      {"HTTP 64 KiB keep-alive req/s, duplex / nginx tuned (duplex-bench)", "http64-duplex",
       "http64-nginx", "rps", 1.0},
      {"HTTP 64 KiB keep-alive req/s, duplex / nginx tuned (wrk)", "wrk64-duplex", "wrk64-nginx",
       "rps", 1.0},
      {"HTTP Connection: close req/s, duplex / nginx tuned (duplex-bench)", "close-duplex",
       "close-nginx", "rps", 1.0},
      {"HTTP Connection: close req/s, duplex / nginx tuned (wrk)", "wrkclose-duplex",
       "wrkclose-nginx", "rps", 1.0},
      {"for reference: HTTP 13 B req/s, duplex / nginx Debian defaults (duplex-bench)",
       "http-duplex", "http-nginx-debian", "rps", 1.0},
      {"WS 32 B 64x16 msgs/s, WebSocket / TCP", "ws-small", "tcp-small", "msgs_per_s", 0.9},
      {"WS 32 B 64x1 msgs/s, WebSocket / TCP", "ws-small1", "tcp-small1", "msgs_per_s", 0.9},
      {"WS 64 KiB MB/s, WebSocket / TCP", "ws-large", "tcp-large", "mb_per_s", 0.9},
      {"handshakes/s, WebSocket / TCP cycle", "hs-ws", "hs-tcp", "cycles_per_s", 0.75},
      {"WS 32 B 64x16 msgs/s, duplex / Node ws", "ws-small", "node-small", "msgs_per_s", 1.0},
      {"WS 32 B 64x1 msgs/s, duplex / Node ws", "ws-small1", "node-small1", "msgs_per_s", 1.0},
      {"WS 64 KiB MB/s, duplex / Node ws", "ws-large", "node-large", "mb_per_s", 1.0},
  };
  return list;
}

// Which side ran out of CPU: a share of one core at 0.9 or more is a saturated side.
std::string bound_side(double server_cpu, double client_cpu) {
  const bool server = std::isfinite(server_cpu) && server_cpu >= 0.9;
  const bool client = std::isfinite(client_cpu) && client_cpu >= 0.9;
  if (server && client) return "both";
  if (server) return "server";
  if (client) return "load generator";
  if (!std::isfinite(server_cpu) && !std::isfinite(client_cpu)) return "";
  return "neither";
}

#if DUPLEX_LESSON >= 14
namespace {

// Lesson 14's section: permessage-deflate's memory per idle connection, the ratio on the chat,
// and src/deflate against zlib. Targets from issue 16: an idle compressed connection costs at
// most 16 KiB at 10,000 open; the default level's output within 5% of zlib -6's; inflate at
// least 70% of zlib's speed.
// @anchor lesson14-report
std::string deflate_section(const std::vector<Result>& results) {
  constexpr double kIdleTargetKib = 16;
  constexpr double kSizeTarget = 1.05;
  constexpr double kInflateTarget = 0.70;
  auto number = [](const Result& r, const std::string& key) { return r.number(key).value_or(NAN); };
  std::string md = "## Compression (lesson 14): permessage-deflate and DEFLATE\n\n";
  md +=
      "How the rows are made and what the settings mean: [lesson "
      "14](../lessons/14-compression/README.md) and [docs/deflate.md](deflate.md).\n\n";
  md += "| measurement | value | target | met |\n| --- | --- | --- | --- |\n";
  auto idle = rows_named(results, "deflate-idle");
  if (idle.empty() || !why_not(idle).empty()) {
    md += "| server memory per idle connection that offered permessage-deflate | not measured: " +
          readable(why_not(idle)) + " | <= 16 KiB | |\n";
  } else {
    const Result& r = *idle.front();
    const double kib = number(r, "bytes_per_conn") / 1024;
    const double agreed = number(r, "deflate_agreed");
    const bool compressed = agreed > 0;
    // The result line wrote the extension's spaces as '_', and its parameter names have '_'
    // of their own: only "; " is put back.
    std::string extension = r.get("extension");
    for (std::size_t at = extension.find(";_"); at != std::string::npos;
         at = extension.find(";_", at))
      extension.replace(at, 2, "; ");
    md += "| server memory per idle connection that offered permessage-deflate (" + r.get("conns") +
          " open, " + r.get("deflate_agreed") + " agreed" +
          (compressed ? ": `" + extension + "`" : std::string()) + ") | **" + format_number(kib) +
          " KiB** | <= 16 KiB | " +
          (!compressed ? std::string("no: the server agreed to no compression")
                       : (kib <= kIdleTargetKib ? "yes" : "**no**")) +
          " |\n";
    md +=
        "| the chat corpus, message by message, under the same parameters: wire bytes / text "
        "bytes | " +
        format_number(number(r, "chat_ratio")) + " | | |\n";
  }
  auto zlib = rows_named(results, "deflate-zlib");
  const bool have_zlib = !zlib.empty() && why_not(zlib).empty();
  if (!have_zlib) {
    md += "| src/deflate against zlib | not measured: " + readable(why_not(zlib)) + " | | |\n";
  } else {
    const Result& r = *zlib.front();
    const double size = number(r, "ours6_ratio") / number(r, "zlib6_ratio");
    const double speed = number(r, "inflate_ours_mb_per_s") / number(r, "inflate_zlib_mb_per_s");
    char difference[32];
    std::snprintf(difference, sizeof difference, "%+.2f%%", 100 * (size - 1));
    md += "| default level's output size against zlib -6's, tests/bench/corpus | **" +
          std::string(difference) + "** | at most +5% | " +
          (size <= kSizeTarget ? "yes" : "**no**") + " |\n";
    md += "| inflate speed / zlib's, on zlib -6 streams | **" + format_number(speed) +
          "** | >= " + format_number(kInflateTarget) + " | " +
          (speed >= kInflateTarget ? "yes" : "**no**") + " |\n";
  }
  md += "\n";
  if (have_zlib) {
    const Result& r = *zlib.front();
    md += "DEFLATE alone, whole files of tests/bench/corpus (" + r.get("files") + " files, " +
          r.get("bytes") +
          " bytes), raw deflate, window 2^15, best of 3 rounds; MB/s of uncompressed data:\n\n";
    md += "| | ours -1 | zlib -1 | ours -6 | zlib -6 |\n| --- | --- | --- | --- | --- |\n";
    md += "| compressed size / original | " + format_number(number(r, "ours1_ratio")) + " | " +
          format_number(number(r, "zlib1_ratio")) + " | " +
          format_number(number(r, "ours6_ratio")) + " | " +
          format_number(number(r, "zlib6_ratio")) + " |\n";
    md += "| deflate MB/s | " + format_number(number(r, "ours1_mb_per_s")) + " | " +
          format_number(number(r, "zlib1_mb_per_s")) + " | " +
          format_number(number(r, "ours6_mb_per_s")) + " | " +
          format_number(number(r, "zlib6_mb_per_s")) + " |\n\n";
    md += "Inflating zlib's -6 streams: ours " + format_number(number(r, "inflate_ours_mb_per_s")) +
          " MB/s, zlib " + format_number(number(r, "inflate_zlib_mb_per_s")) + " MB/s.\n\n";
  }
  // The echo rate with and without compression, medians over the runs.
  md +=
      "The chat corpus's messages echoed by the server (`duplex-bench deflate-echo`, 64 "
      "connections x 16 in flight; with compression every message and every echo is "
      "compressed, and every echo is inflated and compared):\n\n";
  md +=
      "| echo | runs | msgs/s (median) | wire bytes per message | p50 us | p99 us | server CPU | "
      "client CPU |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n";
  double rate[2] = {NAN, NAN};
  for (int i = 0; i < 2; ++i) {
    const std::string technique = i == 0 ? "deflate" : "plain";
    auto rows = rows_named(results, "deflate-echo-" + technique);
    auto rates = values(rows, "msgs_per_s");
    const std::string label = i == 0 ? "permessage-deflate" : "uncompressed";
    if (rates.empty()) {
      md += "| " + label + " | 0 | not measured: " + readable(why_not(rows)) + " | | | | | |\n";
      continue;
    }
    rate[i] = median(rates);
    md += "| " + label + " | " + std::to_string(rates.size()) + " | " + format_number(rate[i]) +
          " | " + format_number(median(values(rows, "wire_bytes_per_msg"))) + " | " +
          format_number(median(values(rows, "p50_us"))) + " | " +
          format_number(median(values(rows, "p99_us"))) + " | " +
          format_number(median(values(rows, "server_cpu"))) + " | " +
          format_number(median(values(rows, "client_cpu"))) + " |\n";
  }
  if (std::isfinite(rate[0]) && std::isfinite(rate[1]) && rate[1] > 0)
    md += "\nWith compression the server echoes " + format_number(rate[0] / rate[1]) +
          " times as many messages a second as without.\n";
  md += "\n";
  // The broadcast: a chat room where every member talks.
  md +=
      "A chat room where every member talks (`duplex-bench deflate-broadcast`, duplex-server's "
      "/chat, each member says a line of the chat corpus 4 times a second and hears everyone): "
      "with compression the server compresses each message once for the whole room.\n\n";
  md +=
      "| broadcast | runs | members | deliveries/s (median) | wire bytes per delivery | server "
      "CPU us per 1000 deliveries | server CPU | client CPU | messages refused by the rate limit "
      "(a server behind reads them in bunches) |\n"
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (int i = 0; i < 2; ++i) {
    const std::string technique = i == 0 ? "deflate" : "plain";
    auto rows = rows_named(results, "deflate-broadcast-" + technique);
    auto rates = values(rows, "deliveries_per_s");
    const std::string label = i == 0 ? "permessage-deflate" : "uncompressed";
    if (rates.empty()) {
      md += "| " + label + " | 0 | | not measured: " + readable(why_not(rows)) + " | | | | | |\n";
      continue;
    }
    md += "| " + label + " | " + std::to_string(rates.size()) + " | " + rows.front()->get("conns") +
          " | " + format_number(median(rates)) + " | " +
          format_number(median(values(rows, "wire_bytes_per_delivery"))) + " | " +
          format_number(median(values(rows, "server_cpu_us_per_1000"))) + " | " +
          format_number(median(values(rows, "server_cpu"))) + " | " +
          format_number(median(values(rows, "client_cpu"))) + " | " +
          format_number(median(values(rows, "rate_limited"))) + " |\n";
  }
  md += "\n";
  md +=
      "Messages one by one, as a server sends them (`duplex-bench deflate-ratio`): wire bytes / "
      "text bytes; messages under 32 bytes go uncompressed.\n\n";
  md +=
      "| corpus | messages | server defaults (no context takeover) | with context takeover |\n"
      "| --- | --- | --- | --- |\n";
  for (const std::string corpus : {"chat", "ticker"}) {
    auto rows = rows_named(results, "deflate-ratio-" + corpus);
    if (rows.empty() || !why_not(rows).empty()) {
      md += "| " + corpus + " | not measured: " + readable(why_not(rows)) + " | | |\n";
      continue;
    }
    const Result& r = *rows.front();
    md += "| " + corpus + ".jsonl | " + r.get("messages") + " | " +
          format_number(number(r, "ratio")) + " | " + format_number(number(r, "ratio_takeover")) +
          " |\n";
  }
  md += "\n";
  return md;
}

}  // namespace
#endif

Report build_report(const std::vector<Result>& results, const MachineInfo& machine) {
  Report report;
  std::string& md = report.markdown;
  // docs/benchmarks.md is a page of lesson 12; the sections of later lessons are wrapped in the
  // lessons tool's Markdown markers (docs/lessons-tool.md), so the trees of lessons 12 and 13
  // leave out their links to lessons 14 and 15.
  md += "<!-- @lesson 12 -->\n# Benchmarks\n\n";
  md +=
      "Generated by `make bench` (`tests/bench/run`, `src/bench/`, `src/bin/duplex-bench.cpp`) "
      "on " +
      machine.date +
      ". Do not edit by hand: run `make bench` again. How to read these numbers, and the "
      "profile behind them: [lesson 12](../lessons/12-making-it-fast/README.md).\n\n";
  md += "## Machine\n\n";
  md += "| | |\n| --- | --- |\n";
  md += "| CPU | " + machine.cpu + " |\n";
  md += "| online CPUs (nproc) | " + std::to_string(machine.cpus) + " |\n";
  md += "| kernel | " + machine.kernel + " |\n";
  md += "| compiler | " + machine.compiler + " (`-O2`) |\n";
  md += "| pinning | " + machine.pinning + " |\n";
  md += "| settings | " + machine.settings + " |\n\n";
  md +=
      "The machine is shared (other jobs run at the same time), so absolute numbers are noisy. "
      "Each ratio below compares two rows measured back to back in the same run; the "
      "page gives the median of the runs' ratios and their range.\n\n";

  // Ratios.
  md += "## Targets: ratios measured in the same run\n\n";
  md +=
      "The last column says which side was CPU-bound in each of the two rows (median share of "
      "one core, server / load generator; 0.9 or more is saturated): a ratio between two "
      "rows whose load generator was the bottleneck compares load generators, not servers. For "
      "such rows the column *per server CPU* divides each row's rate by its server's share of a "
      "core first (requests per second of server CPU, a run's pair at a time): how much work each "
      "server did per unit of its own CPU. The column *load generator CPU per unit* divides what "
      "the load generator spent per request or message against duplex by what it spent against "
      "the baseline: where it is near 1 and the load generator was saturated in both rows, the "
      "plain ratio is near 1 whatever the servers cost, and only a load generator with more "
      "cores than this machine has left could tell them apart. The target is judged on the "
      "plain ratio.\n\n";
  md +=
      "| comparison | ratio (median) | range over runs | target | met | per server CPU (median) "
      "| load generator CPU per unit, duplex / baseline (median) "
      "| CPU-bound (server / load generator) |\n";
  md += "| --- | --- | --- | --- | --- | --- | --- | --- |\n";
  BarChart ratio_chart;
  ratio_chart.title = "duplex as a fraction of its baseline (median of runs; dashed: target)";
  ratio_chart.series.push_back({"ratio", {}});
  for (const auto& comparison : comparisons()) {
    auto mine = rows_named(results, comparison.row);
    auto theirs = rows_named(results, comparison.baseline);
    std::vector<double> ratios;
    std::vector<double> per_cpu_ratios;
    std::vector<double> client_cost_ratios;
    for (const Result* a : mine) {
      for (const Result* b : theirs) {
        if (a->get("run") != b->get("run") || failed(*a) || failed(*b)) continue;
        auto x = a->number(comparison.metric);
        auto y = b->number(comparison.metric);
        if (!x || !y || *y <= 0) continue;
        ratios.push_back(*x / *y);
        auto cpu_x = a->number("server_cpu");
        auto cpu_y = b->number("server_cpu");
        if (cpu_x && cpu_y && *cpu_x > 0 && *cpu_y > 0) {
          per_cpu_ratios.push_back((*x / *cpu_x) / (*y / *cpu_y));
        }
        auto client_x = a->number("client_cpu");
        auto client_y = b->number("client_cpu");
        if (client_x && client_y && *x > 0 && *client_y > 0) {
          client_cost_ratios.push_back((*client_x / *x) / (*client_y / *y));
        }
      }
    }
    ratio_chart.categories.push_back(comparison.title);
    ratio_chart.targets.push_back(comparison.target);
    auto cpu_of = [&](const std::vector<const Result*>& rows) {
      double server = median(values(rows, "server_cpu"));
      double client = median(values(rows, "client_cpu"));
      std::string side = bound_side(server, client);
      if (side.empty()) return std::string("?");
      return side + " (" + format_number(server) + " / " + format_number(client) + ")";
    };
    const std::string bound =
        comparison.row + ": " + cpu_of(mine) + "; " + comparison.baseline + ": " + cpu_of(theirs);
    if (ratios.empty()) {
      std::string why = why_not(mine);
      if (why.empty()) why = why_not(theirs);
      if (why.empty()) why = "no run with both rows";
      md += "| " + comparison.title + " | not measured: " + readable(why) +
            " | | >= " + format_number(comparison.target) + " | | | | |\n";
      ratio_chart.series[0].values.push_back(std::nan(""));
      continue;
    }
    double m = median(ratios);
    auto [low, high] = std::minmax_element(ratios.begin(), ratios.end());
    md += "| " + comparison.title + " | **" + format_number(m) + "** | " + format_number(*low) +
          " - " + format_number(*high) + " (" + std::to_string(ratios.size()) +
          " runs) | >= " + format_number(comparison.target) + " | " +
          (m >= comparison.target ? "yes" : "**no**") + " | " +
          (per_cpu_ratios.empty() ? std::string() : format_number(median(per_cpu_ratios))) + " | " +
          (client_cost_ratios.empty() ? std::string() : format_number(median(client_cost_ratios))) +
          " | " + bound + " |\n";
    ratio_chart.series[0].values.push_back(m);
  }
  // Idle memory is an absolute target: bytes of server memory per connection.
  auto idle = rows_named(results, "idle-ws");
  auto idle_bytes = values(idle, "bytes_per_conn");
  {
    std::string line = "| server memory per idle WebSocket, KiB (VmRSS growth / connections) | ";
    if (idle_bytes.empty()) {
      line += "not measured: " + readable(why_not(idle)) + " | | <= 4 | | | |\n";
    } else {
      double kib = median(idle_bytes) / 1024;
      line +=
          "**" + format_number(kib) + "** | | <= 4 | " + (kib <= 4 ? "yes" : "**no**") + " | | |\n";
    }
    md += line;
  }
  md += "\n![ratios](images/bench-ratios.svg)\n\n";
  report.images.emplace_back("bench-ratios.svg", render_svg(ratio_chart));

  // Absolute numbers.
  md += "## Absolute numbers (medians of the runs)\n\n";
  md +=
      "Latency is per request or message, from the moment the client queued it to the moment "
      "its last byte came back; for handshakes, from connect() to the checked 101 (or echo). "
      "CPU is the share of one core each side used while the row was measured: the side near "
      "1.0 was the bottleneck, and a row whose client is near 1.0 measured the load generator "
      "as much as the server.\n\n";
  md +=
      "| row | server | runs | rate (median) | range | p50 us | p99 us | p99.9 us | server CPU | "
      "client CPU | CPU-bound |\n";
  md += "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  BarChart latency_chart;
  latency_chart.title = "latency percentiles (microseconds, medians of runs)";
  latency_chart.unit = "us";
  latency_chart.series = {{"p50", {}}, {"p99", {}}, {"p99.9", {}}};
  for (const auto& info : load_rows()) {
    auto rows = rows_named(results, info.row);
    auto rates = values(rows, info.metric);
    std::string server = rows.empty() ? "" : rows.front()->get("server");
    if (rates.empty()) {
      md += "| " + info.what + " | " + server + " | 0 | not measured: " + readable(why_not(rows)) +
            " | | | | | | | |\n";
      continue;
    }
    double p50 = median(values(rows, "p50_us"));
    double p99 = median(values(rows, "p99_us"));
    double p999 = median(values(rows, "p999_us"));
    auto server_cpu = values(rows, "server_cpu");
    auto client_cpu = values(rows, "client_cpu");
    auto [low, high] = std::minmax_element(rates.begin(), rates.end());
    const double server_share = server_cpu.empty() ? NAN : median(server_cpu);
    const double client_share = client_cpu.empty() ? NAN : median(client_cpu);
    md += "| " + info.what + " | " + readable(server) + " | " + std::to_string(rates.size()) +
          " | " + format_number(median(rates)) + " " + info.unit + " | " + format_number(*low) +
          " - " + format_number(*high) + " | " + format_number(p50) + " | " + format_number(p99) +
          " | " + format_number(p999) + " | " +
          (server_cpu.empty() ? "" : format_number(server_share)) + " | " +
          (client_cpu.empty() ? "" : format_number(client_share)) + " | " +
          bound_side(server_share, client_share) + " |\n";
    latency_chart.categories.push_back(info.row);
    latency_chart.series[0].values.push_back(p50);
    latency_chart.series[1].values.push_back(p99);
    latency_chart.series[2].values.push_back(p999);
  }
  md += "\n![latency](images/bench-latency.svg)\n\n";
  report.images.emplace_back("bench-latency.svg", render_svg(latency_chart));
  md += nginx_settings_section();

  md += "## Idle connections\n\n";
  if (idle.empty()) {
    md += "Not run.\n\n";
  } else {
    const Result& r = *idle.front();
    if (!r.get("missing").empty() || failed(r)) {
      md += "Not measured: " + readable(why_not(idle)) + "\n\n";
    }
    md +=
        "| connections open | wanted | server VmRSS before | after | per connection | server "
        "RLIMIT_NOFILE | note |\n| --- | --- | --- | --- | --- | --- | --- |\n";
    md += "| " + r.get("conns") + " | " + r.get("wanted") + " | " +
          format_number(r.number("rss_before_kib").value_or(NAN)) + " KiB | " +
          format_number(r.number("rss_after_kib").value_or(NAN)) + " KiB | " +
          format_number(r.number("bytes_per_conn").value_or(NAN)) + " bytes | " +
          r.get("server_fd_limit") + " | " + readable(r.get("note")) + " |\n\n";
    md +=
        "VmRSS counts the server process's own memory (heap, stacks); the kernel's socket "
        "buffers are not in it.\n\n";
  }

  md += "## Push techniques (lesson 07): the same ticker, followed at once\n\n";
  auto push = rows_named(results, "push");
  if (push.empty()) {
    md += "Not run.\n\n";
  } else {
    md +=
        "Latency per update is measured against the first client that saw the same event (a "
        "streaming one), so it is the delay a technique adds, not the loopback trip. Short "
        "polling asks every " +
        (push.front()->get("poll_interval").empty() ? std::string("1")
                                                    : push.front()->get("poll_interval")) +
        " s, like the lesson-07 page. The load generator reads the time once per wake-up, so "
        "0 means the update reached the client in the same wake-up as the first copy: a delay "
        "too small for it to see.\n\n";
    md +=
        "| technique | clients | updates seen | missed | latency p50 ms | p99 ms | mean ms | "
        "bytes on the wire per update | connections opened | requests |\n";
    md += "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
    BarChart push_latency;
    push_latency.title = "push: delay per update (ms, median; lower is better)";
    push_latency.unit = "ms";
    push_latency.series = {{"p50", {}}, {"mean", {}}};
    BarChart push_bytes;
    push_bytes.title = "push: bytes on the wire per update (lower is better)";
    push_bytes.unit = "B";
    push_bytes.series = {{"bytes per update", {}}};
    for (const Result* r : push) {
      std::string technique = r->get("technique");
      if (!r->get("missing").empty()) {
        md += "| " + technique + " | | missing: " + readable(r->get("missing")) +
              " | | | | | | | |\n";
        continue;
      }
      md += "| " + technique + " | " + r->get("clients") + " | " + r->get("updates") + " | " +
            r->get("missed") + " | " + format_number(r->number("lat_p50_ms").value_or(NAN)) +
            " | " + format_number(r->number("lat_p99_ms").value_or(NAN)) + " | " +
            format_number(r->number("lat_mean_ms").value_or(NAN)) + " | " +
            format_number(r->number("bytes_per_update").value_or(NAN)) + " | " +
            r->get("connections") + " | " + r->get("requests") + " |\n";
      push_latency.categories.push_back(technique);
      push_latency.series[0].values.push_back(r->number("lat_p50_ms").value_or(NAN));
      push_latency.series[1].values.push_back(r->number("lat_mean_ms").value_or(NAN));
      push_bytes.categories.push_back(technique);
      push_bytes.series[0].values.push_back(r->number("bytes_per_update").value_or(NAN));
    }
    md += "\n![push latency](images/bench-push-latency.svg)\n\n";
    md += "![push bytes](images/bench-push-bytes.svg)\n\n";
    report.images.emplace_back("bench-push-latency.svg", render_svg(push_latency));
    report.images.emplace_back("bench-push-bytes.svg", render_svg(push_bytes));
  }

#if DUPLEX_LESSON >= 15  // lesson 15: the fan-out across processes
  md += "<!-- @if lesson >= 15 -->\n" + fanout_section(results) + "<!-- @endif -->\n\n";
#endif
  md += article_section(results, report.images);
#if DUPLEX_LESSON >= 14  // lesson 14: compression
  md += "<!-- @if lesson >= 14 -->\n" + deflate_section(results) + "<!-- @endif -->\n\n";
#endif

  md +=
      "The raw result lines of this run, one per measurement: "
      "[bench-results.txt](images/bench-results.txt).\n\n";

  // Anything that failed, verbatim, so a broken run is never silently a small number.
  std::set<std::string> problems;
  for (const auto& r : results)
    if (failed(r)) problems.insert(r.get("row") + ": " + readable(r.get("error")));
  if (!problems.empty()) {
    md += "## Errors in this run\n\n";
    for (const auto& p : problems) md += "- " + p + "\n";
    md += "\n";
  }
  return report;
}

}  // namespace duplex::bench
