// The character classes and small grammar pieces HTTP is built from (lesson 04).
//
// RFC 9110 §5.6.2 (tokens), §5.5 (field values), §5.6.1 (comma-separated lists), §5.6.3
// (whitespace). Everything here is a pure function over bytes: no allocation, no locale.
#pragma once

#include <cstddef>
#include <string_view>

namespace duplex::http {

// RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.
bool is_tchar(char c);

// A token is one or more tchars (method names, field names, transfer codings).
bool is_token(std::string_view text);

// RFC 9110 §5.5: field-vchar = VCHAR / obs-text; SP and HTAB may appear between them.
// Every other control byte (CR, LF and NUL above all) is refused.
bool is_field_value_char(char c);

// RFC 9110 §5.6.3: OWS is any run of SP and HTAB.
constexpr bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim_ows(std::string_view text);

// ASCII case-insensitive comparison: field names and tokens are case-insensitive
// (RFC 9110 §5.1, §5.6.2); the locale must not change the answer.
bool iequals(std::string_view a, std::string_view b);

// RFC 9110 §5.6.1: calls `visit(element)` for each non-empty element of a comma-separated list,
// OWS trimmed. Empty elements ("a, , b") are skipped, as a recipient must accept them.
template <typename Visit>
void for_each_list_element(std::string_view list, Visit&& visit) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view element = trim_ows(list.substr(0, comma));
    if (!element.empty()) visit(element);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace duplex::http
