// duplex-lessons: derive the tree of one lesson from the marked source tree (issue 14).
//
// The I/O around src/lessons_tool/: reads the repository's file list (one path per line on
// stdin, as `git ls-files` prints it), reads those files from the current directory, and
//
//   duplex-lessons tree NN OUT_DIR      writes the project as of lesson NN into OUT_DIR
//   duplex-lessons exercise NN OUT_DIR  the same, with lesson NN's exercises stubbed
//   duplex-lessons files NN             prints the listed files that exist in lesson NN's tree
//   duplex-lessons exercises NN         prints `path name` for each exercise of lesson NN
//   duplex-lessons check                validates every lesson marker (path:line: message)
//
// A file is rewritten only when its text changes, so a rebuilt tree keeps its build up to date;
// files that left the tree are removed, OUT_DIR/build/ is never touched. Nothing is written when
// a marker is wrong. The notation is in docs/lessons-tool.md. Exit status 0, 1 on marker errors,
// 2 on a usage or file-system error.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "src/lessons_tool/source_kind.hpp"
#include "src/lessons_tool/tree_file.hpp"

namespace {

namespace fs = std::filesystem;
namespace lt = duplex::lessons_tool;

constexpr std::string_view kUsage =
    "usage: git ls-files | duplex-lessons tree|exercise NN OUT_DIR\n"
    "       git ls-files | duplex-lessons files|exercises NN\n"
    "       git ls-files | duplex-lessons check\n";

std::optional<int> parse_lesson(std::string_view text) {
  int lesson = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), lesson);
  if (ec != std::errc() || end != text.data() + text.size() || lesson < 1 ||
      lesson > lt::kNewestLesson) {
    return std::nullopt;
  }
  return lesson;
}

std::optional<std::string> read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> listed_files() {
  std::vector<std::string> paths;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    // Only regular files: a path git lists may be deleted in the working copy.
    if (fs::is_regular_file(line)) paths.push_back(line);
  }
  return paths;
}

struct Source {
  std::string path;
  std::string text;
};

void print_errors(const std::string& path, const std::vector<lt::MarkerError>& errors) {
  for (const auto& error : errors)
    std::cerr << path << ':' << error.line << ": " << error.message << '\n';
}

int check(const std::vector<Source>& sources, const lt::TreeRequest& request) {
  std::size_t count = 0;
  std::vector<std::string> paths;
  for (const auto& source : sources) {
    auto errors = lt::check_file(source.path, source.text, request.readmes);
    print_errors(source.path, errors);
    count += errors.size();
    paths.push_back(source.path);
  }
  auto list_errors = request.unmarked.check(paths);
  print_errors(std::string(lt::kUnmarkedFilesList), list_errors);
  count += list_errors.size();
  std::cerr << "duplex-lessons check: " << sources.size() << " files, " << count
            << (count == 1 ? " marker error\n" : " marker errors\n");
  return count == 0 ? 0 : 1;
}

// Writes `text` to `path` unless it already holds exactly that, and gives it `mode`.
void write_if_changed(const fs::path& path, const std::string& text, fs::perms mode) {
  if (auto old = read_whole(path); !old || *old != text) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush())
      throw fs::filesystem_error("cannot write", path, std::make_error_code(std::errc::io_error));
  }
  fs::permissions(path, mode);
}

void remove_stale(const fs::path& out, const std::set<fs::path>& written) {
  std::vector<fs::path> stale;
  for (auto it = fs::recursive_directory_iterator(out); it != fs::recursive_directory_iterator();
       ++it) {
    if (it.depth() == 0 && it->path().filename() == "build") {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_directory() && written.count(it->path()) == 0) stale.push_back(it->path());
  }
  for (const auto& path : stale) fs::remove(path);
}

int derive(const std::vector<Source>& sources, const lt::TreeRequest& request,
           const fs::path& out) {
  std::vector<std::pair<const Source*, lt::DerivedFile>> derived;
  print_errors(std::string(lt::kUnmarkedFilesList), request.unmarked.errors());
  std::size_t errors = request.unmarked.errors().size();
  for (const auto& source : sources) {
    auto file = lt::derive_file(source.path, source.text, request);
    print_errors(source.path, file.errors);
    errors += file.errors.size();
    derived.emplace_back(&source, std::move(file));
  }
  if (errors > 0) {
    std::cerr << "duplex-lessons: " << errors << " marker errors, nothing written\n";
    return 1;
  }
  std::set<fs::path> written;
  std::size_t kept = 0;
  std::vector<std::string> stubbed;
  for (const auto& [source, file] : derived) {
    if (!file.kept) continue;
    ++kept;
    fs::path target = out / source->path;
    write_if_changed(target, file.text, fs::status(source->path).permissions());
    written.insert(target);
    stubbed.insert(stubbed.end(), file.stubbed.begin(), file.stubbed.end());
  }
  remove_stale(out, written);
  std::printf("%s of lesson %02d: %zu files (%zu of later lessons left out) in %s\n",
              request.exercises ? "exercise tree" : "tree", request.level, kept,
              sources.size() - kept, out.string().c_str());
  if (request.exercises) {
    if (stubbed.empty()) std::printf("lesson %02d has no exercises marked yet\n", request.level);
    for (const auto& name : stubbed) std::printf("  exercise %s: stubbed\n", name.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  std::string_view command = args[0];
  bool with_out = command == "tree" || command == "exercise";
  bool listing = command == "files" || command == "exercises";
  std::size_t expected = with_out ? 3 : listing ? 2 : command == "check" ? 1 : 0;
  if (expected == 0 || args.size() != expected) {
    std::cerr << kUsage;
    return 2;
  }
  std::optional<int> lesson;
  if (expected >= 2 && !(lesson = parse_lesson(args[1]))) {
    std::cerr << "duplex-lessons: the lesson must be a number from 1 to " << lt::kNewestLesson
              << ", not " << args[1] << '\n';
    return 2;
  }
  try {
    std::vector<std::string> paths = listed_files();
    lt::TreeRequest request{lesson.value_or(lt::kNewestLesson),
                            command == "exercise" || command == "exercises",
                            lt::lesson_readmes(paths), lt::UnmarkedFiles()};
    if (std::find(paths.begin(), paths.end(), lt::kUnmarkedFilesList) != paths.end()) {
      auto list = read_whole(std::string(lt::kUnmarkedFilesList));
      if (!list) {
        std::cerr << "duplex-lessons: cannot read " << lt::kUnmarkedFilesList << '\n';
        return 2;
      }
      request.unmarked = lt::UnmarkedFiles(*list);
    }
    if (command == "files") {
      for (const auto& path : paths) {
        auto text = read_whole(path);
        if (text && lt::derive_file(path, *text, request).kept) std::printf("%s\n", path.c_str());
      }
      return 0;
    }
    if (command == "exercises") {
      for (const auto& path : paths) {
        auto text = read_whole(path);
        if (!text) continue;
        for (const auto& name : lt::derive_file(path, *text, request).stubbed)
          std::printf("%s %s\n", path.c_str(), name.c_str());
      }
      return 0;
    }
    std::vector<Source> sources;
    for (auto& path : paths) {
      auto text = read_whole(path);
      if (!text) {
        std::cerr << "duplex-lessons: cannot read " << path << '\n';
        return 2;
      }
      sources.push_back({std::move(path), std::move(*text)});
    }
    if (command == "check") return check(sources, request);
    fs::path out = args[2];
    if (fs::exists(out) && fs::equivalent(out, ".")) {
      std::cerr << "duplex-lessons: OUT_DIR must not be the source tree\n";
      return 2;
    }
    return derive(sources, request, out);
  } catch (const std::exception& error) {
    std::cerr << "duplex-lessons: " << error.what() << '\n';
    return 2;
  }
}
