// Result lines (lesson 12). See result.hpp.
// @lesson 12
#include "src/bench/result.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace duplex::bench {

void Result::set(const std::string& key, std::string_view value) {
  std::string clean(value);
  for (char& c : clean) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') c = '_';
  }
  fields[key] = std::move(clean);
}

void Result::set(const std::string& key, double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.6g", value);
  fields[key] = text;
}

std::string Result::get(const std::string& key) const {
  auto it = fields.find(key);
  return it == fields.end() ? std::string() : it->second;
}

std::optional<double> Result::number(const std::string& key) const {
  auto it = fields.find(key);
  if (it == fields.end() || it->second.empty()) return std::nullopt;
  const std::string& text = it->second;
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

std::string Result::line() const {
  std::string out = "result";
  for (const auto& [key, value] : fields) {
    out += ' ';
    out += key;
    out += '=';
    out += value;
  }
  return out;
}

std::optional<Result> Result::parse(std::string_view line) {
  constexpr std::string_view kTag = "result";
  if (line.substr(0, kTag.size()) != kTag) return std::nullopt;
  line.remove_prefix(kTag.size());
  if (!line.empty() && line.front() != ' ') return std::nullopt;
  Result result;
  while (!line.empty()) {
    auto start = line.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    line.remove_prefix(start);
    auto end = line.find(' ');
    std::string_view pair = line.substr(0, end);
    line.remove_prefix(end == std::string_view::npos ? line.size() : end);
    auto equals = pair.find('=');
    if (equals == std::string_view::npos || equals == 0) return std::nullopt;
    result.fields[std::string(pair.substr(0, equals))] = std::string(pair.substr(equals + 1));
  }
  return result;
}

std::string readable(std::string_view value) {
  std::string out(value);
  for (char& c : out) {
    if (c == '_') c = ' ';
  }
  return out;
}

}  // namespace duplex::bench
