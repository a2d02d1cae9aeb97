// lessons_tool::UnmarkedFiles: see unmarked_files.hpp (issue 14).
#include "src/lessons_tool/unmarked_files.hpp"

#include <charconv>

#include "src/lessons_tool/source_kind.hpp"

namespace duplex::lessons_tool {

namespace {

std::string_view trim(std::string_view s) {
  std::size_t start = s.find_first_not_of(" \t\r");
  if (start == std::string_view::npos) return {};
  std::size_t end = s.find_last_not_of(" \t\r");
  return s.substr(start, end - start + 1);
}

bool matches(const UnmarkedFiles::Entry& entry, std::string_view path) {
  return entry.path.ends_with('/') ? path.starts_with(entry.path) : path == entry.path;
}

}  // namespace

UnmarkedFiles::UnmarkedFiles(std::string_view list) : text_(list) {
  int number = 0;
  while (!list.empty()) {
    std::size_t end = list.find('\n');
    std::string_view line = trim(list.substr(0, end));
    list.remove_prefix(end == std::string_view::npos ? list.size() : end + 1);
    ++number;
    if (line.empty() || line.starts_with('#')) continue;
    int lesson = 0;
    auto [rest, ec] = std::from_chars(line.data(), line.data() + line.size(), lesson);
    std::string_view path = trim(line.substr(static_cast<std::size_t>(rest - line.data())));
    if (ec != std::errc() || rest == line.data() + line.size() || (*rest != ' ' && *rest != '\t') ||
        path.empty() || path.find_first_of(" \t") != std::string_view::npos) {
      errors_.push_back({number, "unreadable line: write `NN path` or `NN folder/`"});
    } else if (lesson < 1 || lesson > kNewestLesson) {
      errors_.push_back({number, "lesson " + std::to_string(lesson) + " is outside 1.." +
                                     std::to_string(kNewestLesson)});
    } else if (match(path) != nullptr && match(path)->path == path) {
      errors_.push_back({number, std::string(path) + " is listed twice"});
    } else {
      entries_.push_back({lesson, std::string(path), number});
    }
  }
}

const UnmarkedFiles::Entry* UnmarkedFiles::match(std::string_view path) const {
  const Entry* best = nullptr;
  for (const auto& entry : entries_) {
    if (matches(entry, path) && (best == nullptr || entry.path.size() > best->path.size()))
      best = &entry;
  }
  return best;
}

std::optional<int> UnmarkedFiles::lesson_of(std::string_view path) const {
  const Entry* entry = match(path);
  if (entry == nullptr) return std::nullopt;
  return entry->lesson;
}

std::string UnmarkedFiles::list_as_of(int level) const {
  std::string out;
  std::string_view text = text_;
  int number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end == std::string_view::npos ? text.size() : end + 1);
    text.remove_prefix(line.size());
    ++number;
    bool later = false;
    for (const auto& entry : entries_)
      later = later || (entry.line == number && entry.lesson > level);
    if (!later) out += line;
  }
  return out;
}

std::vector<MarkerError> UnmarkedFiles::check(const std::vector<std::string>& paths) const {
  std::vector<MarkerError> errors = errors_;
  for (const auto& entry : entries_) {
    bool used = false;
    for (const auto& path : paths) {
      if (!matches(entry, path)) continue;
      used = true;
      if (!entry.path.ends_with('/') && marker_syntax_of(path, "") != MarkerSyntax::kNone) {
        errors.push_back({entry.line, path + " can carry its own `@lesson` marker: mark it there"});
      }
    }
    if (!used) errors.push_back({entry.line, entry.path + " matches no file"});
  }
  return errors;
}

}  // namespace duplex::lessons_tool
