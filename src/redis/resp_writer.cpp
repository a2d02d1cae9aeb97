// Writing RESP (lesson 15). See resp_writer.hpp.
// @lesson 15
#include "src/redis/resp_writer.hpp"

#include <charconv>

namespace duplex::redis {

namespace {

void append_header(std::string& out, char type, std::size_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out += type;
  out.append(digits, end);
  out += "\r\n";
}

void append_bulk(std::string& out, char type, std::string_view bytes) {
  append_header(out, type, bytes.size());
  out += bytes;
  out += "\r\n";
}

// @anchor lesson15-command-array
// A command is an array of bulk strings: length-prefixed, so any byte may appear in an argument.
template <class Strings>
void append_strings(std::string& out, const Strings& args) {
  // @exercise lesson15-command-array #resp-on-the-wire
  std::size_t size = 16;
  for (const auto& arg : args) size += arg.size() + 16;
  out.reserve(out.size() + size);
  append_header(out, '*', args.size());
  for (const auto& arg : args) append_bulk(out, '$', arg);
  // @exercise end
}

void append_elements(std::string& out, char type, const std::vector<Value>& elements, bool pairs) {
  append_header(out, type, pairs ? elements.size() / 2 : elements.size());
  for (const auto& element : elements) append_value(out, element);
}

}  // namespace

void append_command(std::string& out, std::span<const std::string_view> args) {
  append_strings(out, args);
}

void append_command(std::string& out, std::span<const std::string> args) {
  append_strings(out, args);
}

std::string encode_command(std::initializer_list<std::string_view> args) {
  std::string out;
  append_strings(out, args);
  return out;
}

void append_value(std::string& out, const Value& value) {
  if (!value.attributes.empty()) append_elements(out, '|', value.attributes, true);
  switch (value.type) {
    case Type::kSimpleString:
      out += '+' + value.string + "\r\n";
      break;
    case Type::kError:
      out += '-' + value.string + "\r\n";
      break;
    case Type::kInteger:
      out += ':' + std::to_string(value.integer) + "\r\n";
      break;
    case Type::kBulkString:
      append_bulk(out, '$', value.string);
      break;
    case Type::kNull:
      out += "_\r\n";
      break;
    case Type::kArray:
      append_elements(out, '*', value.elements, false);
      break;
    case Type::kBoolean:
      out += value.boolean ? "#t\r\n" : "#f\r\n";
      break;
    case Type::kDouble: {
      out += ',';
      append_double(out, value.number);
      out += "\r\n";
      break;
    }
    case Type::kBigNumber:
      out += '(' + value.string + "\r\n";
      break;
    case Type::kBulkError:
      append_bulk(out, '!', value.string);
      break;
    case Type::kVerbatimString: {
      std::string format = value.format;
      format.resize(3, ' ');  // the spec's three bytes, whatever the caller put there
      append_bulk(out, '=', format + ':' + value.string);
      break;
    }
    case Type::kMap:
      append_elements(out, '%', value.elements, true);
      break;
    case Type::kSet:
      append_elements(out, '~', value.elements, false);
      break;
    case Type::kPush:
      append_elements(out, '>', value.elements, false);
      break;
  }
}

std::string encode_value(const Value& value) {
  std::string out;
  append_value(out, value);
  return out;
}

}  // namespace duplex::redis
