// Command-line flags shared by the lesson programs (lessons 01 and 02).
//
// Every program takes --host H and --port N. A bad flag is the user's mistake, not a crash:
// parse_flags throws UsageError, and main prints one line and exits with status 2.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace duplex::lessons {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ProgramFlags {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9000;
  std::size_t max_line = 0;  // --max-line N; 0 = not given (only line_server reads it)
};

// Parses --host H, --port N (0..65535) and, if `allow_max_line`, --max-line N (1 or more).
ProgramFlags parse_flags(int argc, char** argv, bool allow_max_line = false);

}  // namespace duplex::lessons
