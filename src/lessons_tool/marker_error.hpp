// lessons_tool::MarkerError: one malformed lesson marker, by line (issue 14, the lessons tool).
//
// The lessons tool never guesses: a marker it cannot read stops `duplex-lessons` with
// `path:line: message`, so a tree of lesson NN is never derived from a half-understood source.
#pragma once

#include <string>

namespace duplex::lessons_tool {

struct MarkerError {
  int line = 0;  // 1-based line of the marker at fault
  std::string message;

  bool operator==(const MarkerError&) const = default;
};

}  // namespace duplex::lessons_tool
