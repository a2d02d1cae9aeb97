// The chunked transfer coding, encoded (lesson 05). See chunked_encoder.hpp.
// @lesson 05
#include "src/http/chunked_encoder.hpp"

#include <cstdio>
#include <stdexcept>

#include "src/http/syntax.hpp"

namespace duplex::http {

void ChunkedEncoder::encode(std::string_view data, std::string& out) {
  if (finished_) throw std::logic_error("ChunkedEncoder::encode after finish");
  if (data.empty()) return;
  char size[24];
  int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  out.append(size, static_cast<std::size_t>(n));
  out.append(data);
  out += "\r\n";
}

void ChunkedEncoder::finish(std::string& out,
                            const std::vector<std::pair<std::string, std::string>>& trailers) {
  if (finished_) throw std::logic_error("ChunkedEncoder::finish twice");
  for (const auto& [name, value] : trailers) {
    if (!is_token(name)) throw std::invalid_argument("trailer name is not a token");
    for (char c : value) {
      if (!is_field_value_char(c)) throw std::invalid_argument("control byte in trailer value");
    }
  }
  finished_ = true;
  out += "0\r\n";
  for (const auto& [name, value] : trailers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "\r\n";
}

}  // namespace duplex::http
