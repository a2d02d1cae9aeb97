// libFuzzer target for src/ws/utf8_validator.cpp (lesson 10).
//
// Invariants: the DFA agrees with a slow decoder written from RFC 3629's table, and feeding the
// text in two pieces (cut where byte 0 says) gives the same answer as feeding it whole.
// @lesson 10
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "src/ws/utf8_validator.hpp"

namespace {

bool slow_is_valid(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80             ? 1
                    : (b & 0xE0) == 0xC0 ? 2
                    : (b & 0xF0) == 0xE0 ? 3
                    : (b & 0xF8) == 0xF0 ? 4
                                         : 0;
    if (n == 0 || i + n > s.size()) return false;
    std::uint32_t cp = n == 1 ? b : b & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = cp << 6 | (c & 0x3F);
    }
    static const std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  bool valid = duplex::ws::is_valid_utf8(text);
  if (valid != slow_is_valid(text)) std::abort();
  std::size_t cut = data[0] % (text.size() + 1);
  duplex::ws::Utf8Validator split;
  bool ok = split.feed(text.substr(0, cut));
  ok = split.feed(text.substr(cut)) && ok;
  if ((ok && split.complete()) != valid) std::abort();
  return 0;
}
