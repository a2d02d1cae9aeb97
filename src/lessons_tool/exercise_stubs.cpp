// lessons_tool::stub_exercises: replace marked bodies by a throwing stub (issue 14).
#include "src/lessons_tool/exercise_stubs.hpp"

#include <cctype>
#include <optional>

namespace duplex::lessons_tool {

namespace {

struct Marker {
  bool end = false;
  std::string name;     // lessonNN-topic
  std::string section;  // "#heading" or empty
  int lesson = 0;
  bool malformed = false;
};

std::optional<Marker> parse_marker(std::string_view line) {
  std::size_t start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) return std::nullopt;
  line.remove_prefix(start);
  constexpr std::string_view kLeader = "// @exercise";
  if (!line.starts_with(kLeader)) return std::nullopt;
  line.remove_prefix(kLeader.size());
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
    line.remove_suffix(1);
  Marker marker;
  if (line == " end") {
    marker.end = true;
    return marker;
  }
  if (!line.starts_with(' ')) return std::nullopt;  // "@exercises", another word
  line.remove_prefix(1);
  std::size_t space = line.find(' ');
  std::string_view name = line.substr(0, space);
  std::string_view section = space == std::string_view::npos ? "" : line.substr(space + 1);
  // lessonNN-topic: the same shape as an anchor name.
  bool shaped = name.size() > 9 && name.starts_with("lesson") &&
                std::isdigit(static_cast<unsigned char>(name[6])) &&
                std::isdigit(static_cast<unsigned char>(name[7])) && name[8] == '-';
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') shaped = false;
  }
  if (!shaped || (!section.empty() &&
                  (!section.starts_with('#') || section.find(' ') != std::string_view::npos))) {
    marker.malformed = true;
    return marker;
  }
  marker.name = name;
  marker.section = section;
  marker.lesson = (name[6] - '0') * 10 + (name[7] - '0');
  return marker;
}

bool is_include(std::string_view line) {
  return line.starts_with("#include");
}

}  // namespace

ExerciseStubs stub_exercises(std::string_view text, int stub_lesson,
                             const std::map<int, std::string>& readmes) {
  ExerciseStubs result;
  std::optional<Marker> open;
  int open_line = 0;
  bool stubbing = false;
  std::size_t last_include_end = std::string::npos;  // where in the output the includes end
  int number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::size_t length = end == std::string_view::npos ? text.size() : end + 1;
    std::string_view line = text.substr(0, length);
    text.remove_prefix(length);
    ++number;
    std::optional<Marker> marker = parse_marker(line);
    if (!marker) {
      if (!stubbing) result.text += line;
      if (!open && is_include(line)) last_include_end = result.text.size();
      continue;
    }
    if (marker->malformed) {
      result.errors.push_back({number,
                               "unreadable exercise marker: write `// @exercise "
                               "lessonNN-name [#section]` or `// @exercise end`"});
      continue;
    }
    if (marker->end) {
      if (!open) result.errors.push_back({number, "`@exercise end` without an open exercise"});
      open.reset();
      stubbing = false;
      continue;
    }
    if (open) {
      result.errors.push_back({number, "exercise " + marker->name + " starts inside exercise " +
                                           open->name + " (line " + std::to_string(open_line) +
                                           ")"});
      continue;
    }
    open = marker;
    open_line = number;
    auto readme = readmes.find(marker->lesson);
    if (readme == readmes.end()) {
      result.errors.push_back({number, "exercise " + marker->name + " names lesson " +
                                           std::to_string(marker->lesson) +
                                           ", which has no lessons/NN-slug/README.md"});
      continue;
    }
    if (marker->lesson != stub_lesson) continue;
    stubbing = true;
    result.stubbed.push_back(marker->name);
    std::string indent(line.substr(0, line.find_first_not_of(" \t")));
    result.text += indent + "throw duplex::Exercise(\"" + marker->name + "\", \"" + readme->second +
                   marker->section + "\");\n";
  }
  if (open) {
    result.errors.push_back({open_line, "exercise " + open->name + " has no `// @exercise end`"});
  }
  if (!result.stubbed.empty()) {
    // A stub leaves its parameters (and helpers only the body used) unused; the tree must still
    // build with warnings as errors.
    std::string preamble =
        "#include \"src/exercise.hpp\"\n"
        "#pragma GCC diagnostic ignored \"-Wunused-parameter\"\n"
        "#pragma GCC diagnostic ignored \"-Wunused-function\"\n";
    std::size_t at = last_include_end == std::string::npos ? 0 : last_include_end;
    result.text.insert(at, preamble);
  }
  return result;
}

}  // namespace duplex::lessons_tool
