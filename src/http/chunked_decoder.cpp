// The chunked transfer coding, decoded as a stream (lesson 05). See chunked_decoder.hpp.
// @lesson 05
#include "src/http/chunked_decoder.hpp"

#include <algorithm>
#include <limits>

#include "src/http/head_reader.hpp"
#include "src/http/syntax.hpp"

namespace duplex::http {

ChunkedDecoder::ChunkedDecoder(const ParserLimits& limits) : limits_(limits) {}

void ChunkedDecoder::reset() {
  state_ = State::kSizeLine;
  line_.clear();
  remaining_ = body_size_ = 0;
  stream_offset_ = trailer_bytes_ = 0;
  trailers_.clear();
  result_ = {};
}

ParseResult ChunkedDecoder::fail(int status, std::string_view reason, std::size_t offset) {
  state_ = State::kFailed;
  result_.status = ParseStatus::kFailed;
  result_.consumed = 0;
  result_.error = {status, reason, offset};
  return result_;
}

// @anchor lesson05-chunk-size
bool ChunkedDecoder::parse_size_line(std::size_t line_at) {
  std::string_view line(line_.data(), line_.size() - 2);  // without CRLF
  std::uint64_t size = 0;
  std::size_t i = 0;
  for (; i < line.size() && hex_value(line[i]) >= 0; ++i) {
    // Overflow check before the shift: a size of 17 hex digits must not wrap around to a small
    // number that would make the decoder and a proxy disagree about where the chunk ends.
    if (size > (std::numeric_limits<std::uint64_t>::max() >> 4)) {
      fail(413, "chunk size overflows", line_at + i);
      return false;
    }
    size = size << 4 | static_cast<std::uint64_t>(hex_value(line[i]));
  }
  if (i == 0) {
    fail(400, "chunk size is not hexadecimal", line_at);
    return false;
  }
  // RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), where
  // ext-val = token / quoted-string. Parsed so that garbage is refused, then ignored.
  auto skip_bws = [&] {
    while (i < line.size() && is_ows(line[i])) ++i;
  };
  auto token = [&] {
    std::size_t start = i;
    while (i < line.size() && is_tchar(line[i])) ++i;
    return i > start;
  };
  while (i < line.size()) {
    skip_bws();
    if (i == line.size() || line[i] != ';') {
      fail(400, "invalid chunk extension", line_at + i);
      return false;
    }
    ++i;
    skip_bws();
    if (!token()) {
      fail(400, "invalid chunk extension name", line_at + i);
      return false;
    }
    std::size_t before = i;
    skip_bws();
    if (i < line.size() && line[i] == '=') {
      ++i;
      skip_bws();
      if (i < line.size() && line[i] == '"') {
        // RFC 9110 §5.6.4: quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE.
        ++i;
        bool closed = false;
        while (i < line.size() && !closed) {
          char c = line[i];
          if (c == '"') {
            closed = true;
          } else if (c == '\\' && i + 1 < line.size() && is_field_value_char(line[i + 1])) {
            ++i;
          } else if (!is_field_value_char(c) || c == '\\') {
            break;
          }
          ++i;
        }
        if (!closed) {
          fail(400, "invalid quoted chunk extension value", line_at + i);
          return false;
        }
      } else if (!token()) {
        fail(400, "invalid chunk extension value", line_at + i);
        return false;
      }
    } else {
      i = before;
    }
  }
  if (size > limits_.max_body - std::min(body_size_, limits_.max_body)) {
    fail(413, "body larger than the limit", line_at);
    return false;
  }
  remaining_ = size;
  state_ = size == 0 ? State::kTrailerLine : State::kData;
  return true;
}

bool ChunkedDecoder::parse_trailer_line(std::size_t line_at) {
  std::string_view line(line_.data(), line_.size() - 2);
  // RFC 9112 §7.1.2: trailer fields use the same syntax as header fields.
  if (trailers_.size() == limits_.max_fields) {
    fail(431, "too many trailer fields", line_at);
    return false;
  }
  Field field;
  ParseError error;
  if (!parse_field_line(line, line_at, field, error)) {
    fail(error.status, error.reason, error.offset);
    return false;
  }
  trailers_.emplace_back(field.name, field.value);
  return true;
}

// @anchor lesson05-chunked-feed
ParseResult ChunkedDecoder::feed(std::string_view input, std::string& payload) {
  // @exercise lesson05-chunked-decoder #exercise-the-chunked-decoder
  if (state_ == State::kDone || state_ == State::kFailed) {
    result_.consumed = 0;
    return result_;
  }
  std::size_t i = 0;
  auto offset = [&] { return stream_offset_ + i; };
  while (i < input.size() && state_ != State::kDone) {
    switch (state_) {
      case State::kData: {
        std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size() - i));
        payload.append(input.data() + i, take);
        i += take;
        remaining_ -= take;
        body_size_ += take;
        if (remaining_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
        // RFC 9112 §7.1: chunk-data is followed by exactly CRLF; anything else means the size
        // lied, and continuing would read the next request out of this body.
        if (input[i] != '\r') return fail(400, "chunk data not followed by CRLF", offset());
        ++i;
        state_ = State::kDataLf;
        break;
      case State::kDataLf:
        if (input[i] != '\n') return fail(400, "chunk data not followed by CRLF", offset());
        ++i;
        state_ = State::kSizeLine;
        break;
      case State::kSizeLine:
      case State::kTrailerLine: {
        char c = input[i];
        std::size_t at = offset();
        ++i;
        if (state_ == State::kTrailerLine && ++trailer_bytes_ > limits_.max_header_bytes) {
          return fail(431, "trailer section too large", at);
        }
        if (c == '\n') {
          if (line_.empty() || line_.back() != '\r')
            return fail(400, "bare LF (expected CRLF)", at);
          line_ += c;
          std::size_t line_at = at + 1 - line_.size();
          if (state_ == State::kSizeLine) {
            if (!parse_size_line(line_at)) return result_;
          } else if (line_.size() == 2) {
            state_ = State::kDone;
          } else if (!parse_trailer_line(line_at)) {
            return result_;
          }
          line_.clear();
          break;
        }
        // A CR is only allowed right before the LF.
        if (!line_.empty() && line_.back() == '\r')
          return fail(400, "CR not followed by LF", at - 1);
        if (state_ == State::kSizeLine && line_.size() >= limits_.max_chunk_line + 1) {
          return fail(400, "chunk size line too long", at);
        }
        line_ += c;
        break;
      }
      case State::kDone:
      case State::kFailed:
        break;
    }
  }
  stream_offset_ += i;
  result_.consumed = i;
  result_.status = state_ == State::kDone ? ParseStatus::kDone : ParseStatus::kNeedMore;
  return result_;
  // @exercise end
}

}  // namespace duplex::http
