// Parsers for wrk's and strace's output (lesson 12). See tool_output.hpp.
// @lesson 12
#include "src/bench/tool_output.hpp"

#include <charconv>
#include <cmath>
#include <vector>

namespace duplex::bench {

namespace {

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto end = text.find('\n');
    out.push_back(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  return out;
}

// A leading decimal number and what follows it ("574.27us" -> 574.27, "us").
std::optional<std::pair<double, std::string_view>> number_and_unit(std::string_view text) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data() || !std::isfinite(value)) return std::nullopt;
  return std::make_pair(value, text.substr(static_cast<std::size_t>(end - text.data())));
}

std::optional<double> plain_number(std::string_view text) {
  auto parsed = number_and_unit(text);
  if (!parsed || !parsed->second.empty()) return std::nullopt;
  return parsed->first;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::optional<double> wrk_duration_us(std::string_view text) {
  auto parsed = number_and_unit(text);
  if (!parsed) return std::nullopt;
  auto [value, unit] = *parsed;
  if (unit == "us") return value;
  if (unit == "ms") return value * 1e3;
  if (unit == "s") return value * 1e6;
  if (unit == "m") return value * 60e6;
  if (unit == "h") return value * 3600e6;
  return std::nullopt;
}

std::optional<double> wrk_bytes(std::string_view text) {
  auto parsed = number_and_unit(text);
  if (!parsed) return std::nullopt;
  auto [value, unit] = *parsed;
  if (unit == "B") return value;
  if (unit == "KB") return value * 1024;
  if (unit == "MB") return value * 1024 * 1024;
  if (unit == "GB") return value * 1024 * 1024 * 1024;
  if (unit == "TB") return value * 1024 * 1024 * 1024 * 1024;
  return std::nullopt;
}

// @anchor lesson12-wrk-output
std::optional<Result> parse_wrk_output(std::string_view text) {
  Result result;
  bool have_rate = false;
  double non_2xx = 0;
  for (std::string_view line : lines(text)) {
    auto w = words(line);
    if (w.empty()) continue;
    if (w[0] == "Requests/sec:" && w.size() == 2) {
      auto rate = plain_number(w[1]);
      if (!rate) return std::nullopt;
      result.set("rps", *rate);
      have_rate = true;
    } else if (w[0] == "Transfer/sec:" && w.size() == 2) {
      if (auto bytes = wrk_bytes(w[1])) result.set("mb_per_s", *bytes / 1e6);
    } else if (w[0] == "Latency" && w.size() >= 2) {
      if (auto mean = wrk_duration_us(w[1])) result.set("lat_mean_us", *mean);
    } else if (w.size() == 2 &&
               (w[0] == "50%" || w[0] == "75%" || w[0] == "90%" || w[0] == "99%")) {
      auto us = wrk_duration_us(w[1]);
      if (!us) continue;
      result.set("p" + std::string(w[0].substr(0, 2)) + "_us", *us);
    } else if (w.size() >= 5 && w[1] == "requests" && w[2] == "in") {
      // "433924 requests in 5.00s, 106.35MB read"
      if (auto n = plain_number(w[0])) result.set("requests", *n);
      std::string_view seconds = w[3];
      if (!seconds.empty() && seconds.back() == ',') seconds.remove_suffix(1);
      if (auto us = wrk_duration_us(seconds)) result.set("seconds", *us / 1e6);
    } else if (starts_with(line.substr(line.find_first_not_of(' ')), "Non-2xx or 3xx responses:")) {
      if (auto n = plain_number(w.back())) non_2xx = *n;
    } else if (w[0] == "Socket" && w.size() >= 3 && w[1] == "errors:") {
      // "Socket errors: connect 0, read 0, write 0, timeout 0"
      for (std::size_t i = 2; i + 1 < w.size(); i += 2) {
        std::string_view count = w[i + 1];
        if (!count.empty() && count.back() == ',') count.remove_suffix(1);
        if (auto n = plain_number(count)) result.set("socket_" + std::string(w[i]), *n);
      }
    }
  }
  if (!have_rate) return std::nullopt;
  result.set("non_2xx", non_2xx);
  // A read error is how wrk counts a connection the server closed before answering a request
  // wrk had already written (a server ending keep-alive, RFC 9112 §9.6): recorded, not fatal.
  // A failed connect, a timeout or a wrong status means the row did not measure what it says.
  std::string error;
  if (non_2xx > 0)
    error = std::to_string(static_cast<long long>(non_2xx)) + " non-2xx/3xx responses";
  for (const std::string kind : {"connect", "timeout"}) {
    double n = result.number("socket_" + kind).value_or(0);
    if (n > 0) {
      if (!error.empty()) error += ", ";
      error += std::to_string(static_cast<long long>(n)) + " " + kind + " errors";
    }
  }
  result.set("errors", error.empty() ? 0.0 : 1.0);
  if (!error.empty()) result.set("error", "wrk: " + error);
  return result;
}

// @anchor lesson12-strace-total
std::optional<std::uint64_t> parse_strace_total(std::string_view text) {
  std::size_t calls_end = std::string_view::npos;
  bool header = false;
  for (std::string_view line : lines(text)) {
    auto w = words(line);
    if (w.size() >= 2 && w[0] == "%" && w[1] == "time") {
      header = true;
      auto at = line.find("calls");
      if (at != std::string_view::npos) calls_end = at + 5;
      continue;
    }
    if (!header || w.empty() || w.back() != "total") continue;
    // The columns are right-aligned under their headings: the number ending where "calls"
    // ends is the count (the errors column may be blank, so counting words is not enough).
    if (calls_end != std::string_view::npos && calls_end <= line.size()) {
      std::size_t start = calls_end;
      while (start > 0 && line[start - 1] >= '0' && line[start - 1] <= '9') --start;
      if (start < calls_end) {
        std::uint64_t calls = 0;
        auto [end, error] = std::from_chars(line.data() + start, line.data() + calls_end, calls);
        if (error == std::errc() && end == line.data() + calls_end) return calls;
      }
    }
    if (w.size() >= 5) {
      std::uint64_t calls = 0;
      auto [end, error] = std::from_chars(w[3].data(), w[3].data() + w[3].size(), calls);
      if (error == std::errc() && end == w[3].data() + w[3].size()) return calls;
    }
    return std::nullopt;
  }
  if (header) return 0;
  return std::nullopt;
}

}  // namespace duplex::bench
