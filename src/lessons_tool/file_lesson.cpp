// lessons_tool::file_lesson: read `@lesson NN` from a file's opening comment (issue 14).
#include "src/lessons_tool/file_lesson.hpp"

#include <cctype>
#include <charconv>
#include <optional>
#include <string>

namespace duplex::lessons_tool {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// "@lesson 12" or "@lesson 12: why" after the comment leader; nullopt when the line is no marker.
std::optional<int> marker_number(std::string_view line, std::string_view leader, bool& malformed) {
  line = trim(line);
  if (!line.starts_with(leader)) return std::nullopt;
  line = trim(line.substr(leader.size()));
  constexpr std::string_view kMarker = "@lesson";
  if (!line.starts_with(kMarker)) return std::nullopt;
  line.remove_prefix(kMarker.size());
  if (!line.empty() && line[0] != ' ') return std::nullopt;  // "@lessons", another word
  line = trim(line);
  int number = 0;
  auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), number);
  std::string_view note = line.substr(static_cast<std::size_t>(end - line.data()));
  if (ec != std::errc() || (!note.empty() && note[0] != ':' && note[0] != ' ')) {
    malformed = true;
    return std::nullopt;
  }
  return number;
}

// Checks a marker's number and records it; `by_path` is 0 outside lessons/NN-slug/.
void record(FileLesson& result, std::optional<int>& marked, int lesson, int by_path, int number,
            bool opening, std::string_view where) {
  if (!opening) {
    result.errors.push_back({number, "`@lesson` marker outside the " + std::string(where)});
  } else if (marked) {
    result.errors.push_back({number, "second `@lesson` marker in one file"});
  } else if (lesson < 1 || lesson > kNewestLesson) {
    result.errors.push_back({number, "lesson " + std::to_string(lesson) + " is outside 1.." +
                                         std::to_string(kNewestLesson)});
  } else if (by_path != 0 && lesson != by_path) {
    result.errors.push_back({number, "`@lesson " + std::to_string(lesson) +
                                         "` disagrees with the folder of lesson " +
                                         std::to_string(by_path)});
  } else {
    marked = lesson;
    result.lesson = lesson;
  }
}

// A Markdown page: `<!-- @lesson NN -->` among its first lines, that is before the first line of
// prose (blank lines, headings and other HTML comments may come first). Code fences are skipped.
FileLesson markdown_lesson(FileLesson result, std::string_view text, int by_path) {
  MarkdownFences fences;
  bool opening = true;
  std::optional<int> marked;
  int number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    if (fences.in_code(line)) {
      opening = false;
      continue;
    }
    bool unterminated = false;
    std::optional<std::string_view> inner = html_comment_text(line, unterminated);
    std::string_view trimmed = trim(line);
    if (!inner) {
      if (unterminated && trim(trimmed.substr(4)).starts_with("@lesson")) {
        result.errors.push_back(
            {number, "unreadable `@lesson` marker: write `<!-- @lesson NN -->`"});
      } else if (!trimmed.empty() && !trimmed.starts_with('#')) {
        opening = false;
      }
      continue;
    }
    bool malformed = false;
    std::optional<int> lesson = marker_number(*inner, "", malformed);
    if (malformed) {
      result.errors.push_back({number, "unreadable `@lesson` marker: write `<!-- @lesson NN -->`"});
    } else if (lesson) {
      record(result, marked, *lesson, by_path, number, opening, "page's opening lines");
    }
  }
  return result;
}

}  // namespace

FileLesson file_lesson(std::string_view path, std::string_view text, MarkerSyntax syntax) {
  FileLesson result;
  // 0: the file is not under lessons/NN-*. (A plain int: GCC's -O2 code for comparing an
  // optional reads its payload before its flag, which valgrind reports as uninitialised.)
  const int by_path = lesson_of_path(path).value_or(0);
  if (by_path != 0) result.lesson = by_path;
  if (syntax == MarkerSyntax::kNone) return result;

  if (syntax == MarkerSyntax::kHtmlComment)
    return markdown_lesson(std::move(result), text, by_path);
  std::string_view leader = syntax == MarkerSyntax::kPreprocessor ? "//" : "#";
  bool opening = true;  // still in the opening comment block
  std::optional<int> marked;
  int number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    std::string_view trimmed = trim(line);
    if (opening && !trimmed.empty() && !trimmed.starts_with(leader)) opening = false;
    bool malformed = false;
    std::optional<int> lesson = marker_number(line, leader, malformed);
    if (malformed) {
      result.errors.push_back(
          {number, "unreadable `@lesson` marker: write `" + std::string(leader) + " @lesson NN`"});
      continue;
    }
    if (!lesson) continue;
    record(result, marked, *lesson, by_path, number, opening, "file's opening comment");
  }
  return result;
}

}  // namespace duplex::lessons_tool
