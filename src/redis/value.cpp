// Value: one RESP reply as a tree (lesson 15). See value.hpp.
// @lesson 15
#include "src/redis/value.hpp"

#include <charconv>
#include <cmath>

namespace duplex::redis {

std::string_view to_string(Type type) {
  switch (type) {
    case Type::kSimpleString:
      return "simple string";
    case Type::kError:
      return "error";
    case Type::kInteger:
      return "integer";
    case Type::kBulkString:
      return "bulk string";
    case Type::kNull:
      return "null";
    case Type::kArray:
      return "array";
    case Type::kBoolean:
      return "boolean";
    case Type::kDouble:
      return "double";
    case Type::kBigNumber:
      return "big number";
    case Type::kBulkError:
      return "bulk error";
    case Type::kVerbatimString:
      return "verbatim string";
    case Type::kMap:
      return "map";
    case Type::kSet:
      return "set";
    case Type::kPush:
      return "push";
  }
  return "unknown";
}

Value Value::simple_string(std::string_view text) {
  Value value;
  value.type = Type::kSimpleString;
  value.string = text;
  return value;
}

Value Value::error(std::string_view text) {
  Value value;
  value.type = Type::kError;
  value.string = text;
  return value;
}

Value Value::integer_value(std::int64_t n) {
  Value value;
  value.type = Type::kInteger;
  value.integer = n;
  return value;
}

Value Value::bulk_string(std::string_view bytes) {
  Value value;
  value.type = Type::kBulkString;
  value.string = bytes;
  return value;
}

Value Value::null() {
  return Value{};
}

Value Value::array(std::vector<Value> elements) {
  Value value;
  value.type = Type::kArray;
  value.elements = std::move(elements);
  return value;
}

Value Value::push(std::vector<Value> elements) {
  Value value;
  value.type = Type::kPush;
  value.elements = std::move(elements);
  return value;
}

namespace {

void quote(std::string& out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (byte < 0x20 || byte >= 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

void describe_list(std::string& out, const std::vector<Value>& elements, char open, char close,
                   bool pairs);

void describe_into(std::string& out, const Value& value) {
  if (!value.attributes.empty()) {
    out += '|';
    describe_list(out, value.attributes, '{', '}', true);
    out += ' ';
  }
  switch (value.type) {
    case Type::kSimpleString:
      out += '+' + value.string;
      break;
    case Type::kError:
      out += '-' + value.string;
      break;
    case Type::kInteger:
      out += ':' + std::to_string(value.integer);
      break;
    case Type::kBulkString:
      quote(out, value.string);
      break;
    case Type::kNull:
      out += "(nil)";
      break;
    case Type::kArray:
      describe_list(out, value.elements, '[', ']', false);
      break;
    case Type::kBoolean:
      out += value.boolean ? "#t" : "#f";
      break;
    case Type::kDouble: {
      out += ',';
      append_double(out, value.number);
      break;
    }
    case Type::kBigNumber:
      out += '(' + value.string;
      break;
    case Type::kBulkError:
      out += '!';
      quote(out, value.string);
      break;
    case Type::kVerbatimString:
      out += '=' + value.format + ':';
      quote(out, value.string);
      break;
    case Type::kMap:
      describe_list(out, value.elements, '{', '}', true);
      break;
    case Type::kSet:
      out += '~';
      describe_list(out, value.elements, '[', ']', false);
      break;
    case Type::kPush:
      out += '>';
      describe_list(out, value.elements, '[', ']', false);
      break;
  }
}

void describe_list(std::string& out, const std::vector<Value>& elements, char open, char close,
                   bool pairs) {
  out += open;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out += pairs && i % 2 == 1 ? ": " : ", ";
    describe_into(out, elements[i]);
  }
  out += close;
}

}  // namespace

void append_double(std::string& out, double number) {
  if (std::isnan(number)) {
    out += "nan";
  } else if (std::isinf(number)) {
    out += number < 0 ? "-inf" : "inf";
  } else {
    char digits[64];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, number);
    out.append(digits, end);
  }
}

std::string describe(const Value& value) {
  std::string out;
  describe_into(out, value);
  return out;
}

}  // namespace duplex::redis
