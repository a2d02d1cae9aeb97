// Incremental UTF-8 validation (lesson 10). RFC 3629 §4. See utf8_validator.hpp.
// @lesson 10
#include "src/ws/utf8_validator.hpp"

#include <array>
#include <cstring>

namespace duplex::ws {

namespace {

// The byte ranges that behave alike in RFC 3629 §4's grammar:
//   UTF8-2 = %xC2-DF UTF8-tail
//   UTF8-3 = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) / %xED %x80-9F UTF8-tail / ...
//   UTF8-4 = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) / %xF4 %x80-8F 2( UTF8-tail )
enum Class : std::uint8_t {
  kAscii,   // 00-7F
  kCont80,  // 80-8F
  kCont90,  // 90-9F
  kContA0,  // A0-BF
  kNever,   // C0-C1 (only overlong forms), F5-FF (above U+10FFFF)
  kLead2,   // C2-DF
  kLeadE0,  // E0
  kLead3,   // E1-EC, EE-EF
  kLeadED,  // ED
  kLeadF0,  // F0
  kLead4,   // F1-F3
  kLeadF4,  // F4
  kClassCount
};

constexpr std::array<std::uint8_t, 256> make_classes() {
  std::array<std::uint8_t, 256> c{};
  for (int b = 0; b < 256; ++b) {
    Class k = kNever;
    if (b <= 0x7F)
      k = kAscii;
    else if (b <= 0x8F)
      k = kCont80;
    else if (b <= 0x9F)
      k = kCont90;
    else if (b <= 0xBF)
      k = kContA0;
    else if (b <= 0xC1)
      k = kNever;
    else if (b <= 0xDF)
      k = kLead2;
    else if (b == 0xE0)
      k = kLeadE0;
    else if (b == 0xED)
      k = kLeadED;
    else if (b <= 0xEF)
      k = kLead3;
    else if (b == 0xF0)
      k = kLeadF0;
    else if (b <= 0xF3)
      k = kLead4;
    else if (b == 0xF4)
      k = kLeadF4;
    c[b] = k;
  }
  return c;
}

using S = Utf8Validator::State;
constexpr int kStateCount = 9;

// @anchor lesson10-utf8-dfa
constexpr std::array<std::array<S, kClassCount>, kStateCount> make_transitions() {
  std::array<std::array<S, kClassCount>, kStateCount> t{};
  for (auto& row : t) row.fill(S::kReject);  // anything not listed below is invalid
  t[S::kAccept][kAscii] = S::kAccept;
  t[S::kAccept][kLead2] = S::kTail1;
  t[S::kAccept][kLeadE0] = S::kAfterE0;
  t[S::kAccept][kLead3] = S::kTail2;
  t[S::kAccept][kLeadED] = S::kAfterED;
  t[S::kAccept][kLeadF0] = S::kAfterF0;
  t[S::kAccept][kLead4] = S::kTail3;
  t[S::kAccept][kLeadF4] = S::kAfterF4;
  for (Class tail : {kCont80, kCont90, kContA0}) {
    t[S::kTail1][tail] = S::kAccept;
    t[S::kTail2][tail] = S::kTail1;
    t[S::kTail3][tail] = S::kTail2;
  }
  t[S::kAfterE0][kContA0] = S::kTail1;  // E0 80-9F would encode below U+0800: overlong
  t[S::kAfterED][kCont80] = S::kTail1;  // ED A0-BF would encode U+D800-U+DFFF: surrogates
  t[S::kAfterED][kCont90] = S::kTail1;
  t[S::kAfterF0][kCont90] = S::kTail2;  // F0 80-8F would encode below U+10000: overlong
  t[S::kAfterF0][kContA0] = S::kTail2;
  t[S::kAfterF4][kCont80] = S::kTail2;  // F4 90-BF would encode above U+10FFFF
  return t;
}

constexpr auto kClasses = make_classes();
constexpr auto kTransitions = make_transitions();

}  // namespace

// @anchor lesson10-utf8-feed
bool Utf8Validator::feed(std::string_view bytes) {
  // @exercise lesson10-utf8 #utf-8-as-a-state-machine
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = p + bytes.size();
  State state = state_;
  while (p < end && state != kReject) {
#if DUPLEX_LESSON >= 12
    // Lesson 12. Most text is ASCII: between code points, skip eight bytes at a time while none has
    // its top bit set. The DFA would accept each of them anyway.
    if (state == kAccept) {
      while (end - p >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        if ((word & 0x8080808080808080ULL) != 0) break;
        p += 8;
      }
      if (p == end) break;
    }
#endif
    state = kTransitions[state][kClasses[*p]];
    ++p;
  }
  state_ = state;
  return state != kReject;
  // @exercise end
}

bool is_valid_utf8(std::string_view text) {
  Utf8Validator validator;
  return validator.feed(text) && validator.complete();
}

}  // namespace duplex::ws
