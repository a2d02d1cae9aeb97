// FlatJson (lesson 11): a bounded parser and a writer for flat objects of strings. RFC 8259 §2,
// §4, §7; RFC 3629 §3 for the UTF-8 of \u escapes. See flat_json.hpp.
// @lesson 11
#include "src/app/flat_json.hpp"

#include <cstdint>

namespace duplex::app {

std::optional<std::string_view> FlatObject::get(std::string_view key) const {
  for (const auto& [name, value] : fields_) {
    if (name == key) return std::string_view(value);
  }
  return std::nullopt;
}

std::string_view FlatObject::value_or_empty(std::string_view key) const {
  return get(key).value_or(std::string_view());
}

namespace {

class Parser {
 public:
  Parser(std::string_view text, FlatJsonError& error) : text_(text), error_(error) {}

  // @anchor lesson11-flat-json
  // object = ws "{" ws [ member *( ws "," ws member ) ] ws "}" ws, every value a string.
  std::optional<FlatObject> object(const FlatJsonLimits& limits) {
    FlatObject result;
    skip_space();
    if (!expect('{', "expected '{': a message is one JSON object")) return std::nullopt;
    skip_space();
    if (peek() == '}') {
      ++at_;
    } else {
      for (;;) {
        if (result.size() == limits.max_fields) {
          return fail("more than " + std::to_string(limits.max_fields) + " fields");
        }
        skip_space();
        std::size_t key_at = at_;
        if (peek() != '"') return fail("expected '\"': keys are strings");
        auto key = string();
        if (!key) return std::nullopt;
        if (key->size() > limits.max_key) {
          return fail_at(key_at, "key longer than " + std::to_string(limits.max_key) + " bytes");
        }
        // RFC 8259 §4 leaves duplicate names to the receiver; two values for "text" would
        // let two readers of one message disagree, so they are refused.
        if (result.get(*key)) return fail_at(key_at, "duplicate key \"" + *key + "\"");
        skip_space();
        if (!expect(':', "expected ':' after a key")) return std::nullopt;
        skip_space();
        if (peek() != '"') return fail("expected a string value (only strings are accepted)");
        auto value = string();
        if (!value) return std::nullopt;
        result.add(std::move(*key), std::move(*value));
        skip_space();
        if (peek() == ',') {
          ++at_;
          continue;
        }
        if (!expect('}', "expected ',' or '}' after a value")) return std::nullopt;
        break;
      }
    }
    skip_space();
    if (at_ != text_.size()) return fail("unexpected bytes after the object");
    return result;
  }

 private:
  // -1 at the end of the input: every read goes through here, so none goes past the end.
  int peek() const { return at_ < text_.size() ? static_cast<unsigned char>(text_[at_]) : -1; }
  void skip_space() {
    // RFC 8259 §2: the four insignificant whitespace characters.
    while (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r') ++at_;
  }
  bool expect(char c, const char* what) {
    if (peek() != c) {
      fail(what);
      return false;
    }
    ++at_;
    return true;
  }
  std::nullopt_t fail(std::string what) { return fail_at(at_, std::move(what)); }
  std::nullopt_t fail_at(std::size_t offset, std::string what) {
    error_.what = std::move(what);
    error_.offset = offset;
    return std::nullopt;
  }

  // Four hex digits after "\u".
  std::optional<std::uint32_t> hex4() {
    if (text_.size() - at_ < 4) return fail("\\u needs four hex digits");
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      int c = peek();
      int digit = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
      if (digit < 0) return fail("\\u needs four hex digits");
      value = value * 16 + static_cast<std::uint32_t>(digit);
      ++at_;
    }
    return value;
  }

  static void append_utf8(std::uint32_t code_point, std::string& out) {
    if (code_point < 0x80) {
      out += static_cast<char>(code_point);
    } else if (code_point < 0x800) {
      out += static_cast<char>(0xC0 | (code_point >> 6));
      out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else if (code_point < 0x10000) {
      out += static_cast<char>(0xE0 | (code_point >> 12));
      out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code_point >> 18));
      out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code_point & 0x3F));
    }
  }

  // A string token, at_ on its opening quote.
  std::optional<std::string> string() {
    ++at_;
    std::string out;
    for (;;) {
      int c = peek();
      if (c < 0) return fail("unterminated string");
      if (c == '"') {
        ++at_;
        return out;
      }
      // RFC 8259 §7: control characters must be escaped inside strings.
      if (c < 0x20) return fail("control character in a string (escape it)");
      if (c != '\\') {
        out += static_cast<char>(c);
        ++at_;
        continue;
      }
      ++at_;
      int e = peek();
      if (e < 0) return fail("unterminated string");
      ++at_;
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          auto unit = hex4();
          if (!unit) return std::nullopt;
          std::uint32_t code_point = *unit;
          // RFC 8259 §7: a character outside the BMP is a UTF-16 surrogate pair. A lone
          // surrogate has no UTF-8 form (RFC 3629 §3), so it is refused.
          if (code_point >= 0xDC00 && code_point <= 0xDFFF) {
            return fail("lone low surrogate in \\u escape");
          }
          if (code_point >= 0xD800 && code_point <= 0xDBFF) {
            if (peek() != '\\' || at_ + 1 >= text_.size() || text_[at_ + 1] != 'u') {
              return fail("high surrogate without its low surrogate");
            }
            at_ += 2;
            auto low = hex4();
            if (!low) return std::nullopt;
            if (*low < 0xDC00 || *low > 0xDFFF)
              return fail("high surrogate without its low surrogate");
            code_point = 0x10000 + ((code_point - 0xD800) << 10) + (*low - 0xDC00);
          }
          append_utf8(code_point, out);
          break;
        }
        default:
          return fail_at(at_ - 1, "unknown escape in a string");
      }
    }
  }

  std::string_view text_;
  FlatJsonError& error_;
  std::size_t at_ = 0;
};

}  // namespace

std::optional<FlatObject> parse_flat_json(std::string_view text, FlatJsonError& error,
                                          const FlatJsonLimits& limits) {
  if (text.size() > limits.max_input) {
    error = {"message longer than " + std::to_string(limits.max_input) + " bytes", 0};
    return std::nullopt;
  }
  return Parser(text, error).object(limits);
}

FlatJsonWriter& FlatJsonWriter::field(std::string_view key, std::string_view value) {
  out_ += out_.empty() ? "{\"" : ",\"";
  escape(key, out_);
  out_ += "\":\"";
  escape(value, out_);
  out_ += '"';
  return *this;
}

void FlatJsonWriter::escape(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (byte < 0x20 || byte == 0x7F) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    } else {
      out += c;
    }
  }
}

}  // namespace duplex::app
