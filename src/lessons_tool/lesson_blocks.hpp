// lessons_tool::resolve_lesson_blocks: a source file as of lesson NN (issue 14, the lessons tool).
//
// A block that lesson NN adds or replaces is marked, in C++, with the preprocessor:
//
//     #if DUPLEX_LESSON >= 12     // lesson 12: one call for a frame already whole
//       ...fast path...
//     #else
//       ...plain path (lessons 09-11)...
//     #endif
//
// The only lesson conditions are `DUPLEX_LESSON >= NN` and `DUPLEX_LESSON < NN` on `#if`, and
// `DUPLEX_LESSON >= MM` on `#elif`; blocks nest. Every other `#if`/`#ifdef` is foreign: it is kept
// as written (and may contain lesson blocks). Makefiles and scripts write the same with comment
// lines: `# @if lesson >= NN`, `# @elif lesson >= MM`, `# @else`, `# @endif`; Markdown pages
// the same inside whole-line HTML comments (`<!-- @if lesson >= NN -->`), which a rendered page
// does not show. Lines inside a Markdown code fence are never markers.
//
// Resolving keeps the lines of the branch lesson NN takes and drops the directive lines, so the
// learner reads clean code. The same pass validates: numbers in 1..15, balance, and no branch
// that is always or never taken where it stands (inside a file of lesson 12, `>= 9` is always
// true; after `#if >= 9`, `#elif >= 12` is never reached).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "src/lessons_tool/marker_error.hpp"
#include "src/lessons_tool/source_kind.hpp"

namespace duplex::lessons_tool {

struct BlockResolution {
  std::string text;                 // the file as of the level asked for
  std::vector<MarkerError> errors;  // empty when every marker was understood
};

// `file_lesson` is the lesson the whole file belongs to: blocks inside may only name later ones.
BlockResolution resolve_lesson_blocks(std::string_view text, MarkerSyntax syntax, int level,
                                      int file_lesson = 1);

}  // namespace duplex::lessons_tool
