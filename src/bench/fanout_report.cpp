// The fan-out section of docs/benchmarks.md (lesson 15). See fanout_report.hpp.
// @lesson 15
#include "src/bench/fanout_report.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "src/bench/report.hpp"
#include "src/bench/svg_chart.hpp"

namespace duplex::bench {

namespace {

bool failed(const Result& r) {
  return !r.get("missing").empty() || (r.get("errors") != "" && r.get("errors") != "0");
}

// The median of one metric over the good runs of a row; NaN when none has it.
double median_of(const std::vector<const Result*>& rows, const std::string& metric) {
  std::vector<double> v;
  for (const Result* r : rows)
    if (!failed(*r))
      if (auto n = r->number(metric)) v.push_back(*n);
  return median(v);
}

// "publish 1, xadd 1": the Redis commands of a row per message, largest first.
std::string commands_of(const std::vector<const Result*>& rows) {
  constexpr std::string_view kPrefix = "redis_", kSuffix = "_per_msg";
  std::map<std::string, std::vector<double>> per_command;
  for (const Result* r : rows) {
    if (failed(*r)) continue;
    for (const auto& [key, value] : r->fields) {
      if (!key.starts_with(kPrefix) || !key.ends_with(kSuffix) || key == "redis_cmds_per_msg")
        continue;
      if (auto n = r->number(key))
        per_command[key.substr(kPrefix.size(), key.size() - kPrefix.size() - kSuffix.size())]
            .push_back(*n);
    }
  }
  std::vector<std::pair<double, std::string>> sorted;
  for (auto& [name, v] : per_command) sorted.emplace_back(median(v), name);
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  std::string out;
  for (const auto& [value, name] : sorted) {
    if (!out.empty()) out += ", ";
    out += name + " " + format_number(value);
  }
  return out.empty() ? "-" : out;
}

}  // namespace

const std::vector<std::string>& fanout_rows() {
  static const std::vector<std::string> rows = {"fanout-memory-1", "fanout-redis-1",
                                                "fanout-redis-2", "fanout-redis-4"};
  return rows;
}

std::string fanout_section(const std::vector<Result>& results) {
  std::string md = "## Fan-out across processes (lesson 15): one chat room\n\n";
  std::map<std::string, std::vector<const Result*>> by_row;
  for (const auto& r : results)
    if (r.get("mode") == "fanout" || r.get("row").starts_with("fanout-"))
      by_row[r.get("row")].push_back(&r);
  if (by_row.empty()) return md + "Not run.\n\n";
  md +=
      "One room, its members spread evenly over the processes (each member a WebSocket "
      "connection to one `duplex-server`), some of them saying a message at a steady rate, every "
      "member hearing every message, its sender included. *memory*: one process, the room in its "
      "memory (lessons 10-11). *redis*: every process runs `--redis`, so a message goes to "
      "Redis and comes back through Pub/Sub to each process that has members. Latency is from the "
      "sender's `send()` to a member's read, on one clock. Redis commands are counted by "
      "`INFO commandstats` around the window, divided by the messages said; Redis counts the "
      "commands a script runs as well as the `EVAL` that runs it, so the round trips per message "
      "are the commands Duplex itself sends (`eval`), however many the script runs.\n\n";
  md +=
      "| engine | processes | members | messages/s said | deliveries/s | deliveries per "
      "message | p50 latency (µs) | p99 latency (µs) | Redis commands per message | of which |\n";
  md += "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  std::vector<std::string> order = fanout_rows();
  for (const auto& [row, rows] : by_row)
    if (std::find(order.begin(), order.end(), row) == order.end()) order.push_back(row);
  for (const auto& row : order) {
    auto found = by_row.find(row);
    if (found == by_row.end()) continue;
    const auto& rows = found->second;
    const Result& first = *rows.front();
    std::vector<const Result*> good;
    for (const Result* r : rows)
      if (!failed(*r)) good.push_back(r);
    // A row that never ran has only its name to say what it was: "fanout-ENGINE-PROCESSES".
    std::string engine = first.get("engine"), processes = first.get("processes");
    if (engine.empty() && row.starts_with("fanout-") && row.rfind('-') > 7) {
      engine = row.substr(7, row.rfind('-') - 7);
      processes = row.substr(row.rfind('-') + 1);
    }
    if (engine.empty()) engine = row;
    if (good.empty()) {
      std::string why = !first.get("missing").empty() ? first.get("missing") : first.get("error");
      md += "| " + engine + " | " + processes + " | " + first.get("members") +
            " | not measured: " + readable(why) + " | | | | | | |\n";
      continue;
    }
    const Result& g = *good.front();
    const double said_rate = median_of(good, "said") / median_of(good, "seconds");
    const bool redis = !std::isnan(median_of(good, "redis_cmds_per_msg"));
    md += "| " + engine + " | " + g.get("processes") + " | " + g.get("members") + " | " +
          format_number(said_rate) + " | " + format_number(median_of(good, "deliveries_per_s")) +
          " | " + format_number(median_of(good, "deliveries_per_msg")) + " | " +
          format_number(median_of(good, "lat_p50_us")) + " | " +
          format_number(median_of(good, "lat_p99_us")) + " | " +
          (redis ? format_number(median_of(good, "redis_cmds_per_msg")) : std::string("-")) +
          " | " + (redis ? commands_of(good) : std::string("-")) + " |\n";
  }
  md += "\n";
  return md;
}

}  // namespace duplex::bench
