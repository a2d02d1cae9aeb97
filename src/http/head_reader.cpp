// The incremental line reader shared by the request and the response parser (lesson 04).
// See head_reader.hpp.
// @lesson 04
#include "src/http/head_reader.hpp"

#include "src/http/syntax.hpp"

namespace duplex::http {

// @anchor lesson04-field-line
bool parse_field_line(std::string_view line, std::size_t offset, Field& field, ParseError& error) {
#if DUPLEX_LESSON >= 12
  // Lesson 12: a well-formed line in two tight loops, one table lookup per byte: a name of
  // tchars up to the first colon, then field-value characters. These accept exactly the lines
  // the checks below accept (OWS, CR, LF and NUL are neither tchars nor value characters); a
  // line with any byte out of place goes through those checks, which name the error.
  std::size_t name_end = 0;
  while (name_end < line.size() && is_tchar(line[name_end])) ++name_end;
  if (name_end > 0 && name_end < line.size() && line[name_end] == ':') {
    std::size_t end = name_end + 1;
    while (end < line.size() && is_field_value_char(line[end])) ++end;
    if (end == line.size()) {
      field.name = line.substr(0, name_end);
      field.value = trim_ows(line.substr(name_end + 1));
      return true;
    }
  }
#endif
  auto fail = [&](std::string_view reason, std::size_t at) {
    error = {400, reason, offset + at};
    return false;
  };
  // RFC 9112 §5.2: obs-fold (a line starting with SP or HTAB continues the previous one) is
  // obsolete; a server must reject it or unfold it. Rejecting removes a way for two parsers to
  // disagree about where a field ends.
  if (is_ows(line[0])) return fail("obs-fold (line starts with whitespace)", 0);
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return fail("field line without a colon", line.size());
  if (colon == 0) return fail("empty field name", 0);
  for (std::size_t i = 0; i < colon; ++i) {
    // RFC 9112 §5.1: no whitespace is allowed between the field name and colon; a server must
    // reject it with 400, because proxies have disagreed over what such a name means.
    if (is_ows(line[i])) return fail("whitespace before colon", i);
    if (!is_tchar(line[i])) return fail("invalid character in field name", i);
  }
  for (std::size_t i = colon + 1; i < line.size(); ++i) {
    // RFC 9110 §5.5: CR, LF and NUL in a value are invalid and dangerous; other controls are
    // outside the grammar (field-vchar, SP, HTAB) too.
    if (line[i] == '\0') return fail("NUL in field value", i);
    if (line[i] == '\r') return fail("CR in field value", i);
    if (!is_field_value_char(line[i])) return fail("control character in field value", i);
  }
  field.name = line.substr(0, colon);
  field.value = trim_ows(line.substr(colon + 1));
  return true;
}

// @anchor lesson04-http-version
bool parse_http_version(std::string_view text, std::size_t offset, int& major, int& minor,
                        ParseError& error) {
  if (text.size() != 8 || text.substr(0, 5) != "HTTP/" || !(text[5] >= '0' && text[5] <= '9') ||
      text[6] != '.' || !(text[7] >= '0' && text[7] <= '9')) {
    error = {400, "malformed HTTP version", offset};
    return false;
  }
  major = text[5] - '0';
  minor = text[7] - '0';
  // RFC 9110 §15.6.6: 505 for a major version the server does not support; HTTP/0.9 and
  // HTTP/2 (whose connection preface begins "PRI * HTTP/2.0") end up here.
  if (major != 1) {
    error = {505, "unsupported HTTP major version", offset + 5};
    return false;
  }
  return true;
}

HeadReader::HeadReader(const ParserLimits& limits, int start_line_status)
    : limits_(limits), start_line_status_(start_line_status) {}

void HeadReader::reset() {
  phase_ = Phase::kStartLine;
  pos_ = scan_ = empty_lines_ = start_begin_ = start_size_ = fields_begin_ = 0;
  fields_.clear();
  error_ = {};
}

HeadReader::Event HeadReader::fail(int status, std::string_view reason, std::size_t offset) {
  phase_ = Phase::kFailed;
  error_ = {status, reason, offset};
  return Event::kFailed;
}

// @anchor lesson04-head-reader
HeadReader::Event HeadReader::next(std::string_view buffered) {
  // @exercise lesson04-head-reader #exercise-the-head-reader
  if (phase_ == Phase::kDone) return Event::kDone;
  if (phase_ == Phase::kFailed) return Event::kFailed;
  for (;;) {
    std::size_t lf = buffered.find('\n', scan_);
    if (lf == std::string_view::npos) {
      // No complete line yet. Check the limits on what is here, so that a peer that never
      // sends LF is stopped at the limit instead of filling memory.
      scan_ = buffered.size();
      if (phase_ == Phase::kStartLine && buffered.size() - pos_ > limits_.max_request_line + 1) {
        return fail(start_line_status_, "start line too long", pos_ + limits_.max_request_line);
      }
      if (phase_ == Phase::kFields && buffered.size() - fields_begin_ > limits_.max_header_bytes) {
        return fail(431, "header section too large", fields_begin_ + limits_.max_header_bytes);
      }
      return Event::kNeedMore;
    }
    // The limits first, exactly as if the line had arrived without its LF, so the answer does
    // not depend on how the bytes were cut into reads.
    if (phase_ == Phase::kStartLine && lf - pos_ > limits_.max_request_line + 1) {
      return fail(start_line_status_, "start line too long", pos_ + limits_.max_request_line);
    }
    if (phase_ == Phase::kFields && lf - fields_begin_ > limits_.max_header_bytes) {
      return fail(431, "header section too large", fields_begin_ + limits_.max_header_bytes);
    }
    // RFC 9112 §2.2 lets a recipient accept a bare LF as a line end; Duplex does not. One
    // line-ending rule for every line is one less way for two parsers to disagree (§11.2).
    if (lf == pos_ || buffered[lf - 1] != '\r') return fail(400, "bare LF (expected CRLF)", lf);
    std::string_view line = buffered.substr(pos_, lf - 1 - pos_);
    std::size_t line_at = pos_;
    pos_ = scan_ = lf + 1;

    if (phase_ == Phase::kStartLine) {
      if (line.empty()) {
        // RFC 9112 §2.2: a server should ignore at least one empty line before the request
        // line (some old clients send CRLF after a POST body). A bounded number.
        if (++empty_lines_ > limits_.max_empty_lines) {
          return fail(400, "too many empty lines before the start line", line_at);
        }
        continue;
      }
      start_begin_ = line_at;
      start_size_ = line.size();
      fields_begin_ = pos_;
      phase_ = Phase::kFields;
      return Event::kStartLine;
    }

    if (pos_ - fields_begin_ > limits_.max_header_bytes) {
      return fail(431, "header section too large", fields_begin_ + limits_.max_header_bytes);
    }
    if (line.empty()) {
      phase_ = Phase::kDone;
      return Event::kDone;
    }
    if (fields_.size() == limits_.max_fields) return fail(431, "too many header fields", line_at);
    Field field;
    if (!parse_field_line(line, line_at, field, error_)) {
      // RFC 9112 §2.2: whitespace between the start line and the first field is either a
      // smuggling attempt or a broken client; either way, 400.
      if (fields_.empty() && is_ows(line[0])) error_.reason = "whitespace after the start line";
      phase_ = Phase::kFailed;
      return Event::kFailed;
    }
    auto at = [&](std::string_view part) {
      return static_cast<std::size_t>(part.data() - buffered.data());
    };
    fields_.push_back({at(field.name), field.name.size(), at(field.value), field.value.size()});
  }
  // @exercise end
}

void HeadReader::fill(std::string_view buffered, Headers& headers) const {
  headers.clear();
  for (const FieldSpan& span : fields_) {
    headers.add(buffered.substr(span.name_at, span.name_size),
                buffered.substr(span.value_at, span.value_size));
  }
}

}  // namespace duplex::http
