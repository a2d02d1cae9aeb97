// libFuzzer target for parse_request_target and normalize_path (lesson 04, hardened in
// lesson 13).
//
// Checked on every input: parsing never crashes or reads outside the target; a parsed
// origin-form path starts with '/', contains no "." or ".." segment, no empty segment, no NUL
// and no backslash (the traversal defences static files rely on); normalising a normalised path
// changes nothing; every error is a 400 at an offset inside the target; and the query and
// authority views point into the input.
// @lesson 04
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "src/http/parse_error.hpp"
#include "src/http/request_target.hpp"

namespace {

using duplex::http::normalize_path;
using duplex::http::parse_request_target;
using duplex::http::ParseError;
using duplex::http::RequestTarget;
using duplex::http::TargetForm;

void check(bool condition) {
  if (!condition) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void check_normalised(const std::string& path) {
  check(!path.empty() && path[0] == '/');
  check(path.find('\0') == std::string::npos);
  check(path.find('\\') == std::string::npos);
  check(path.find("//") == std::string::npos);
  std::size_t at = 1;
  while (at <= path.size()) {
    std::size_t end = path.find('/', at);
    if (end == std::string::npos) end = path.size();
    std::string_view segment(path.data() + at, end - at);
    check(segment != "." && segment != "..");
    at = end + 1;
  }
  std::string again;
  std::size_t bad_at = 0;
  // A normalised path may still hold '%' (decoded from %25); normalising it again would decode
  // once more, so the idempotence check applies to paths without '%'.
  if (path.find('%') == std::string::npos) {
    check(normalize_path(path, again, bad_at));
    check(again == path);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr std::string_view kMethods[] = {"GET", "CONNECT", "OPTIONS", "POST"};
  std::string_view method = kMethods[data[0] % 4];
  // A copy of exactly `size - 1` bytes, so AddressSanitizer sees any read past the target.
  std::string target(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string_view view(target);

  // The request-line parser rejects control bytes, spaces and DEL before the target reaches
  // parse_request_target; on such input only memory safety is checked here.
  bool visible = true;
  for (unsigned char c : target) visible = visible && c > 0x20 && c != 0x7f;

  RequestTarget out;
  ParseError error;
  bool parsed = parse_request_target(method, view, 7, out, error);
  if (!visible) return 0;
  if (parsed) {
    check(inside(out.query, view));
    check(inside(out.authority, view));
    if (out.form == TargetForm::kOrigin || out.form == TargetForm::kAbsolute) {
      check_normalised(out.path);
    }
    if (out.form == TargetForm::kAuthority) check(method == "CONNECT");
  } else {
    check(error.status == 400);
    check(error.offset >= 7 && error.offset <= 7 + view.size());
  }

  std::string normalised;
  std::size_t bad_at = 0;
  if (!view.empty() && view[0] == '/') {
    if (normalize_path(view, normalised, bad_at)) {
      check_normalised(normalised);
    } else {
      check(bad_at < view.size());
    }
  }
  return 0;
}
