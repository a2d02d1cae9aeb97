// The request head parser (lessons 04-05). See request_parser.hpp.
// @lesson 04
#include "src/http/request_parser.hpp"

#include <optional>

#include "src/http/syntax.hpp"

namespace duplex::http {

RequestParser::RequestParser(const ParserLimits& limits) : limits_(limits), reader_(limits, 414) {}

void RequestParser::reset() {
  reader_.reset();
  // Field by field rather than `head_ = RequestHead{}`: the path string and the field list
  // keep their capacity, so a connection's next request allocates nothing for them.
  std::string path = std::move(head_.path);
  Headers headers = std::move(head_.headers);
  path.clear();
  headers.clear();
  head_ = RequestHead{};
  head_.path = std::move(path);
  head_.headers = std::move(headers);
  result_ = ParseResult{};
  line_spans_ = {};
}

ParseResult RequestParser::failed(const ParseError& error) {
  result_.status = ParseStatus::kFailed;
  result_.error = error;
  return result_;
}

// @anchor lesson04-request-line
bool RequestParser::parse_request_line(std::string_view line, std::size_t offset) {
  ParseError error;
  auto fail = [&](std::string_view reason, std::size_t at) {
    failed({400, reason, offset + at});
    return false;
  };
  // RFC 9112 §3: request-line = method SP request-target SP HTTP-version, single spaces.
  std::size_t sp1 = line.find(' ');
  if (sp1 == 0) return fail("request line starts with a space", 0);
  for (std::size_t i = 0; i < line.size() && i < sp1; ++i) {
    if (!is_tchar(line[i])) return fail("invalid character in method", i);
  }
  if (sp1 == std::string_view::npos) return fail("request line has no target", line.size());
  std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == sp1 + 1) return fail("empty request target (two spaces)", sp2);
  // Without a version this would be an HTTP/0.9 request, which RFC 9112 no longer defines.
  if (sp2 == std::string_view::npos) return fail("request line has no HTTP version", line.size());
  std::string_view version = line.substr(sp2 + 1);
  if (std::size_t extra = version.find(' '); extra != std::string_view::npos) {
    return fail("extra space in request line", sp2 + 1 + extra);
  }
  if (!parse_http_version(version, offset + sp2 + 1, head_.version_major, head_.version_minor,
                          error)) {
    failed(error);
    return false;
  }
  head_.method = line.substr(0, sp1);
  head_.method_id = method_from_token(head_.method);
  head_.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  RequestTarget target;
  if (!parse_request_target(head_.method, head_.target, offset + sp1 + 1, target, error)) {
    failed(error);
    return false;
  }
  head_.form = target.form;
  head_.path = std::move(target.path);
  head_.query = target.query;
  head_.has_query = target.has_query;
  head_.authority = target.authority;
  return true;
}

bool RequestParser::finish(std::string_view buffered) {
  // The request line was checked as soon as it arrived, in an earlier call whose buffer may
  // have moved since (the caller may grow or compact it). The contract guarantees the same
  // bytes at the same offsets, so the views are rebuilt from offsets, never from addresses.
  head_.method = line_spans_[0].in(buffered);
  head_.target = line_spans_[1].in(buffered);
  head_.query = line_spans_[2].in(buffered);
  head_.authority = line_spans_[3].in(buffered);
  reader_.fill(buffered, head_.headers);
  auto offset_of = [&](std::string_view part) {
    return static_cast<std::size_t>(part.data() - buffered.data());
  };
  // RFC 9112 §3.2: 400 for more than one Host, for none in HTTP/1.1, or for an invalid one.
  std::optional<std::string_view> host;
  for (const Field& field : head_.headers) {
    if (!iequals(field.name, "Host")) continue;
    if (host) {
      failed({400, "more than one Host field", offset_of(field.value)});
      return false;
    }
    host = field.value;
  }
  if (!host && head_.version_minor >= 1) {
    failed({400, "HTTP/1.1 request without Host", reader_.consumed() - 2});
    return false;
  }
  if (host && !is_valid_authority(*host, true)) {
    failed({400, "invalid Host", offset_of(*host)});
    return false;
  }
#if DUPLEX_LESSON >= 5
  // Lesson 05: the head alone decides where the body ends (RFC 9112 §6.3), so a framing error
  // is a parse error with a status and an offset like any other.
  ParseError error;
  if (!request_body_framing(head_.headers, head_.version_minor, limits_, buffered, head_.body,
                            error)) {
    failed(error);
    return false;
  }
#endif
  return true;
}

// @anchor lesson04-parse
ParseResult RequestParser::parse(std::string_view buffered) {
  if (result_.status != ParseStatus::kNeedMore) return result_;
  for (;;) {
    switch (reader_.next(buffered)) {
      case HeadReader::Event::kNeedMore:
        return result_;
      case HeadReader::Event::kFailed:
        return failed(reader_.error());
      case HeadReader::Event::kStartLine:
        // Checked now, so a bad request line fails before its fields are even sent.
        if (!parse_request_line(reader_.start_line(buffered), reader_.start_line_offset())) {
          return result_;
        }
        line_spans_ = {Span::of(head_.method, buffered), Span::of(head_.target, buffered),
                       Span::of(head_.query, buffered), Span::of(head_.authority, buffered)};
        break;
      case HeadReader::Event::kDone:
        if (!finish(buffered)) return result_;
        result_.status = ParseStatus::kDone;
        result_.consumed = reader_.consumed();
        return result_;
    }
  }
}

}  // namespace duplex::http
