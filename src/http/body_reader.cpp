// One body reader for every framing (lesson 05). See body_reader.hpp.
// @lesson 05
#include "src/http/body_reader.hpp"

#include <algorithm>

namespace duplex::http {

BodyReader::BodyReader(const BodyFraming& framing, const ParserLimits& limits)
    : framing_(framing), limits_(limits), chunked_(limits) {
  done_ = framing_.kind == BodyFraming::Kind::kNone ||
          (framing_.kind == BodyFraming::Kind::kContentLength && framing_.length == 0);
}

ParseResult BodyReader::feed(std::string_view input, std::string& payload) {
  ParseResult result;
  if (done_) {
    result.status = ParseStatus::kDone;
    return result;
  }
  switch (framing_.kind) {
    case BodyFraming::Kind::kNone:
      break;
    case BodyFraming::Kind::kContentLength: {
      // request_body_framing() already refuses a request over the limit; a response's length
      // (response_body_framing() has no limits) is checked here, before a byte is kept, so a
      // peer announcing terabytes cannot make the reader buffer them (RFC 9110 §15.5.14).
      if (framing_.length > limits_.max_body) {
        result.status = ParseStatus::kFailed;
        result.error = {413, "body larger than the limit", 0};
        return result;
      }
      std::uint64_t take = std::min<std::uint64_t>(framing_.length - received_, input.size());
      payload.append(input.data(), static_cast<std::size_t>(take));
      received_ += take;
      result.consumed = static_cast<std::size_t>(take);
      done_ = received_ == framing_.length;
      break;
    }
    case BodyFraming::Kind::kChunked:
      result = chunked_.feed(input, payload);
      done_ = result.done();
      return result;
    case BodyFraming::Kind::kUntilClose:
      if (received_ + input.size() > limits_.max_body) {
        result.status = ParseStatus::kFailed;
        result.error = {413, "body larger than the limit",
                        static_cast<std::size_t>(limits_.max_body - received_)};
        return result;
      }
      payload.append(input);
      received_ += input.size();
      result.consumed = input.size();
      break;
  }
  result.status = done_ ? ParseStatus::kDone : ParseStatus::kNeedMore;
  return result;
}

ParseResult BodyReader::end_of_input() {
  ParseResult result;
  if (done_ || framing_.kind == BodyFraming::Kind::kUntilClose) {
    done_ = true;
    result.status = ParseStatus::kDone;
    return result;
  }
  result.status = ParseStatus::kFailed;
  result.error = {400, "connection closed inside the body", static_cast<std::size_t>(received_)};
  return result;
}

}  // namespace duplex::http
