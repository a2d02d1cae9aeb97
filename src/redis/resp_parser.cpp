// RespParser: an incremental, sans-I/O reader of Redis replies (lesson 15). See resp_parser.hpp.
// @lesson 15
#include "src/redis/resp_parser.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace duplex::redis {

namespace {

// Bulk payloads grow as their bytes arrive; a declared length reserves at most this much, so a
// length announced and never sent costs nothing.
constexpr std::size_t kMaxReserve = 64 * 1024;
// Likewise for an aggregate's element vector.
constexpr std::size_t kMaxReserveElements = 64;

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool parse_int64(std::string_view text, std::int64_t& out) {
  // std::from_chars takes an optional '-' and digits only: no '+', no spaces, as RESP wants.
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

// RESP3 spec, "Double": an integral part of digits, an optional '.' and digits, an optional
// exponent; or inf, -inf, nan. Redis before 7.2 may send libc's spellings ("-nan", "NAN",
// "nan(...)"), so NaN and infinity are matched without regard to case.
bool parse_double(std::string_view text, double& out) {
  std::string_view unsigned_part = text;
  bool negative = false;
  if (!unsigned_part.empty() && (unsigned_part[0] == '-' || unsigned_part[0] == '+')) {
    negative = unsigned_part[0] == '-';
    unsigned_part.remove_prefix(1);
  }
  std::string lower(unsigned_part);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  if (lower == "inf") {
    out = negative ? -std::numeric_limits<double>::infinity()
                   : std::numeric_limits<double>::infinity();
    return true;
  }
  if (lower == "nan" ||
      (lower.size() > 5 && lower.compare(0, 4, "nan(") == 0 && lower.back() == ')')) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  std::size_t at = 0;
  auto digits = [&] {
    std::size_t start = at;
    while (at < unsigned_part.size() && unsigned_part[at] >= '0' && unsigned_part[at] <= '9') {
      ++at;
    }
    return at > start;
  };
  if (!digits()) return false;
  if (at < unsigned_part.size() && unsigned_part[at] == '.') {
    ++at;
    if (!digits()) return false;
  }
  if (at < unsigned_part.size() && (unsigned_part[at] == 'e' || unsigned_part[at] == 'E')) {
    ++at;
    if (at < unsigned_part.size() && (unsigned_part[at] == '+' || unsigned_part[at] == '-')) ++at;
    if (!digits()) return false;
  }
  if (at != unsigned_part.size()) return false;
  auto [end, ec] = std::from_chars(unsigned_part.data(), unsigned_part.data() + at, out);
  // Out of range ("1e999") is still a well-formed double: it is the infinity it rounds to.
  if (ec == std::errc::result_out_of_range) {
    out = std::numeric_limits<double>::infinity();
  } else if (ec != std::errc() || end != unsigned_part.data() + at) {
    return false;
  }
  if (negative) out = -out;
  return true;
}

bool is_aggregate_byte(char c) {
  return c == '*' || c == '%' || c == '~' || c == '>' || c == '|';
}

bool is_type_byte(char c) {
  switch (c) {
    case '+':
    case '-':
    case ':':
    case '$':
    case '*':
    case '_':
    case '#':
    case ',':
    case '(':
    case '!':
    case '=':
    case '%':
    case '~':
    case '>':
    case '|':
      return true;
    default:
      return false;
  }
}

Type aggregate_type(char c) {
  switch (c) {
    case '%':
      return Type::kMap;
    case '~':
      return Type::kSet;
    case '>':
      return Type::kPush;
    case '|':
      return Type::kMap;
    default:
      return Type::kArray;
  }
}

}  // namespace

RespParser::RespParser(RespParserLimits limits) : limits_(limits) {}

void RespParser::reset() {
  state_ = State::kType;
  type_byte_ = 0;
  line_.clear();
  line_cr_ = false;
  scalar_ = Value{};
  bulk_remaining_ = 0;
  stack_.clear();
  top_attributes_.clear();
  value_ = Value{};
  error_ = RespError{};
}

bool RespParser::fail(RespErrorCode code, const char* reason) {
  state_ = State::kFailed;
  error_ = RespError{code, reason};
  return false;
}

RespParser::Result RespParser::parse(std::string_view input) {
  if (state_ == State::kFailed) return Result{net::ParseStatus::kFailed, 0, error_};
  if (state_ == State::kDone) state_ = State::kType;
  std::size_t at = 0;
  while (at < input.size() && state_ != State::kDone && state_ != State::kFailed) {
    switch (state_) {
      case State::kType: {
        char c = input[at++];
        if (!is_type_byte(c)) {
          fail(RespErrorCode::kBadType, "the first byte of a value is not a RESP type");
          break;
        }
        type_byte_ = c;
        line_.clear();
        line_cr_ = false;
        state_ = State::kLine;
        break;
      }
      case State::kLine: {
        std::string_view rest = input.substr(at);
        if (line_cr_) {
          // The CR ended the previous input; this byte must be its LF.
          ++at;
          if (rest[0] != '\n') {
            fail(RespErrorCode::kMissingLf, "CR not followed by LF");
            break;
          }
          line_cr_ = false;
          on_line(line_);
          break;
        }
        // @anchor lesson15-no-rescan
        // Only bytes not seen before are searched: what an earlier input held is in line_.
        std::size_t end = rest.find_first_of("\r\n");
        std::size_t length = end == std::string_view::npos ? rest.size() : end;
        // The limit is checked before the end of the line is seen: a peer that never sends CRLF
        // cannot make the parser keep more than max_line_length bytes.
        if (line_.size() + length > limits_.max_line_length) {
          at += length;
          fail(RespErrorCode::kLineTooLong, "a line is longer than max_line_length");
          break;
        }
        if (end == std::string_view::npos) {
          line_.append(rest);
          at = input.size();
          break;
        }
        if (rest[end] == '\n') {
          at += end + 1;
          fail(RespErrorCode::kMissingCr, "a line ends with LF without CR");
          break;
        }
        if (end + 1 == rest.size()) {
          line_.append(rest.substr(0, end));
          line_cr_ = true;
          at = input.size();
          break;
        }
        at += end + 2;
        if (rest[end + 1] != '\n') {
          fail(RespErrorCode::kMissingLf, "CR not followed by LF");
          break;
        }
        // A line that arrived whole is read where it lies, without a copy.
        if (line_.empty()) {
          on_line(rest.substr(0, end));
        } else {
          line_.append(rest.substr(0, end));
          on_line(line_);
        }
        break;
      }
      case State::kBulk: {
        std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(bulk_remaining_, input.size() - at));
        scalar_.string.append(input.data() + at, take);
        at += take;
        bulk_remaining_ -= take;
        if (bulk_remaining_ == 0) state_ = State::kBulkCr;
        break;
      }
      case State::kBulkCr:
        if (input[at++] != '\r') {
          fail(RespErrorCode::kMissingCrlf, "bulk data not followed by CRLF");
          break;
        }
        state_ = State::kBulkLf;
        break;
      case State::kBulkLf: {
        if (input[at++] != '\n') {
          fail(RespErrorCode::kMissingCrlf, "bulk data not followed by CRLF");
          break;
        }
        Value value = std::move(scalar_);
        scalar_ = Value{};
        if (value.type == Type::kVerbatimString) {
          // RESP3 spec, "Verbatim string": three bytes of format, ':', then the text.
          if (value.string.size() < 4 || value.string[3] != ':') {
            fail(RespErrorCode::kBadVerbatim, "a verbatim string lacks its \"xxx:\" format");
            break;
          }
          value.format = value.string.substr(0, 3);
          value.string.erase(0, 4);
        }
        complete(std::move(value));
        break;
      }
      case State::kDone:
      case State::kFailed:
        break;
    }
  }
  if (state_ == State::kFailed) return Result{net::ParseStatus::kFailed, at, error_};
  if (state_ == State::kDone) return Result{net::ParseStatus::kDone, at, {}};
  return Result{net::ParseStatus::kNeedMore, at, {}};
}

bool RespParser::read_length(std::string_view line, bool null_ok, std::int64_t& out) {
  if (line == "?") {
    return fail(RespErrorCode::kStreamedUnsupported,
                "RESP3 streamed strings and aggregates are not supported");
  }
  if (line == "-1") {
    if (!null_ok) return fail(RespErrorCode::kNullNotAllowed, "-1 where this type has no null");
    out = -1;
    return true;
  }
  // Digits only: "-2", "+3", " 3", "3 " and "" are refused, and so is a number over 2^63 - 1.
  if (!all_digits(line) || !parse_int64(line, out)) {
    return fail(RespErrorCode::kBadLength, "a length is not a decimal number or -1");
  }
  return true;
}

bool RespParser::start_aggregate(Type type, std::string_view line, bool attribute) {
  std::int64_t count = 0;
  if (!read_length(line, type == Type::kArray && !attribute, count)) return false;
  if (count == -1) {
    complete(Value::null());
    return true;
  }
  auto n = static_cast<std::uint64_t>(count);
  bool pairs = type == Type::kMap;
  if (n > limits_.max_elements || (pairs && n * 2 > limits_.max_elements)) {
    return fail(RespErrorCode::kTooManyElements, "an aggregate has more than max_elements");
  }
  if (type == Type::kPush && !stack_.empty()) {
    return fail(RespErrorCode::kNestedPush, "a push inside an aggregate");
  }
  if (stack_.size() >= limits_.max_depth) {
    return fail(RespErrorCode::kTooDeep, "aggregates nested deeper than max_depth");
  }
  Frame frame;
  frame.value.type = type;
  frame.remaining = pairs ? n * 2 : n;
  frame.attribute = attribute;
  if (frame.remaining == 0) {
    if (attribute) {
      state_ = State::kType;
    } else {
      complete(std::move(frame.value));
    }
    return true;
  }
  frame.value.elements.reserve(
      static_cast<std::size_t>(std::min<std::uint64_t>(frame.remaining, kMaxReserveElements)));
  stack_.push_back(std::move(frame));
  state_ = State::kType;
  return true;
}

bool RespParser::on_line(std::string_view line) {
  switch (type_byte_) {
    case '+':
      complete(Value::simple_string(line));
      return true;
    case '-':
      complete(Value::error(line));
      return true;
    case ':': {
      std::int64_t n = 0;
      if (!parse_int64(line, n)) {
        return fail(RespErrorCode::kBadInteger, "not a signed 64-bit decimal integer");
      }
      complete(Value::integer_value(n));
      return true;
    }
    case '$':
    case '!':
    case '=': {
      std::int64_t length = 0;
      if (!read_length(line, type_byte_ == '$', length)) return false;
      if (length == -1) {
        complete(Value::null());
        return true;
      }
      if (static_cast<std::uint64_t>(length) > limits_.max_bulk_length) {
        return fail(RespErrorCode::kBulkTooLong, "a bulk length over max_bulk_length");
      }
      scalar_ = Value{};
      scalar_.type = type_byte_ == '$'   ? Type::kBulkString
                     : type_byte_ == '!' ? Type::kBulkError
                                         : Type::kVerbatimString;
      scalar_.string.reserve(static_cast<std::size_t>(std::min<std::int64_t>(length, kMaxReserve)));
      bulk_remaining_ = static_cast<std::uint64_t>(length);
      state_ = length > 0 ? State::kBulk : State::kBulkCr;
      return true;
    }
    case '_':
      if (!line.empty()) return fail(RespErrorCode::kBadNull, "'_' followed by data");
      complete(Value::null());
      return true;
    case '#': {
      if (line != "t" && line != "f") return fail(RespErrorCode::kBadBoolean, "not #t or #f");
      Value value;
      value.type = Type::kBoolean;
      value.boolean = line == "t";
      complete(std::move(value));
      return true;
    }
    case ',': {
      Value value;
      value.type = Type::kDouble;
      if (!parse_double(line, value.number)) {
        return fail(RespErrorCode::kBadDouble, "not a decimal number, inf, -inf or nan");
      }
      complete(std::move(value));
      return true;
    }
    case '(': {
      std::string_view digits = line;
      if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
      if (!all_digits(digits)) {
        return fail(RespErrorCode::kBadBigNumber, "a big number is not a signed integer");
      }
      Value value;
      value.type = Type::kBigNumber;
      value.string = line;
      complete(std::move(value));
      return true;
    }
    default:
      if (is_aggregate_byte(type_byte_)) {
        return start_aggregate(aggregate_type(type_byte_), line, type_byte_ == '|');
      }
      return fail(RespErrorCode::kBadType, "the first byte of a value is not a RESP type");
  }
}

void RespParser::complete(Value value) {
  for (;;) {
    if (stack_.empty()) {
      if (!top_attributes_.empty()) {
        value.attributes = std::move(top_attributes_);
        top_attributes_.clear();
      }
      value_ = std::move(value);
      state_ = State::kDone;
      return;
    }
    Frame& frame = stack_.back();
    if (!frame.pending_attributes.empty()) {
      value.attributes = std::move(frame.pending_attributes);
      frame.pending_attributes.clear();
    }
    frame.value.elements.push_back(std::move(value));
    if (--frame.remaining > 0) {
      state_ = State::kType;
      return;
    }
    Frame finished = std::move(stack_.back());
    stack_.pop_back();
    if (finished.attribute) {
      // RESP3 spec, "Attribute type": it describes the value that follows at the same level and
      // is not one of the enclosing aggregate's elements.
      auto& slot = stack_.empty() ? top_attributes_ : stack_.back().pending_attributes;
      slot = std::move(finished.value.elements);
      state_ = State::kType;
      return;
    }
    value = std::move(finished.value);
  }
}

}  // namespace duplex::redis
