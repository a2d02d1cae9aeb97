// The access log and the wire trace (lesson 06). See access_log.hpp.
// @lesson 06
#include "src/http/access_log.hpp"

#include <cstdio>

namespace duplex::http {

namespace {

// A target is the client's bytes: never let it forge a second log line or a terminal escape.
void append_printable(std::string& out, std::string_view text) {
  for (unsigned char c : text) {
    if (c >= 0x20 && c != 0x7f) {
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += '\t';
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", c);
      out += escaped;
    }
  }
}

}  // namespace

void append_access_line(std::string& out, std::string_view method, std::string_view target,
                        int status, std::uint64_t body_bytes, std::int64_t microseconds) {
  append_printable(out, method.empty() ? "-" : method);
  out += ' ';
  append_printable(out, target.empty() ? "-" : target);
  out += ' ';
  out += std::to_string(status);
  out += ' ';
  out += std::to_string(body_bytes);
  out += ' ';
  out += std::to_string(microseconds);
  out += "us\n";
}

void append_trace(std::string& out, std::string_view prefix, std::string_view head) {
  while (!head.empty()) {
    std::size_t end = head.find("\r\n");
    std::string_view line = head.substr(0, end);
    if (line.empty() && end != std::string_view::npos) break;  // the empty line ends the head
    out += prefix;
    append_printable(out, line);
    out += '\n';
    if (end == std::string_view::npos) break;
    head.remove_prefix(end + 2);
  }
}

}  // namespace duplex::http
