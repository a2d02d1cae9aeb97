// Command-line flags shared by the lesson programs (lessons 01 and 02): see program_flags.hpp.
#include "lessons/01-sockets/program_flags.hpp"

#include <charconv>
#include <limits>
#include <string_view>

namespace duplex::lessons {

namespace {

std::size_t parse_number(std::string_view flag, std::string_view text, std::size_t max) {
  std::size_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty() || value > max) {
    throw UsageError(std::string(flag) + " wants a number up to " + std::to_string(max) +
                     ", got '" + std::string(text) + "'");
  }
  return value;
}

}  // namespace

ProgramFlags parse_flags(int argc, char** argv, bool allow_max_line) {
  ProgramFlags flags;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    bool known = flag == "--host" || flag == "--port" || (allow_max_line && flag == "--max-line");
    if (!known) throw UsageError("unknown flag '" + std::string(flag) + "'");
    if (i + 1 >= argc) throw UsageError(std::string(flag) + " needs a value");
    std::string_view value = argv[++i];
    if (flag == "--host") {
      flags.host = value;
    } else if (flag == "--port") {
      flags.port = static_cast<std::uint16_t>(parse_number(flag, value, 65535));
    } else {
      flags.max_line = parse_number(flag, value, std::numeric_limits<std::uint32_t>::max());
      if (flags.max_line == 0) throw UsageError("--max-line must be at least 1");
    }
  }
  return flags;
}

}  // namespace duplex::lessons
