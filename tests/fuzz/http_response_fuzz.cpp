// libFuzzer target for ResponseParser (lesson 05).
//
// The first byte picks the request method the response answers (GET, HEAD or CONNECT); the
// rest is the response. Checked on every input: consumed <= size, error offsets inside the
// input, the same answer whole, split in two and byte by byte, and no body for HEAD, 1xx, 204
// and 304 (RFC 9112 §6.3).
// @lesson 05
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "src/http/parse_error.hpp"
#include "src/http/response_parser.hpp"

namespace {

using duplex::http::BodyFraming;
using duplex::http::ParseResult;
using duplex::http::ParserLimits;
using duplex::http::ParseStatus;
using duplex::http::ResponseParser;

void check(bool condition) {
  if (!condition) std::abort();
}

bool same(const ParseResult& a, const ParseResult& b) {
  if (a.status != b.status) return false;
  if (a.done()) return a.consumed == b.consumed;
  if (a.failed()) return a.error.status == b.error.status && a.error.offset == b.error.offset;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr std::string_view kMethods[] = {"GET", "HEAD", "CONNECT"};
  std::string_view method = kMethods[data[0] % 3];
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  ParserLimits limits;
  limits.max_request_line = 200;
  limits.max_header_bytes = 400;
  limits.max_fields = 8;

  ResponseParser whole(limits);
  whole.reset(method);
  ParseResult result = whole.parse(input);
  if (result.done()) {
    check(result.consumed > 0 && result.consumed <= input.size());
    int status = whole.head().status;
    check(status >= 100 && status <= 599);
    if (method == "HEAD" || status < 200 || status == 204 || status == 304) {
      check(whole.head().body.kind == BodyFraming::Kind::kNone);
    }
    (void)whole.head().keep_alive();
  }
  if (result.failed()) {
    check(result.error.offset <= input.size());
    check(!duplex::http::render_error(input, result.error).empty());
  }

  std::size_t cut = input.empty() ? 0 : data[0] % input.size();
  ResponseParser two(limits);
  two.reset(method);
  ParseResult split = two.parse(input.substr(0, cut));
  if (split.need_more()) split = two.parse(input);
  check(same(split, result));

  ResponseParser bytewise(limits);
  bytewise.reset(method);
  ParseResult step;
  for (std::size_t have = 1; have <= input.size(); ++have) {
    step = bytewise.parse(input.substr(0, have));
    if (!step.need_more()) break;
  }
  if (!input.empty()) check(same(step, result));
  return 0;
}
