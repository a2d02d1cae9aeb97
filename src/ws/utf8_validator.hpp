// Incremental UTF-8 validation (lesson 10): a small DFA over RFC 3629 §4.
//
// RFC 6455 §8.1: a text message that is not valid UTF-8 fails the connection with 1007, and an
// endpoint should notice at the first bad byte, even in the middle of a fragment. So the
// validator takes the text in pieces, keeps only its state between them (a code point may be
// split across fragments), and says "invalid" at the byte where the text stops being a prefix
// of valid UTF-8. Valid means RFC 3629 §4: no overlong forms, no surrogates (U+D800-U+DFFF), and
// nothing above U+10FFFF.
// @lesson 10
#pragma once

#include <cstdint>
#include <string_view>

namespace duplex::ws {

class Utf8Validator {
 public:
  // Feeds the next bytes. False as soon as one of them makes the text invalid, and from then on.
  bool feed(std::string_view bytes);
  // The text so far is valid and ends on a code point boundary (a whole message may end here).
  bool complete() const { return state_ == kAccept; }
  bool failed() const { return state_ == kReject; }
  void reset() { state_ = kAccept; }

  // The DFA's states; public so the tests and the lesson can name them.
  enum State : std::uint8_t {
    kAccept,   // between code points
    kReject,   // invalid; final
    kTail1,    // one more 80-BF byte expected
    kTail2,    // two more 80-BF bytes expected
    kTail3,    // three more 80-BF bytes expected
    kAfterE0,  // E0 must be followed by A0-BF (else overlong)
    kAfterED,  // ED must be followed by 80-9F (else a surrogate)
    kAfterF0,  // F0 must be followed by 90-BF (else overlong)
    kAfterF4,  // F4 must be followed by 80-8F (else above U+10FFFF)
  };

 private:
  State state_ = kAccept;
};

// Whole-text validation: valid UTF-8 that does not end inside a code point.
bool is_valid_utf8(std::string_view text);

}  // namespace duplex::ws
