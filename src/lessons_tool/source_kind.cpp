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
  if (name.find('.') == std::string_view::npos && text.starts_with("#!")) {
    return MarkerSyntax::kHashComment;
  }
  return MarkerSyntax::kNone;
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
