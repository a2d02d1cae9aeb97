// lessons_tool::derive_file: a file of the repository as of lesson NN (issue 14).
#include "src/lessons_tool/tree_file.hpp"

#include <algorithm>

#include "src/lessons_tool/exercise_stubs.hpp"
#include "src/lessons_tool/file_lesson.hpp"
#include "src/lessons_tool/lesson_blocks.hpp"
#include "src/lessons_tool/source_kind.hpp"

namespace duplex::lessons_tool {

namespace {

void append(std::vector<MarkerError>& to, const std::vector<MarkerError>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

}  // namespace

DerivedFile derive_file(std::string_view path, std::string_view text, const TreeRequest& request) {
  DerivedFile result;
  MarkerSyntax syntax = marker_syntax_of(path, text);
  FileLesson lesson = file_lesson(path, text, syntax);
  append(result.errors, lesson.errors);
  if (syntax == MarkerSyntax::kNone && !lesson_of_path(path)) {
    lesson.lesson = request.unmarked.lesson_of(path).value_or(lesson.lesson);
  }
  if (lesson.lesson > request.level) return result;
  result.kept = true;
  if (path == kUnmarkedFilesList) {
    result.text = request.unmarked.list_as_of(request.level);
    return result;
  }
  BlockResolution blocks = resolve_lesson_blocks(text, syntax, request.level, lesson.lesson);
  append(result.errors, blocks.errors);
  result.text = std::move(blocks.text);
  if (syntax == MarkerSyntax::kPreprocessor) {
    ExerciseStubs stubs =
        stub_exercises(result.text, request.exercises ? request.level : 0, request.readmes);
    append(result.errors, stubs.errors);
    result.text = std::move(stubs.text);
    result.stubbed = std::move(stubs.stubbed);
  }
  if (path == "Makefile") {
    set_lesson_level(result.text, request.level);
    mark_derived(result.text);
  }
  return result;
}

std::vector<MarkerError> check_file(std::string_view path, std::string_view text,
                                    const std::map<int, std::string>& readmes) {
  std::vector<MarkerError> errors;
  MarkerSyntax syntax = marker_syntax_of(path, text);
  FileLesson lesson = file_lesson(path, text, syntax);
  append(errors, lesson.errors);
  // The structure does not depend on the level: the newest one reads every marker.
  append(errors, resolve_lesson_blocks(text, syntax, kNewestLesson, lesson.lesson).errors);
  if (syntax == MarkerSyntax::kPreprocessor) {
    append(errors, stub_exercises(text, 0, readmes).errors);
  }
  std::stable_sort(errors.begin(), errors.end(),
                   [](const MarkerError& a, const MarkerError& b) { return a.line < b.line; });
  return errors;
}

bool set_lesson_level(std::string& makefile, int level) {
  constexpr std::string_view kLine = "LESSON_LEVEL ?= ";
  std::size_t at = makefile.starts_with(kLine) ? 0 : makefile.find("\n" + std::string(kLine));
  if (at == std::string::npos) return false;
  if (at != 0 || !makefile.starts_with(kLine)) ++at;
  std::size_t number = at + kLine.size();
  std::size_t end = makefile.find_first_not_of("0123456789", number);
  if (end == number) return false;
  makefile.replace(number, end - number, std::to_string(level));
  return true;
}

bool mark_derived(std::string& makefile) {
  constexpr std::string_view kLine = "LESSON_MARKERS := yes\n";
  std::size_t at = makefile.starts_with(kLine) ? 0 : makefile.find("\n" + std::string(kLine));
  if (at == std::string::npos) return false;
  if (at != 0 || !makefile.starts_with(kLine)) ++at;
  makefile.replace(at, kLine.size(), "LESSON_MARKERS := no\n");
  return true;
}

std::map<int, std::string> lesson_readmes(const std::vector<std::string>& paths) {
  std::map<int, std::string> readmes;
  for (const std::string& path : paths) {
    auto lesson = lesson_of_path(path);
    if (!lesson || !path.ends_with("/README.md")) continue;
    // Only lessons/NN-slug/README.md, not a README deeper in the lesson's folder.
    if (std::count(path.begin(), path.end(), '/') == 2) readmes[*lesson] = path;
  }
  return readmes;
}

}  // namespace duplex::lessons_tool
