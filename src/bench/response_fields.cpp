// The response fields the HTTP load checks (lesson 12). See response_fields.hpp.
// @lesson 12
#include "src/bench/response_fields.hpp"

#include "src/http/syntax.hpp"

namespace duplex::bench {

// @anchor lesson12-response-fields
ResponseFields response_fields(std::string_view head) {
  constexpr std::string_view kCrlf = "\r\n";
  ResponseFields fields;
  // The status line is not a field: the first field line starts after its CRLF.
  std::size_t line_start = head.find(kCrlf);
  while (line_start != std::string_view::npos) {
    line_start += kCrlf.size();
    const std::size_t line_end = head.find(kCrlf, line_start);
    if (line_end == std::string_view::npos) break;
    const std::string_view line = head.substr(line_start, line_end - line_start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      const std::string_view name = line.substr(0, colon);
      const std::string_view value = http::trim_ows(line.substr(colon + 1));
      if (http::iequals(name, "content-length")) {
        fields.content_length = value;
      } else if (http::iequals(name, "connection")) {
        fields.connection = value;
      }
    }
    line_start = line_end;
  }
  return fields;
}

std::optional<std::size_t> content_length_value(std::string_view text) {
  constexpr std::size_t kMaxDigits = 18;
  if (text.empty() || text.size() > kMaxDigits) return std::nullopt;
  std::size_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  return value;
}

bool connection_closes(std::string_view connection) {
  bool closes = false;
  http::for_each_list_element(connection, [&](std::string_view option) {
    if (http::iequals(option, "close")) closes = true;
  });
  return closes;
}

}  // namespace duplex::bench
