// lessons_tool: which marker syntax a file uses, and which lesson its path puts it in (issue 14).
//
// C and C++ files mark lesson blocks with preprocessor conditions on DUPLEX_LESSON, so the
// compiler checks every state. Makefiles, shell scripts and configuration files have no
// preprocessor and use comment lines (`# @if lesson >= NN`); Markdown pages use HTML comment
// lines (`<!-- @if lesson >= NN -->`). Everything else (HTML, images, data) is copied as it is.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace duplex::lessons_tool {

// The newest lesson the course has or plans (14 compression, 15 Redis): the level of the full
// tree, and the largest number a marker may name.
inline constexpr int kNewestLesson = 15;

enum class MarkerSyntax {
  kPreprocessor,  // .cpp .hpp .c .h: `#if DUPLEX_LESSON >= NN`, `// @lesson NN`
  kHashComment,   // Makefile, *.mk, *.sh, *.conf, scripts starting with #!: `# @if lesson >= NN`
  kHtmlComment,   // *.md: `<!-- @if lesson >= NN -->`, `<!-- @lesson NN -->`
  kNone,          // anything else: copied verbatim
};

// `text` is consulted only for a `#!` line, which makes an extension-less file a script.
MarkerSyntax marker_syntax_of(std::string_view path, std::string_view text);

// The text inside a whole-line HTML comment (`<!-- @else -->` gives "@else"), trimmed; nullopt
// when the line is no such comment. `unterminated` is set for a line that opens a comment
// without closing it.
std::optional<std::string_view> html_comment_text(std::string_view line, bool& unterminated);

// Tracks Markdown code fences (``` or ~~~), whose lines are shown text, never markers: the
// lessons tool's own page shows markers as examples.
class MarkdownFences {
 public:
  // True when `line` opens, closes or sits inside a fence.
  bool in_code(std::string_view line);

 private:
  char fence_ = 0;  // '`' or '~' while inside a fence
  std::size_t length_ = 0;
};

// lessons/NN-slug/... belongs to lesson NN; any other path has no lesson of its own.
std::optional<int> lesson_of_path(std::string_view path);

}  // namespace duplex::lessons_tool
