// libFuzzer target for RequestParser (lessons 04-05).
//
// Beyond "does not crash", it checks the parser's promises on every input:
//  - consumed <= input size, and an error's offset lies within the input (or just past it);
//  - every error maps to one of the documented statuses;
//  - the answer is the same whether the input comes whole, split in two, or byte by byte;
//  - a parsed path starts with '/', and has no dot-segment, empty segment or NUL;
//  - a chunked body after the head decodes the same whole and split in two.
// Small limits make the fuzzer reach the 414, 431 and 413 paths quickly.
// @lesson 04
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "src/http/parse_error.hpp"
#include "src/http/request_parser.hpp"
#if DUPLEX_LESSON >= 5
#include "src/http/chunked_decoder.hpp"
#endif

namespace {

#if DUPLEX_LESSON >= 5
using duplex::http::BodyFraming;
using duplex::http::ChunkedDecoder;
#endif
using duplex::http::ParseResult;
using duplex::http::ParserLimits;
using duplex::http::ParseStatus;
using duplex::http::RequestParser;

void check(bool condition) {
  if (!condition) std::abort();
}

ParserLimits small_limits() {
  ParserLimits limits;
  limits.max_request_line = 200;
  limits.max_header_bytes = 400;
  limits.max_fields = 8;
#if DUPLEX_LESSON >= 5
  limits.max_body = 2000;
  limits.max_chunk_line = 64;
#endif
  return limits;
}

struct Answer {
  ParseStatus status;
  std::size_t consumed = 0;
  int error_status = 0;
  std::size_t error_offset = 0;
  std::string path;
  bool operator==(const Answer&) const = default;
};

Answer answer(const RequestParser& parser, const ParseResult& result) {
  Answer a{result.status};
  if (result.done()) {
    a.consumed = result.consumed;
    a.path = parser.head().path;
  }
  if (result.failed()) {
    a.error_status = result.error.status;
    a.error_offset = result.error.offset;
  }
  return a;
}

void check_path(const std::string& path) {
  if (path.empty()) return;  // authority-form and asterisk-form
  check(path[0] == '/');
  check(path.find('\0') == std::string::npos);
  check(path.find("//") == std::string::npos);
  check(path.find("/./") == std::string::npos && path.find("/../") == std::string::npos);
  std::string_view end(path);
  check(!end.ends_with("/.") && !end.ends_with("/.."));
}

#if DUPLEX_LESSON >= 5
void check_chunked_body(std::string_view body, std::size_t cut) {
  ChunkedDecoder whole(small_limits()), split(small_limits());
  std::string a, b;
  ParseResult ra = whole.feed(body, a);
  ParseResult rb = split.feed(body.substr(0, cut), b);
  std::size_t used = rb.consumed;
  if (rb.need_more()) {
    rb = split.feed(body.substr(cut), b);
    used += rb.consumed;
  }
  check(ra.status == rb.status);
  check(ra.consumed <= body.size());
  if (ra.failed()) {
    check(ra.error.status == rb.error.status && ra.error.offset == rb.error.offset);
  } else {
    check(a == b);
    check(ra.consumed == used);
  }
}
#endif

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ParserLimits limits = small_limits();

  RequestParser whole(limits);
  ParseResult result = whole.parse(input);
  Answer expected = answer(whole, result);
  check(expected.consumed <= size);
  if (result.failed()) {
    int s = result.error.status;
    check(s == 400 || s == 413 || s == 414 || s == 431 || s == 501 || s == 505);
    check(result.error.offset <= size);
    check(!duplex::http::render_error(input, result.error).empty());
  }
  if (result.done()) {
    check(result.consumed > 0);
    check_path(whole.head().path);
    (void)whole.head().keep_alive();
    (void)whole.head().expects_continue();
  }

  // Split in two: the parser is first given a prefix, then everything.
  std::size_t cut = size == 0 ? 0 : (size * 7919U) % size;
  RequestParser two(limits);
  ParseResult first = two.parse(input.substr(0, cut));
  if (first.need_more()) first = two.parse(input);
  check(answer(two, first) == expected);

  // One byte at a time: each call gets all the bytes so far, as from a slow client.
  RequestParser bytewise(limits);
  ParseResult step;
  for (std::size_t have = 1; have <= size; ++have) {
    step = bytewise.parse(input.substr(0, have));
    if (!step.need_more()) break;
  }
  if (size > 0) check(answer(bytewise, step) == expected);

#if DUPLEX_LESSON >= 5
  if (result.done() && whole.head().body.kind == BodyFraming::Kind::kChunked) {
    std::string_view body = input.substr(result.consumed);
    check_chunked_body(body, body.empty() ? 0 : body.size() / 2);
  }
#endif
  return 0;
}
