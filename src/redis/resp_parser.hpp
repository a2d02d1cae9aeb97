// RespParser: an incremental, sans-I/O reader of Redis replies (lesson 15).
//
// Feed it whatever bytes arrived, split anywhere; it answers with the project's parser contract
// (net::ParseResult): need more (every byte offered was taken), done (one whole top-level value
// is ready in value(), and `consumed` says where it ended), or failed (a named RespError; the
// parser stays failed, because a RESP stream cannot be resynchronised).
//
// It reads all of RESP2 and RESP3 except RESP3's streamed strings and aggregates ("$?", "*?"),
// which no Redis command sends (docs/redis.md says why this is the line drawn). Nothing is ever
// rescanned: a partial line is kept (and searched) only once, bulk bytes go straight into the
// value being built, and aggregates are tracked on an explicit stack instead of by recursion,
// so a reply dribbled one byte at a time costs O(n) and a hostile nesting cannot overflow the
// call stack. Every limit is checked as soon as the number it bounds is known, before any byte
// it announces is read.
// Implements the RESP2 and RESP3 specifications (redis.io "Redis serialization protocol
// specification"; github.com/redis/redis-specifications RESP3.md).
// @lesson 15
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/net/parse_result.hpp"
#include "src/redis/resp_error.hpp"
#include "src/redis/value.hpp"

namespace duplex::redis {

// 64 MiB. Redis itself accepts 512 MiB (proto-max-bulk-len), but a client holds whatever length
// the server announces, per connection: Duplex stores chat messages and bounded histories, far
// below this, and a corrupted or hostile stream announcing half a gigabyte should fail fast.
inline constexpr std::uint64_t kDefaultMaxBulkLength = 64ull * 1024 * 1024;
// 1 Mi elements in one aggregate: an XRANGE of a bounded stream or a large SMEMBERS fits, and a
// declared count can never make the parser reserve memory before the elements arrive.
inline constexpr std::uint64_t kDefaultMaxElements = 1024 * 1024;
// Aggregates inside aggregates: XREAD replies nest 4 deep and XINFO STREAM FULL about 6; 16
// leaves room for modules and Lua while keeping the parser's stack small.
inline constexpr std::size_t kDefaultMaxDepth = 16;
// One header or simple line (a simple string, an error, a number): 64 KiB, Redis's own bound on
// an inline request (PROTO_INLINE_MAX_SIZE). Error messages from Redis are far shorter.
inline constexpr std::size_t kDefaultMaxLineLength = 64 * 1024;

struct RespParserLimits {
  std::uint64_t max_bulk_length = kDefaultMaxBulkLength;  // '$', '!', '=' payload bytes
  std::uint64_t max_elements = kDefaultMaxElements;       // per aggregate; a map's pairs count 2
  std::size_t max_depth = kDefaultMaxDepth;               // nested aggregates, attributes included
  std::size_t max_line_length = kDefaultMaxLineLength;    // a line without its CRLF
};

class RespParser {
 public:
  using Result = net::ParseResult<RespError>;

  explicit RespParser(RespParserLimits limits = {});

  // Advances over the front of `input`. After kDone, value() holds the value and the next call
  // starts a new one; feed the rest of the input (from `consumed`) again. After kFailed, error()
  // says why and every later call fails the same way.
  Result parse(std::string_view input);

  // The value of the last kDone. take_value() moves it out.
  const Value& value() const { return value_; }
  Value take_value() { return std::move(value_); }

  bool failed() const { return state_ == State::kFailed; }
  const RespError& error() const { return error_; }
  // Between values: not one byte of the next value has arrived.
  bool at_value_start() const {
    return (state_ == State::kType || state_ == State::kDone) && stack_.empty() &&
           top_attributes_.empty();
  }
  // Forgets everything (a new connection): not failed, no partial value.
  void reset();

  const RespParserLimits& limits() const { return limits_; }

 private:
  enum class State { kType, kLine, kBulk, kBulkCr, kBulkLf, kDone, kFailed };
  // An aggregate being filled.
  struct Frame {
    Value value;
    std::uint64_t remaining = 0;
    bool attribute = false;                 // a '|' map, to attach to the next value at its level
    std::vector<Value> pending_attributes;  // a finished '|' waiting for the next element
  };

  // Records the failure; returns false so that callers can `return fail(...)`.
  bool fail(RespErrorCode code, const char* reason);
  // The header line after the type byte is complete: acts on it. False after fail().
  bool on_line(std::string_view line);
  // A value is complete: adds it to the aggregate it belongs to, or finishes the top level.
  void complete(Value value);
  // Reads a length or count: "-1" gives -1 when `null_ok`; any other negative number fails.
  bool read_length(std::string_view line, bool null_ok, std::int64_t& out);
  bool start_aggregate(Type type, std::string_view line, bool attribute);

  RespParserLimits limits_;
  State state_ = State::kType;
  char type_byte_ = 0;
  std::string line_;      // a header line split between inputs; empty when read in place
  bool line_cr_ = false;  // the last byte of line_ input was CR
  Value scalar_;          // the bulk string / error / verbatim being filled
  std::uint64_t bulk_remaining_ = 0;
  std::vector<Frame> stack_;
  std::vector<Value> top_attributes_;  // a finished top-level '|' waiting for its value
  Value value_;
  RespError error_;
};

}  // namespace duplex::redis
