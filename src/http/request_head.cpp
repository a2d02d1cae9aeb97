// A parsed request head (lesson 04). See request_head.hpp.
// @lesson 04
#include "src/http/request_head.hpp"

#include "src/http/syntax.hpp"

namespace duplex::http {

Method method_from_token(std::string_view token) {
  static constexpr std::pair<std::string_view, Method> kMethods[] = {
      {"GET", Method::kGet},         {"HEAD", Method::kHead},     {"POST", Method::kPost},
      {"PUT", Method::kPut},         {"DELETE", Method::kDelete}, {"CONNECT", Method::kConnect},
      {"OPTIONS", Method::kOptions}, {"TRACE", Method::kTrace},   {"PATCH", Method::kPatch},
  };
  for (const auto& [name, method] : kMethods) {
    if (token == name) return method;
  }
  return Method::kOther;
}

bool RequestHead::keep_alive() const {
  if (headers.has_token("Connection", "close")) return false;
  if (version_major > 1 || version_minor >= 1) return true;
  return headers.has_token("Connection", "keep-alive");
}

bool RequestHead::expects_continue() const {
  if (version_major == 1 && version_minor == 0) return false;
  auto expect = headers.get("Expect");
  return expect && iequals(*expect, "100-continue");
}

}  // namespace duplex::http
