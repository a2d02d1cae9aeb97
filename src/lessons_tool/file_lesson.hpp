// lessons_tool::file_lesson: the lesson a whole file first appears in (issue 14, the lessons tool).
//
// A file under lessons/NN-slug/ belongs to lesson NN by its path. Any other file that first
// appears in lesson NN says so with a line `// @lesson NN` (`# @lesson NN` in a Makefile or
// script) in its opening comment block; a Markdown page says `<!-- @lesson NN -->` on its first
// lines (before its first line of prose). A file with neither belongs to lesson 01.
#pragma once

#include <string_view>
#include <vector>

#include "src/lessons_tool/marker_error.hpp"
#include "src/lessons_tool/source_kind.hpp"

namespace duplex::lessons_tool {

struct FileLesson {
  int lesson = 1;
  std::vector<MarkerError> errors;  // a misplaced, repeated or out-of-range `@lesson` line
};

FileLesson file_lesson(std::string_view path, std::string_view text, MarkerSyntax syntax);

}  // namespace duplex::lessons_tool
