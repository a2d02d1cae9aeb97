// The response head parser (lesson 05). See response_parser.hpp.
// @lesson 05
#include "src/http/response_parser.hpp"

namespace duplex::http {

bool ResponseHead::keep_alive() const {
  if (body.kind == BodyFraming::Kind::kUntilClose) return false;
  if (headers.has_token("Connection", "close")) return false;
  if (version_major > 1 || version_minor >= 1) return true;
  return headers.has_token("Connection", "keep-alive");
}

// A status line longer than the request-line limit is a 400: there is no 414 for responses.
ResponseParser::ResponseParser(const ParserLimits& limits)
    : limits_(limits), reader_(limits, 400) {}

void ResponseParser::reset(std::string_view request_method) {
  reader_.reset();
  request_method_ = std::string(request_method);
  head_ = ResponseHead{};
  result_ = ParseResult{};
}

ParseResult ResponseParser::failed(const ParseError& error) {
  result_.status = ParseStatus::kFailed;
  result_.error = error;
  return result_;
}

// @anchor lesson05-status-line
bool ResponseParser::parse_status_line(std::string_view line, std::size_t offset) {
  // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ].
  ParseError error;
  std::size_t sp = line.find(' ');
  if (sp == std::string_view::npos) {
    failed({400, "status line has no status code", offset + line.size()});
    return false;
  }
  if (!parse_http_version(line.substr(0, sp), offset, head_.version_major, head_.version_minor,
                          error)) {
    failed(error);
    return false;
  }
  std::string_view rest = line.substr(sp + 1);
  // status-code = 3DIGIT (RFC 9110 §15: 100 to 599 is the range a client understands).
  if (rest.size() < 3 || rest[0] < '1' || rest[0] > '5' || rest[1] < '0' || rest[1] > '9' ||
      rest[2] < '0' || rest[2] > '9' || (rest.size() > 3 && rest[3] != ' ')) {
    failed({400, "malformed status code", offset + sp + 1});
    return false;
  }
  head_.status = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
  // Many servers omit the SP before an empty reason; RFC 9112 §4 asks clients to be lenient
  // about the reason phrase, so "HTTP/1.1 200" is accepted.
  head_.reason = rest.size() > 4 ? rest.substr(4) : std::string_view();
  for (std::size_t i = 0; i < head_.reason.size(); ++i) {
    auto byte = static_cast<unsigned char>(head_.reason[i]);
    if (byte != '\t' && (byte < 0x20 || byte == 0x7f)) {
      failed({400, "control character in reason phrase", offset + sp + 5 + i});
      return false;
    }
  }
  return true;
}

ParseResult ResponseParser::parse(std::string_view buffered) {
  if (result_.status != ParseStatus::kNeedMore) return result_;
  for (;;) {
    switch (reader_.next(buffered)) {
      case HeadReader::Event::kNeedMore:
        return result_;
      case HeadReader::Event::kFailed:
        return failed(reader_.error());
      case HeadReader::Event::kStartLine:
        if (!parse_status_line(reader_.start_line(buffered), reader_.start_line_offset())) {
          return result_;
        }
        break;
      case HeadReader::Event::kDone: {
        if (!parse_status_line(reader_.start_line(buffered), reader_.start_line_offset())) {
          return result_;
        }
        reader_.fill(buffered, head_.headers);
        ParseError error;
        if (!response_body_framing(head_.headers, head_.status, request_method_, buffered,
                                   head_.body, error)) {
          return failed(error);
        }
        result_.status = ParseStatus::kDone;
        result_.consumed = reader_.consumed();
        return result_;
      }
    }
  }
}

}  // namespace duplex::http
