// The request target: its four forms, and the path made safe to use (lesson 04).
// See request_target.hpp.
// @lesson 04
#include "src/http/request_target.hpp"

#include <algorithm>
#if DUPLEX_LESSON >= 12
#include <array>
#endif
#include <vector>

#include "src/http/syntax.hpp"

namespace duplex::http {

namespace {

constexpr bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// RFC 3986 §2.3 unreserved and §2.2 sub-delims.
constexpr bool is_unreserved(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
constexpr bool is_sub_delim(char c) {
  switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
      return true;
    default:
      return false;
  }
}

// RFC 3986 §3.3 pchar (percent-encoding checked later), plus "/" and "?" which separate
// segments and start the query (§3.4).
constexpr bool is_path_or_query_char(char c) {
  return is_unreserved(c) || is_sub_delim(c) || c == ':' || c == '@' || c == '%' || c == '/' ||
         c == '?';
}

#if DUPLEX_LESSON >= 12
// Lesson 12: every byte of a target and of Host is checked against one of two classes; as a
// table computed at compile time from the rules above, each check is one lookup instead of a
// chain of comparisons.
constexpr unsigned char kTargetChar = 1;   // is_path_or_query_char
constexpr unsigned char kRegNameChar = 2;  // reg-name: unreserved, sub-delims, pct-encoded
constexpr std::array<unsigned char, 256> kUriClasses = [] {
  std::array<unsigned char, 256> table{};
  for (int byte = 0; byte < 256; ++byte) {
    char c = static_cast<char>(byte);
    bool reg_name = is_unreserved(c) || is_sub_delim(c) || c == '%';
    table[static_cast<std::size_t>(byte)] = static_cast<unsigned char>(
        (is_path_or_query_char(c) ? kTargetChar : 0) | (reg_name ? kRegNameChar : 0));
  }
  return table;
}();
constexpr bool in_class(char c, unsigned char uri_class) {
  return (kUriClasses[static_cast<unsigned char>(c)] & uri_class) != 0;
}
#endif

}  // namespace

bool is_valid_authority(std::string_view authority, bool allow_empty) {
  if (authority.empty()) return allow_empty;
  std::string_view host = authority;
  std::string_view port;
  if (authority.front() == '[') {
    // RFC 3986 §3.2.2: IP-literal = "[" ( IPv6address / IPvFuture ) "]".
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : authority.substr(1, close - 1)) {
      if (!(is_unreserved(c) || is_sub_delim(c) || c == ':')) return false;
    }
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    host = authority.substr(0, close + 1);
    port = rest.empty() ? rest : rest.substr(1);
    if (!rest.empty() && port.empty()) return false;
  } else {
    std::size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) return false;
    }
    if (host.empty()) return false;
    // reg-name = *( unreserved / pct-encoded / sub-delims ). "@" (userinfo) is refused:
    // RFC 9110 §4.2.4 forbids userinfo in http(s) URIs.
    for (char c : host) {
#if DUPLEX_LESSON >= 12
      if (!in_class(c, kRegNameChar)) return false;
#else
      if (!(is_unreserved(c) || is_sub_delim(c) || c == '%')) return false;
#endif
    }
  }
  if (port.size() > 5) return false;
  for (char c : port) {
    if (!is_digit(c)) return false;
  }
  return true;
}

#if DUPLEX_LESSON >= 12
namespace {

// @anchor lesson12-plain-path
// A path with no escape, no backslash, no empty segment and no segment starting with a dot is
// already what the steps of normalize_path() would make of it, so it is copied as it is. That
// is nearly every request ("/hello.txt", "/app/main.js"); a dot file or a "%20" takes the
// full walk, which then decides (and refuses what it must).
bool is_plain_path(std::string_view raw) {
  if (raw.empty() || raw.front() != '/') return false;
  char previous = '/';
  for (std::size_t i = 1; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%' || c == '\\' || (previous == '/' && (c == '/' || c == '.'))) return false;
    previous = c;
  }
  return true;
}

}  // namespace

#endif
// @anchor lesson04-normalize-path
bool normalize_path(std::string_view raw, std::string& out, std::size_t& bad_at) {
#if DUPLEX_LESSON >= 12
  if (is_plain_path(raw)) {
    out.assign(raw);
    return true;
  }
#endif
  // 1. Percent-decode first (RFC 3986 §2.1), so that "%2e%2e" is seen as the ".." it means.
  // A malformed escape is refused, and so is %00: a NUL would cut the path short in every C
  // string API a file server calls.
  std::string decoded;
  if (std::size_t bad = percent_decode(raw, decoded, {.refuse_nul = true}); bad != kDecodedAll) {
    bad_at = bad;
    return false;
  }
  // 2. A backslash is a separator on some file systems and to some proxies; treating it as
  // "/" here means "..\" climbs no further than "../" would.
  std::replace(decoded.begin(), decoded.end(), '\\', '/');
  // 3. Walk the segments (RFC 3986 §5.2.4): "." is dropped, ".." drops the segment before it
  // but never goes above the root, and empty segments ("//") are dropped too. The kept
  // segments are written straight into `out` ("/a/b"), so ".." is a cut back to the last "/".
  out.clear();
  std::string_view view = decoded;
  std::string_view segment;
  for (std::size_t start = 0;;) {
    std::size_t slash = view.find('/', start);
    segment = view.substr(start, slash - start);
    if (segment == "..") {
      std::size_t last = out.rfind('/');
      out.resize(last == std::string::npos ? 0 : last);
    } else if (!segment.empty() && segment != ".") {
      out += '/';
      out += segment;
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  // "/a/", "/a/." and "/a/b/.." name a directory: the result keeps its trailing slash.
  bool trailing_slash = segment.empty() || segment == "." || segment == "..";
  if (out.empty() || trailing_slash) out += '/';
  return true;
}

// @anchor lesson04-request-target
bool parse_request_target(std::string_view method, std::string_view target, std::size_t offset,
                          RequestTarget& out, ParseError& error) {
  auto fail = [&](std::string_view reason, std::size_t at) {
    error = {400, reason, offset + at};
    return false;
  };
  out = RequestTarget{};
  if (target.empty()) return fail("empty request target", 0);

  // RFC 9112 §3.2.3: CONNECT, and only CONNECT, uses authority-form: "host:port".
  if (method == "CONNECT") {
    out.form = TargetForm::kAuthority;
    out.authority = target;
    std::size_t colon = target.rfind(':');
    if (colon == std::string_view::npos || !is_valid_authority(target, false) ||
        (target.front() == '[' && target.find("]:") == std::string_view::npos)) {
      return fail("CONNECT needs an authority-form target (host:port)", 0);
    }
    return true;
  }
  // RFC 9112 §3.2.4: "*" is only for a server-wide OPTIONS.
  if (target == "*") {
    if (method != "OPTIONS") return fail("asterisk-form is only for OPTIONS", 0);
    out.form = TargetForm::kAsterisk;
    return true;
  }

  std::size_t path_at = 0;
  if (target.front() == '/') {
    out.form = TargetForm::kOrigin;  // RFC 9112 §3.2.1
  } else {
    // RFC 9112 §3.2.2: absolute-form, absolute-URI = scheme ":" hier-part [ "?" query ].
    // Duplex accepts the hierarchical "scheme://authority/path" shape http and https use.
    std::size_t i = 0;
    while (i < target.size() &&
           (is_alpha(target[i]) || (i > 0 && (is_digit(target[i]) || target[i] == '+' ||
                                              target[i] == '-' || target[i] == '.')))) {
      ++i;
    }
    if (i == 0 || target.substr(i, 3) != "://") {
      return fail("request target is not origin-form or absolute-form", 0);
    }
    std::size_t authority_at = i + 3;
    std::size_t authority_end = target.find_first_of("/?", authority_at);
    if (authority_end == std::string_view::npos) authority_end = target.size();
    out.authority = target.substr(authority_at, authority_end - authority_at);
    if (!is_valid_authority(out.authority, false)) {
      return fail("invalid authority in absolute-form target", authority_at);
    }
    out.form = TargetForm::kAbsolute;
    path_at = authority_end;
  }

  for (std::size_t i = path_at; i < target.size(); ++i) {
#if DUPLEX_LESSON >= 12
    if (!in_class(target[i], kTargetChar)) return fail("invalid character in request target", i);
#else
    if (!is_path_or_query_char(target[i])) return fail("invalid character in request target", i);
#endif
  }
  std::size_t question = target.find('?', path_at);
  std::string_view raw_path = target.substr(path_at, question - path_at);
  if (question != std::string_view::npos) {
    out.has_query = true;
    out.query = target.substr(question + 1);
  }
  std::size_t bad_at = 0;
  if (!normalize_path(raw_path.empty() ? "/" : raw_path, out.path, bad_at)) {
    return fail("invalid percent-encoding in path", path_at + bad_at);
  }
  return true;
}

}  // namespace duplex::http
