// The article's question in docs/benchmarks.md (lesson 12). See article_report.hpp.
// @lesson 12
#include "src/bench/article_report.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "src/bench/report.hpp"
#include "src/bench/svg_chart.hpp"

namespace duplex::bench {

namespace {

const std::vector<std::string>& techniques() {
  static const std::vector<std::string> list = {"poll", "long-poll", "stream", "events",
                                                "websocket"};
  return list;
}

const std::map<std::string, std::string>& technique_names() {
  static const std::map<std::string, std::string> names = {
      {"poll", "short polling (GET /poll every second)"},
      {"long-poll", "long-polling (GET /long-poll)"},
      {"stream", "HTTP streaming (chunked GET /stream)"},
      {"events", "Server-Sent Events (GET /events)"},
      {"websocket", "WebSocket (/ticker)"},
      {"post", "HTTP POST per message (keep-alive)"},
      {"ws-message", "WebSocket message (open connection)"},
  };
  return names;
}

std::string name_of(const std::string& technique) {
  auto it = technique_names().find(technique);
  return it == technique_names().end() ? technique : it->second;
}

bool usable(const Result& r) {
  return r.get("missing").empty() && (r.get("errors").empty() || r.get("errors") == "0");
}

// The median and range of `field` over the usable rows named `row`. CPU figures skip windows
// that strace slowed down (traced=1).
struct Stats {
  double median = NAN;
  double low = NAN;
  double high = NAN;
  std::size_t runs = 0;
  std::string why;  // why there is no number
  bool ok() const { return runs > 0 && std::isfinite(median); }
};

Stats stats(const std::vector<Result>& results, const std::string& row, const std::string& field) {
  Stats s;
  std::vector<double> v;
  for (const auto& r : results) {
    if (r.get("row") != row) continue;
    if (!r.get("missing").empty()) {
      s.why = r.get("missing");
      continue;
    }
    if (!usable(r)) {
      s.why = "error: " + r.get("error");
      continue;
    }
    if (r.get("traced") == "1" && field.find("cpu") != std::string::npos) continue;
    if (auto x = r.number(field)) v.push_back(*x);
  }
  if (v.empty()) {
    if (s.why.empty()) s.why = "not run";
    return s;
  }
  s.runs = v.size();
  s.median = median(v);
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  s.low = *lo;
  s.high = *hi;
  return s;
}

// "12.3" or "not measured: why".
std::string figure(const Stats& s, const std::string& unit = "") {
  if (!s.ok()) return "not measured (" + readable(s.why) + ")";
  return format_number(s.median) + unit;
}

std::string range(const Stats& s) {
  if (!s.ok()) return "";
  return format_number(s.low) + " - " + format_number(s.high) + " (" + std::to_string(s.runs) + ")";
}

std::string bound(const std::vector<Result>& results, const std::string& row) {
  Stats server = stats(results, row, "server_cpu");
  Stats client = stats(results, row, "client_cpu");
  if (!server.ok() && !client.ok()) return "";
  std::string side = "neither";
  if (server.ok() && server.median >= 0.9) side = "server";
  if (client.ok() && client.median >= 0.9) side = side == "server" ? "both" : "load generator";
  return side + " (" + format_number(server.median) + " / " + format_number(client.median) + ")";
}

// Per-message cost of a handshake cycle row: server CPU microseconds per cycle, per run.
Stats cycle_cpu_us(const std::vector<Result>& results, const std::string& row) {
  Stats s;
  std::vector<double> v;
  for (const auto& r : results) {
    if (r.get("row") != row || !usable(r)) continue;
    auto cpu = r.number("server_cpu");
    auto rate = r.number("cycles_per_s");
    if (cpu && rate && *rate > 0) v.push_back(*cpu / *rate * 1e6);
  }
  if (v.empty()) {
    s.why = "no " + row + " row with server CPU";
    return s;
  }
  s.runs = v.size();
  s.median = median(v);
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  s.low = *lo;
  s.high = *hi;
  return s;
}

// The technique with the smallest median of `field` among `candidates` (empty when none); a
// tie (CPU figures are multiples of a 10 ms tick over the window) goes to the one with the
// smaller median of `tie_field`.
std::string cheapest(const std::vector<Result>& results, const std::string& prefix,
                     const std::vector<std::string>& candidates, const std::string& field,
                     const std::string& tie_field = "") {
  std::string best;
  double best_value = INFINITY;
  double best_tie = INFINITY;
  for (const auto& t : candidates) {
    Stats s = stats(results, prefix + t, field);
    if (!s.ok()) continue;
    double tie = tie_field.empty() ? 0 : stats(results, prefix + t, tie_field).median;
    if (!std::isfinite(tie)) tie = INFINITY;
    if (s.median < best_value || (s.median == best_value && tie < best_tie)) {
      best_value = s.median;
      best_tie = tie;
      best = t;
    }
  }
  return best;
}

std::string messages(double n) {
  return format_number(n) + (n == 1 ? " message" : " messages");
}

std::string push_latency(const std::vector<Result>& results, const std::string& technique) {
  for (const auto& r : results) {
    if (r.get("row") == "push" && r.get("technique") == technique && usable(r)) {
      if (auto ms = r.number("lat_p50_ms")) {
        // The load generator reads the clock once per wake-up (push_load.cpp).
        if (*ms == 0) return "none measurable (the same wake-up of the load generator)";
        return format_number(*ms) + " ms";
      }
    }
  }
  return "not measured";
}

}  // namespace

std::optional<double> break_even(double one_off_cost, double cost_per_message_a,
                                 double cost_per_message_b) {
  const double saving = cost_per_message_a - cost_per_message_b;
  if (!std::isfinite(one_off_cost) || !std::isfinite(saving) || saving <= 0) return std::nullopt;
  if (one_off_cost <= 0) return 0.0;
  return std::ceil(one_off_cost / saving);
}

// @anchor lesson12-article
std::string article_section(const std::vector<Result>& results,
                            std::vector<std::pair<std::string, std::string>>& images) {
  std::string md;
  md += "## The article's question: HTTP or WebSocket, measured\n\n";
  md +=
      "The project began from an article that compares HTTP (one-way and request-driven, "
      "polling and long-polling, HTTP streaming) with WebSocket (full duplex). These rows "
      "measure each technique on the demo server's own endpoints (lesson 07's /poll, "
      "/long-poll, /stream and /events, lesson 11's WebSocket /ticker; the ticker publishes "
      "ten events a second). CPU is the server's, from /proc/PID/stat (10 ms ticks, so each "
      "window is long enough to hold many); system calls are counted by `strace -c -f` "
      "attached to the server for one separate window (strace slows the server, so that "
      "window gives no CPU figure); memory is the growth of the server's VmRSS, on a fresh "
      "server per technique. An update is one event delivered to one subscriber.\n\n";

  // Server to client.
  md += "### Server to client: what one update costs, per technique\n\n";
  std::string subscribers_cpu, subscribers_mem;
  for (const auto& r : results) {
    if (r.get("row").rfind("sub-", 0) == 0 && subscribers_cpu.empty())
      subscribers_cpu = r.get("subscribers");
    if (r.get("row").rfind("mem-", 0) == 0 && subscribers_mem.empty())
      subscribers_mem = r.get("subscribers");
  }
  md += "CPU and system calls with " + (subscribers_cpu.empty() ? "?" : subscribers_cpu) +
        " subscribers of the technique; memory with " +
        (subscribers_mem.empty() ? "?" : subscribers_mem) + " subscribers.\n\n";
  md +=
      "| technique | updates/s delivered | server CPU us per update (median) | range (runs) | "
      "system calls per update | bytes on the wire per update | server memory per "
      "subscriber, bytes | CPU-bound (server / load generator) |\n";
  md += "| --- | --- | --- | --- | --- | --- | --- | --- |\n";
  BarChart cpu_chart;
  cpu_chart.title = "server CPU per update delivered (us, median; lower is better)";
  cpu_chart.unit = "us";
  cpu_chart.series = {{"CPU per update", {}}};
  for (const auto& t : techniques()) {
    Stats cpu = stats(results, "sub-" + t, "cpu_us_per_update");
    Stats rate = stats(results, "sub-" + t, "updates_per_s");
    Stats bytes = stats(results, "sub-" + t, "bytes_per_update");
    Stats calls = stats(results, "sys-sub-" + t, "syscalls_per_update");
    Stats memory = stats(results, "mem-" + t, "bytes_per_subscriber");
    md += "| " + name_of(t) + " | " + figure(rate) + " | " + figure(cpu) + " | " + range(cpu) +
          " | " + figure(calls) + " | " + figure(bytes) + " | " + figure(memory) + " | " +
          bound(results, "sub-" + t) + " |\n";
    cpu_chart.categories.push_back(t);
    cpu_chart.series[0].values.push_back(cpu.median);
  }
  md += "\n";

  // Client to server.
  md += "### Client to server: what one message costs, HTTP POST or WebSocket\n\n";
  md +=
      "Each client sends 32-byte messages at the given rate to a sink (duplex-bench "
      "serve-ws-echo's /sink: a POST is answered 204 No Content, a WebSocket message is "
      "dropped); the number of clients is chosen so that every rate sends the same number of "
      "messages a second in all. Bytes count both directions: the POST's request head and its "
      "answer, the frame's header and mask key.\n\n";
  md +=
      "| per client | technique | clients | messages/s in all | bytes on the wire per message | "
      "server CPU us per message (median) | range (runs) | system calls per message | "
      "connections reopened | CPU-bound (server / load generator) |\n";
  md += "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const std::string rate : {"1", "10", "100"}) {
    for (const std::string technique : {"post", "websocket"}) {
      const std::string row = "send-" + technique + "-" + rate;
      Stats clients = stats(results, row, "clients");
      Stats total = stats(results, row, "msgs_per_s");
      Stats bytes = stats(results, row, "bytes_per_msg");
      Stats cpu = stats(results, row, "cpu_us_per_msg");
      Stats calls = stats(results, "sys-" + row, "syscalls_per_msg");
      Stats reopened = stats(results, row, "reconnects");
      md += "| " + rate + "/s | " + name_of(technique == "post" ? "post" : "ws-message") + " | " +
            figure(clients) + " | " + figure(total) + " | " + figure(bytes) + " | " + figure(cpu) +
            " | " + range(cpu) + " | " + figure(calls) + " | " + figure(reopened) + " | " +
            bound(results, row) + " |\n";
    }
  }
  md += "\n";

  // Break-even.
  md += "### After how many messages has a WebSocket handshake paid for itself?\n\n";
  Stats handshake_bytes = stats(results, "send-websocket-10", "handshake_bytes");
  Stats post_bytes = stats(results, "send-post-10", "bytes_per_msg");
  Stats ws_bytes = stats(results, "send-websocket-10", "bytes_per_msg");
  Stats hs_ws = cycle_cpu_us(results, "hs-ws");
  Stats hs_tcp = cycle_cpu_us(results, "hs-tcp");
  Stats post_cpu = stats(results, "send-post-10", "cpu_us_per_msg");
  Stats ws_cpu = stats(results, "send-websocket-10", "cpu_us_per_msg");
  std::optional<double> bytes_even;
  std::optional<double> cpu_even;
  if (handshake_bytes.ok() && post_bytes.ok() && ws_bytes.ok()) {
    bytes_even = break_even(handshake_bytes.median, post_bytes.median, ws_bytes.median);
    md += "- Bytes: the upgrade request and its 101 answer are " +
          format_number(handshake_bytes.median) + " bytes; a message costs " +
          format_number(post_bytes.median) + " bytes as a POST and " +
          format_number(ws_bytes.median) +
          " as a WebSocket message, so the handshake has paid for itself " +
          (bytes_even ? "after **" + messages(*bytes_even) + "**"
                      : std::string("never (a POST is not larger)")) +
          ".\n";
  } else {
    md += "- Bytes: not measured (" +
          readable(!handshake_bytes.ok() ? handshake_bytes.why
                                         : (!post_bytes.ok() ? post_bytes.why : ws_bytes.why)) +
          ").\n";
  }
  if (hs_ws.ok() && hs_tcp.ok() && post_cpu.ok() && ws_cpu.ok()) {
    const double handshake_us = hs_ws.median - hs_tcp.median;
    // The two ranges over the runs overlap: the saving per message is noise, and a
    // break-even computed from it would be too (20.01 against 19.99 us gives thousands).
    const bool overlap = post_cpu.low <= ws_cpu.high && ws_cpu.low <= post_cpu.high;
    if (!overlap) {
      cpu_even = break_even(std::max(handshake_us, 0.0), post_cpu.median, ws_cpu.median);
    }
    md += "- Server CPU: a WebSocket handshake cycle costs " + format_number(hs_ws.median) +
          " us, a TCP connect + echo + close " + format_number(hs_tcp.median) +
          " us, so the handshake itself about " + format_number(handshake_us) +
          " us; a message costs " + format_number(post_cpu.median) + " us as a POST and " +
          format_number(ws_cpu.median) +
          " us as a WebSocket message (10 a second per client), so " +
          (overlap ? "no break-even can be read from this run: over the runs a POST cost " +
                         format_number(post_cpu.low) + "-" + format_number(post_cpu.high) +
                         " us and a WebSocket message " + format_number(ws_cpu.low) + "-" +
                         format_number(ws_cpu.high) + " us, ranges that overlap"
           : cpu_even ? "after **" + messages(*cpu_even) + "**"
                      : std::string("never (a POST costs the server no more)")) +
          ".\n";
  } else {
    md += "- Server CPU: not measured (" +
          readable(!hs_ws.ok() ? hs_ws.why
                               : (!hs_tcp.ok() ? hs_tcp.why
                                               : (!post_cpu.ok() ? post_cpu.why : ws_cpu.why))) +
          ").\n";
  }
  md += "\n";

  // What the article leaves out.
  md += "### What the article gets wrong or leaves out\n\n";
  Stats keep = stats(results, "http-duplex", "rps");
  Stats per_request = stats(results, "close-duplex", "rps");
  Stats reopened = stats(results, "send-post-1", "reconnects");
  Stats sent = stats(results, "send-post-1", "msgs");
  md +=
      "- \"HTTP opens a connection per request\": HTTP/1.1 keeps connections open (RFC 9112 "
      "§9.3). The POST clients above sent " +
      figure(sent) + " messages at one a second each and reopened " + figure(reopened) +
      " connections. Opening one per request is what Connection: close does, and it costs: " +
      figure(keep, " requests/s") + " with keep-alive against " +
      figure(per_request, " requests/s") + " with a connection per request (13-byte file).\n";
  Stats stream_bytes = stats(results, "sub-stream", "bytes_per_update");
  Stats events_bytes = stats(results, "sub-events", "bytes_per_update");
  Stats ws_update_bytes = stats(results, "sub-websocket", "bytes_per_update");
  md +=
      "- \"Only WebSocket can push\": HTTP streaming and Server-Sent Events push over one "
      "long response, at " +
      figure(stream_bytes, " bytes") + " and " + figure(events_bytes, " bytes") +
      " per update against WebSocket's " + figure(ws_update_bytes, " bytes") +
      " (CPU per update in the first table).\n";
  md +=
      "- Memory: each waiting subscriber holds server memory whatever the technique; the "
      "first table gives it per technique.\n\n";

  // When to choose which.
  md += "### When to choose which\n\n";
  md += "Every cell quotes a figure from the tables above (medians of the runs).\n\n";
  md += "| situation | choose | measured figure behind it |\n| --- | --- | --- |\n";
  {
    const std::vector<std::string> pushers = {"long-poll", "stream", "events", "websocket"};
    std::string best = cheapest(results, "sub-", pushers, "cpu_us_per_update", "bytes_per_update");
    std::string figures;
    for (const auto& t : pushers) {
      if (!figures.empty()) figures += "; ";
      figures += t + " " + figure(stats(results, "sub-" + t, "cpu_us_per_update"), " us") + ", " +
                 figure(stats(results, "sub-" + t, "bytes_per_update"), " B");
    }
    md += "| server pushes updates to many subscribers as they happen | " +
          (best.empty() ? std::string("not measured") : name_of(best)) +
          " (least server CPU per update) | per update: " + figures + " |\n";
  }
  {
    md +=
        "| updates must pass proxies that buffer or cut long responses | long-polling (every "
        "answer is a complete response) | per update " +
        figure(stats(results, "sub-long-poll", "cpu_us_per_update"), " us") + ", " +
        figure(stats(results, "sub-long-poll", "bytes_per_update"), " B") + ", " +
        figure(stats(results, "sys-sub-long-poll", "syscalls_per_update"), " system calls") +
        "; latency added " + push_latency(results, "long-poll") + " |\n";
  }
  {
    md +=
        "| updates are rare and a delay of one poll interval is fine | short polling "
        "(stateless, cacheable) | latency added " +
        push_latency(results, "poll") + " (long-poll " + push_latency(results, "long-poll") +
        "); per update " + figure(stats(results, "sub-poll", "cpu_us_per_update"), " us") + ", " +
        figure(stats(results, "sub-poll", "bytes_per_update"), " B") + " |\n";
  }
  {
    std::string best = cheapest(results, "mem-", techniques(), "bytes_per_subscriber");
    std::string figures;
    for (const auto& t : techniques()) {
      if (!figures.empty()) figures += "; ";
      figures += t + " " + figure(stats(results, "mem-" + t, "bytes_per_subscriber"), " B");
    }
    md += "| many idle subscribers, memory is what runs out | " +
          (best.empty() ? std::string("not measured") : name_of(best)) +
          " (least server memory per subscriber) | " + figures + " |\n";
  }
  {
    Stats post1 = stats(results, "send-post-1", "cpu_us_per_msg");
    Stats ws1 = stats(results, "send-websocket-1", "cpu_us_per_msg");
    std::string choice = "not measured";
    if (bytes_even) {
      choice = *bytes_even <= 1 ? name_of("ws-message")
                                : "HTTP POST for fewer than " + messages(*bytes_even) +
                                      " per connection, a WebSocket from there on";
    } else if (post_bytes.ok() && ws_bytes.ok()) {
      choice = name_of("post");
    }
    md += "| the client sends now and then (a form, a like: a few messages per visit) | " + choice +
          " | the handshake pays for itself after " +
          (bytes_even ? messages(*bytes_even) : std::string("n/a")) + " in bytes" +
          (cpu_even ? " and " + messages(*cpu_even) + " in server CPU"
                    : std::string(" (in server CPU, see above)")) +
          "; at 1/s a POST is " + figure(post1, " us") + " and " + figure(post_bytes, " B") +
          ", a message " + figure(ws1, " us") + " and " + figure(ws_bytes, " B") + " |\n";
  }
  {
    Stats post100 = stats(results, "send-post-100", "cpu_us_per_msg");
    Stats ws100 = stats(results, "send-websocket-100", "cpu_us_per_msg");
    std::string choice = "not measured";
    if (post100.ok() && ws100.ok())
      choice = post100.median > ws100.median ? name_of("ws-message") : name_of("post");
    md += "| the client sends often (typing, a game: 10-100 messages a second) | " + choice +
          " | at 100/s per client: POST " + figure(post100, " us") + ", WebSocket " +
          figure(ws100, " us") + " of server CPU per message; " + figure(post_bytes, " B") +
          " against " + figure(ws_bytes, " B") + " on the wire |\n";
  }
  {
    md +=
        "| both directions on one connection (chat, collaboration) | WebSocket | "
        "server to client " +
        figure(stats(results, "sub-websocket", "cpu_us_per_update"), " us") + " and " +
        figure(ws_update_bytes, " B") + " per update; client to server " + figure(ws_cpu, " us") +
        " and " + figure(ws_bytes, " B") + " per message |\n";
  }
  md += "\n";
  if (std::any_of(cpu_chart.series[0].values.begin(), cpu_chart.series[0].values.end(),
                  [](double v) { return std::isfinite(v); })) {
    md += "![CPU per update](images/bench-article-cpu.svg)\n\n";
    images.emplace_back("bench-article-cpu.svg", render_svg(cpu_chart));
  }
  return md;
}

}  // namespace duplex::bench
