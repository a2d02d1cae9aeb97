// The character classes and small grammar pieces HTTP is built from (lesson 04).
//
// RFC 9110 §5.6.2 (tokens), §5.5 (field values), §5.6.1 (comma-separated lists), §5.6.3
// (whitespace); RFC 3986 §2.1 (percent-encoding). Everything here is a pure function over
// bytes, with no locale; only percent_decode() writes (into the caller's string).
// @lesson 04
#pragma once

#if DUPLEX_LESSON >= 12
#include <array>
#endif
#include <cstddef>
#include <string>
#include <string_view>

namespace duplex::http {

#if DUPLEX_LESSON >= 12
namespace detail {
// One bit per class for each of the 256 byte values, computed at compile time: the parser asks
// these questions for every byte of every request, and a table lookup inlines to two
// instructions where a chain of comparisons would be a call and a dozen branches.
constexpr unsigned char kTchar = 1;
constexpr unsigned char kFieldValue = 2;
constexpr std::array<unsigned char, 256> make_char_classes() {
  std::array<unsigned char, 256> table{};
  for (int byte = 0; byte < 256; ++byte) {
    bool alnum = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                 (byte >= '0' && byte <= '9');
    bool tchar = alnum || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(byte)) !=
                              std::string_view::npos;
    bool field_value = byte == '\t' || (byte >= 0x20 && byte != 0x7f);
    table[static_cast<std::size_t>(byte)] =
        static_cast<unsigned char>((tchar ? kTchar : 0) | (field_value ? kFieldValue : 0));
  }
  return table;
}
inline constexpr std::array<unsigned char, 256> kCharClasses = make_char_classes();
}  // namespace detail

// RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.
constexpr bool is_tchar(char c) {
  return (detail::kCharClasses[static_cast<unsigned char>(c)] & detail::kTchar) != 0;
}

// A token is one or more tchars (method names, field names, transfer codings).
bool is_token(std::string_view text);

// RFC 9110 §5.5: field-vchar = VCHAR / obs-text; SP and HTAB may appear between them.
// Every other control byte (CR, LF and NUL above all) is refused.
constexpr bool is_field_value_char(char c) {
  return (detail::kCharClasses[static_cast<unsigned char>(c)] & detail::kFieldValue) != 0;
}

#else
// RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.
constexpr bool is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A token is one or more tchars (method names, field names, transfer codings).
bool is_token(std::string_view text);

// RFC 9110 §5.5: field-vchar = VCHAR / obs-text; SP and HTAB may appear between them.
// Every other control byte (CR, LF and NUL above all) is refused.
constexpr bool is_field_value_char(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte == '\t' || (byte >= 0x20 && byte != 0x7f);
}

#endif
// RFC 9110 §5.6.3: OWS is any run of SP and HTAB.
constexpr bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim_ows(std::string_view text);

// ASCII case-insensitive comparison: field names and tokens are case-insensitive
// (RFC 9110 §5.1, §5.6.2); the locale must not change the answer.
bool iequals(std::string_view a, std::string_view b);

// The value of one hexadecimal digit, or -1 for any other byte (chunk sizes, RFC 9112 §7.1;
// percent-encoding, RFC 3986 §2.1).
int hex_value(char c);

// How percent_decode() treats what is not a well-formed "%XX".
struct PercentDecoding {
  // application/x-www-form-urlencoded (query values): "+" means a space.
  bool plus_is_space = false;
  // A "%" without two hex digits after it is kept as it is (query values, where a browser may
  // send one) instead of failing the decode (paths, where it would hide what is meant).
  bool keep_bad_escapes = false;
  // A %00 fails the decode: a NUL would cut the result short in every C string API it reaches.
  bool refuse_nul = false;
};

// Sentinel returned by percent_decode() when every escape was accepted.
inline constexpr std::size_t kDecodedAll = static_cast<std::size_t>(-1);

// RFC 3986 §2.1: appends `raw` to `out` (cleared first) with each "%XX" decoded. Returns
// kDecodedAll, or the index in `raw` of the "%" that was refused (see PercentDecoding).
std::size_t percent_decode(std::string_view raw, std::string& out, PercentDecoding how = {});

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
