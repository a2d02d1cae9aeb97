// lessons_tool: marker syntax by file name, lesson by path (issue 14, the lessons tool).
#include "src/lessons_tool/source_kind.hpp"

#include <array>
#include <cctype>
#include <string>

namespace duplex::lessons_tool {

namespace {

bool ends_with_any(std::string_view name, const auto& suffixes) {
  for (std::string_view suffix : suffixes) {
    if (name.ends_with(suffix)) return true;
  }
  return false;
}

}  // namespace

MarkerSyntax marker_syntax_of(std::string_view path, std::string_view text) {
  std::string_view name =
      path.substr(path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1);
  static constexpr std::array<std::string_view, 5> kPreprocessed = {".cpp", ".hpp", ".c", ".h",
                                                                    ".cc"};
  static constexpr std::array<std::string_view, 6> kHashed = {".mk",   ".sh",  ".conf",
                                                              ".bash", ".yml", ".yaml"};
  if (ends_with_any(name, kPreprocessed)) return MarkerSyntax::kPreprocessor;
  if (name == "Makefile" || name == "GNUmakefile" || ends_with_any(name, kHashed)) {
    return MarkerSyntax::kHashComment;
  }
  if (name.ends_with(".md")) return MarkerSyntax::kHtmlComment;
  if (name.find('.') == std::string_view::npos && text.starts_with("#!")) {
    return MarkerSyntax::kHashComment;
  }
  return MarkerSyntax::kNone;
}

std::optional<std::string_view> html_comment_text(std::string_view line, bool& unterminated) {
  unterminated = false;
  std::size_t start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) return std::nullopt;
  line.remove_prefix(start);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
    line.remove_suffix(1);
  constexpr std::string_view kOpen = "<!--";
  constexpr std::string_view kClose = "-->";
  if (!line.starts_with(kOpen)) return std::nullopt;
  line.remove_prefix(kOpen.size());
  if (!line.ends_with(kClose)) {
    unterminated = true;
    return std::nullopt;
  }
  line.remove_suffix(kClose.size());
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())))
    line.remove_prefix(1);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
    line.remove_suffix(1);
  return line;
}

bool MarkdownFences::in_code(std::string_view line) {
  std::size_t start = line.find_first_not_of(' ');
  // CommonMark: a fence is indented by at most three spaces.
  if (start == std::string_view::npos || start > 3) return fence_ != 0;
  line.remove_prefix(start);
  char c = line.empty() ? '\0' : line[0];
  std::size_t run = 0;
  if (c == '`' || c == '~') {
    while (run < line.size() && line[run] == c) ++run;
  }
  if (fence_ == 0) {
    if (run < 3) return false;
    fence_ = c;
    length_ = run;
    return true;
  }
  // A closing fence: the same character, at least as many, nothing after but blanks.
  if (c == fence_ && run >= length_ &&
      line.substr(run).find_first_not_of(" \t\r\n") == std::string_view::npos) {
    fence_ = 0;
  }
  return true;
}

std::optional<int> lesson_of_path(std::string_view path) {
  constexpr std::string_view kLessons = "lessons/";
  if (!path.starts_with(kLessons)) return std::nullopt;
  std::string_view rest = path.substr(kLessons.size());
  // "NN-slug/": two digits, a dash, and a folder (not a file directly under lessons/).
  if (rest.size() < 4 || !std::isdigit(static_cast<unsigned char>(rest[0])) ||
      !std::isdigit(static_cast<unsigned char>(rest[1])) || rest[2] != '-' ||
      rest.find('/') == std::string_view::npos) {
    return std::nullopt;
  }
  return (rest[0] - '0') * 10 + (rest[1] - '0');
}

}  // namespace duplex::lessons_tool
