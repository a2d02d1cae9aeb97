// The request target: its four forms, and the path made safe to use (lesson 04).
//
// RFC 9112 §3.2: origin-form (`/a/b?q`), absolute-form (`http://host/a?q`, what proxies get),
// authority-form (`host:443`, CONNECT only) and asterisk-form (`*`, OPTIONS only).
// RFC 3986 §2.1 (percent-encoding) and §5.2.4 (remove_dot_segments): the decoded path can never
// climb above the root, whatever the encoding (`%2e%2e`, `//`, `%5c`), so a file server may join
// it to its document root.
// @lesson 04
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "src/http/parse_error.hpp"

namespace duplex::http {

enum class TargetForm { kOrigin, kAbsolute, kAuthority, kAsterisk };

struct RequestTarget {
  TargetForm form = TargetForm::kOrigin;
  std::string path;            // decoded, normalised, starts with '/'; empty for authority/asterisk
  std::string_view query;      // raw (still percent-encoded), without the '?'
  bool has_query = false;      // "/a?" has an empty query, "/a" has none
  std::string_view authority;  // absolute-form and authority-form: "host[:port]"
};

// Parses `target` for a request with `method`; `offset` is the index of the target's first byte
// in the parser's input. False (and `error`, always a 400) when the target is malformed or its
// form does not fit the method.
bool parse_request_target(std::string_view method, std::string_view target, std::size_t offset,
                          RequestTarget& out, ParseError& error);

// Percent-decodes a raw absolute path, treats a backslash as a slash, drops empty segments and
// removes dot segments without ever going above "/". Returns false and sets `bad_at` (an index
// into `raw`) on a broken %XX escape or a decoded NUL.
// Examples: "/a/%2e%2e/b" -> "/b"; "/../../etc" -> "/etc"; "//x/./y/" -> "/x/y/".
bool normalize_path(std::string_view raw, std::string& out, std::size_t& bad_at);

// RFC 3986 §3.2.2, §3.2.3: host (reg-name, IPv4 or a bracketed IP literal), optional ":" port.
// Used for the Host field too (RFC 9112 §3.2). `allow_empty` admits "" (Host may be empty).
bool is_valid_authority(std::string_view authority, bool allow_empty);

}  // namespace duplex::http
