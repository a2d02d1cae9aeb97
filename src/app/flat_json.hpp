// FlatJson: the small JSON subset of the chat protocol (lesson 11).
//
// A chat message is one flat JSON object whose values are all strings:
//   {"type":"say","text":"hello \u00e9"}
// That is all the demo needs, so this is all the parser accepts: no nesting, no numbers, no
// arrays, no duplicate keys. Anything else is an error with a reason, never a guess. It reads
// the grammar of RFC 8259 §4 (objects) and §7 (strings, escapes, surrogate pairs) and turns
// \uXXXX escapes into UTF-8 (RFC 3629 §3). Every limit is named, with a default.
// @lesson 11
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace duplex::app {

struct FlatJsonLimits {
  // Bytes of the whole document. The WebSocket layer bounds messages too; this bound makes
  // the parser safe on its own. Default 8 KiB.
  std::size_t max_input = 8 * 1024;
  // Members of the object. Default 16.
  std::size_t max_fields = 16;
  // Bytes of a key once unescaped. Default 32.
  std::size_t max_key = 32;
};

// The members of one flat object, in the order they came.
class FlatObject {
 public:
  // The value of `key`, or nothing when the object has no such member.
  std::optional<std::string_view> get(std::string_view key) const;
  // The value of `key`, or "" when absent.
  std::string_view value_or_empty(std::string_view key) const;
  std::size_t size() const { return fields_.size(); }
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
  void add(std::string key, std::string value) {
    fields_.emplace_back(std::move(key), std::move(value));
  }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// The parse failed: why, and at which byte offset.
struct FlatJsonError {
  std::string what;  // "expected ':' after a key"
  std::size_t offset = 0;
};

// Parses `text` (UTF-8, as a WebSocket text message guarantees). Whitespace around tokens is
// allowed (RFC 8259 §2). Returns nothing and fills `error` when `text` is not one flat object
// of string members within `limits`.
std::optional<FlatObject> parse_flat_json(std::string_view text, FlatJsonError& error,
                                          const FlatJsonLimits& limits = {});

// Builds the server's messages: flat objects of string members, escaped as RFC 8259 §7 asks.
//   FlatJsonWriter().field("type", "message").field("text", text).str()
class FlatJsonWriter {
 public:
  FlatJsonWriter& field(std::string_view key, std::string_view value);
  // `text` with '"', '\\' and control characters escaped, without the quotes.
  static void escape(std::string_view text, std::string& out);
  std::string str() const { return out_.empty() ? "{}" : out_ + "}"; }

 private:
  std::string out_;
};

}  // namespace duplex::app
