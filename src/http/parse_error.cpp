// Showing where the input went wrong (lesson 04). See parse_error.hpp.
// @lesson 04
#include "src/http/parse_error.hpp"

#include <algorithm>
#include <cstdio>

namespace duplex::http {

namespace {

std::string visible(char c) {
  switch (c) {
    case '\r':
      return "\\r";
    case '\n':
      return "\\n";
    case '\t':
      return "\\t";
    case '\\':
      return "\\\\";
    default:
      break;
  }
  auto byte = static_cast<unsigned char>(c);
  if (byte < 0x20 || byte >= 0x7f) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "\\x%02X", byte);
    return hex;
  }
  return std::string(1, c);
}

}  // namespace

std::string render_error(std::string_view input, const ParseError& error) {
  std::string out = std::to_string(error.status) + " " + std::string(error.reason) + " at byte " +
                    std::to_string(error.offset) + "\n";
  std::size_t at = std::min(error.offset, input.size());
  // The line holding the byte: from after the previous LF to its own LF (shown, as \n).
  std::size_t begin = at == 0 ? 0 : input.rfind('\n', at - 1);
  begin = begin == std::string_view::npos || at == 0 ? 0 : begin + 1;
  std::size_t end = input.find('\n', at);
  end = end == std::string_view::npos ? input.size() : end + 1;
  // Very long lines are cut to a window around the failing byte.
  constexpr std::size_t kWindow = 60;
  std::string prefix, suffix;
  if (at - begin > kWindow) {
    begin = at - kWindow;
    prefix = "...";
  }
  if (end - at > kWindow) {
    end = at + kWindow;
    suffix = "...";
  }
  std::string line = "  " + prefix;
  std::size_t column = line.size();
  for (std::size_t i = begin; i < end; ++i) {
    if (i == at) column = line.size();
    line += visible(input[i]);
  }
  if (at >= end) column = line.size();  // the input ended: the caret points past it
  out += line + suffix + "\n" + std::string(column, ' ') + "^\n";
  return out;
}

}  // namespace duplex::http
