// Value: one RESP reply as a tree (lesson 15).
//
// What RespParser builds and what RespSession hands to the application: every RESP2 type
// (simple string, error, integer, bulk string, array, and their nulls) and every RESP3 type
// (null, boolean, double, big number, bulk error, verbatim string, map, set, push), with the
// RESP3 attributes that preceded it. One struct instead of a class per type: a reply is read
// once, walked once, and a tagged struct is the smallest thing that says what arrived.
// Implements the type system of the Redis serialization protocol (RESP2 and RESP3 specs).
// @lesson 15
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace duplex::redis {

enum class Type {
  kSimpleString,    // '+': `string`
  kError,           // '-': `string`, "CODE message"
  kInteger,         // ':': `integer`
  kBulkString,      // '$': `string`, binary-safe
  kNull,            // '_', and RESP2's null bulk string "$-1" and null array "*-1"
  kArray,           // '*': `elements`
  kBoolean,         // '#': `boolean`
  kDouble,          // ',': `number` (inf, -inf and nan included)
  kBigNumber,       // '(': `string`, the digits with their sign (no big-integer arithmetic here)
  kBulkError,       // '!': `string`, binary-safe
  kVerbatimString,  // '=': `format` ("txt", "mkd") and `string`
  kMap,             // '%': `elements` holds key, value, key, value ...
  kSet,             // '~': `elements`
  kPush,            // '>': `elements`, the first a string naming the kind of push
};

std::string_view to_string(Type type);

struct Value {
  Type type = Type::kNull;
  std::string string;
  std::int64_t integer = 0;
  double number = 0;
  bool boolean = false;
  std::string format;           // kVerbatimString only: three bytes
  std::vector<Value> elements;  // aggregates; a map's keys and values alternate
  // RESP3 '|': the attribute map sent right before this value (keys and values alternating),
  // auxiliary data that is not part of the reply.
  std::vector<Value> attributes;

  bool is_error() const { return type == Type::kError || type == Type::kBulkError; }
  bool is_null() const { return type == Type::kNull; }
  bool is_string() const {
    return type == Type::kSimpleString || type == Type::kBulkString ||
           type == Type::kVerbatimString;
  }
  bool is_aggregate() const {
    return type == Type::kArray || type == Type::kMap || type == Type::kSet || type == Type::kPush;
  }

  static Value simple_string(std::string_view text);
  static Value error(std::string_view text);
  static Value integer_value(std::int64_t n);
  static Value bulk_string(std::string_view bytes);
  static Value null();
  static Value array(std::vector<Value> elements);
  static Value push(std::vector<Value> elements);
};

// One line per value, for tests, traces and error messages: +OK, -ERR x, :5, "bulk" (quoted,
// with \r \n \\ \" and \xNN escapes), (nil), [a, b], {k: v}, ~[set], >[push], #t, ,1.5,
// (123 for a big number, !"bulk error", =txt:"verbatim", and |{attributes} before a value.
std::string describe(const Value& value);

// A double as RESP3 writes it (RESP3 spec, "Doubles"): "nan", "inf", "-inf", or the shortest
// decimal that reads back to the same double (std::to_chars). Shared by the writer and describe().
void append_double(std::string& out, double number);

}  // namespace duplex::redis
