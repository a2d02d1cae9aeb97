// The citation checker (lesson 01): prose may not drift away from the code it describes.
//
// Lessons and docs cite code by file, by file + name, or by anchor comment, never by line number
// (an idea from the xv6 book). This test reads every Markdown file of the project and proves:
//  1. every relative link points at a file or folder that exists;
//  2. a link into a source file whose text is a code span (`TcpListener::accept`) names
//     something that file really contains;
//  3. a link with a fragment into a source file (`fd.hpp#lesson01-fd`) names an anchor comment
//     `@anchor lesson01-fd` present in that file;
//  4. a path written as a code span (`src/net/fd.hpp`) exists;
//  5. no citation uses a line number (`fd.cpp:42`, `#L42`);
//  6. every anchor comment in the tree is defined exactly once.
// Every file is read as of this tree's lesson (DUPLEX_LESSON, docs/lessons-tool.md): in the
// repository, a passage or block of an earlier lesson that a later one replaces (`#else`,
// `<!-- @else -->`) is left out, as it is from tree 15; each lesson's own tree checks its own
// (CI derives and tests every one). So an anchor may stand in both branches of a lesson block.
// Suite L00_ runs with every `make test LESSON=NN`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "src/lessons_tool/file_lesson.hpp"
#include "src/lessons_tool/lesson_blocks.hpp"
#include "src/lessons_tool/source_kind.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = DUPLEX_SOURCE_DIR;

// The file as this tree's lesson has it: lesson blocks resolved, markers gone.
std::string read_file(const fs::path& path) {
  namespace lt = duplex::lessons_tool;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  std::string text = contents.str();
  std::string relative = fs::relative(path, kRoot).generic_string();
  lt::MarkerSyntax syntax = lt::marker_syntax_of(relative, text);
  int lesson = lt::file_lesson(relative, text, syntax).lesson;
  return lt::resolve_lesson_blocks(text, syntax, DUPLEX_LESSON, lesson).text;
}

bool is_source(const fs::path& path) {
  static const std::set<std::string> kSourceExtensions = {".cpp",  ".hpp", ".c",  ".h",   ".js",
                                                          ".html", ".css", ".sh", ".conf"};
  return kSourceExtensions.count(path.extension().string()) > 0 || path.filename() == "Makefile" ||
         path.filename() == "run";
}

std::vector<fs::path> files_under(const std::vector<std::string>& folders, bool markdown) {
  std::vector<fs::path> files;
  for (const auto& folder : folders) {
    if (!fs::exists(kRoot / folder)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(kRoot / folder)) {
      if (!entry.is_regular_file()) continue;
      bool md = entry.path().extension() == ".md";
      if (md == markdown && (markdown || is_source(entry.path()))) files.push_back(entry.path());
    }
  }
  return files;
}

std::vector<fs::path> markdown_files() {
  auto files = files_under({"lessons", "docs"}, true);
  files.push_back(kRoot / "README.md");
  return files;
}

// Prose outside fenced code blocks and outside double-backtick spans: examples written there
// (``[`Fd`](../../src/net/fd.hpp)``) show how to cite, they are not citations.
std::string prose_of(const std::string& markdown) {
  std::istringstream in(markdown);
  std::string line, prose;
  bool fenced = false;
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0 || line.rfind("~~~", 0) == 0) {
      fenced = !fenced;
      prose += '\n';
      continue;
    }
    if (!fenced) {
      static const std::regex kExample(R"(``.+?``)");
      prose += std::regex_replace(line, kExample, "");
    }
    prose += '\n';
  }
  return prose;
}

// Anchor name -> the files that define it.
std::map<std::string, std::vector<fs::path>> anchors_in_tree() {
  static const std::regex kAnchor(R"(@anchor ([A-Za-z0-9_.-]+))");
  std::map<std::string, std::vector<fs::path>> anchors;
  for (const auto& file : files_under({"src", "tests", "lessons", "docs"}, false)) {
    if (file.filename() == "citations_test.cpp") continue;
    std::string text = read_file(file);
    for (std::sregex_iterator it(text.begin(), text.end(), kAnchor), end; it != end; ++it) {
      anchors[(*it)[1]].push_back(file);
    }
  }
  return anchors;
}

bool contains_word(const std::string& text, const std::string& word) {
  std::size_t at = 0;
  auto is_ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  while ((at = text.find(word, at)) != std::string::npos) {
    bool starts = at == 0 || !is_ident(text[at - 1]);
    bool ends = at + word.size() == text.size() || !is_ident(text[at + word.size()]);
    if (starts && ends) return true;
    at += word.size();
  }
  return false;
}

std::string where(const fs::path& file) {
  return fs::relative(file, kRoot).string();
}

TEST(L00_Citations, EveryRelativeLinkResolves) {
  static const std::regex kLink(R"(\[([^\]]*)\]\(([^)\s]+)\))");
  for (const auto& file : markdown_files()) {
    std::string prose = prose_of(read_file(file));
    for (std::sregex_iterator it(prose.begin(), prose.end(), kLink), end; it != end; ++it) {
      std::string target = (*it)[2];
      if (target.find("://") != std::string::npos || target.rfind("mailto:", 0) == 0 ||
          target[0] == '#') {
        continue;
      }
      std::string fragment;
      if (auto hash = target.find('#'); hash != std::string::npos) {
        fragment = target.substr(hash + 1);
        target.resize(hash);
      }
      fs::path resolved = fs::weakly_canonical(file.parent_path() / target);
      EXPECT_TRUE(fs::exists(resolved)) << where(file) << ": link to missing file " << target;
      EXPECT_FALSE(std::regex_match(fragment, std::regex(R"(L\d+.*)")))
          << where(file) << ": cites a line number (" << target << "#" << fragment
          << "); cite an anchor or a function instead";
      if (!fs::is_regular_file(resolved) || !is_source(resolved)) continue;
      std::string code = read_file(resolved);
      if (!fragment.empty()) {
        EXPECT_TRUE(code.find("@anchor " + fragment) != std::string::npos)
            << where(file) << ": " << target << " has no `@anchor " << fragment << "`";
      }
      std::string text = (*it)[1];
      if (text.size() > 2 && text.front() == '`' && text.back() == '`') {
        // `duplex::net::TcpListener::accept()` -> every name in it must appear in the file.
        std::string name = text.substr(1, text.size() - 2);
        static const std::regex kIdentifier(R"([A-Za-z_][A-Za-z0-9_]*)");
        std::string head = name.substr(0, name.find_first_of("(<"));
        for (std::sregex_iterator id(head.begin(), head.end(), kIdentifier), none; id != none;
             ++id) {
          std::string word = (*id)[0];
          if (word == "duplex" || word == "net" || word == "http" || word == "ws") continue;
          EXPECT_TRUE(contains_word(code, word))
              << where(file) << ": cites `" << name << "` but " << target << " has no " << word;
        }
      }
    }
  }
}

TEST(L00_Citations, CodeSpanPathsExist) {
  static const std::regex kPath(R"(`((?:src|tests|lessons|docs)/[A-Za-z0-9_./-]+)`)");
  for (const auto& file : markdown_files()) {
    std::string prose = prose_of(read_file(file));
    for (std::sregex_iterator it(prose.begin(), prose.end(), kPath), end; it != end; ++it) {
      std::string path = (*it)[1];
      EXPECT_TRUE(fs::exists(kRoot / path)) << where(file) << ": names missing path " << path;
    }
  }
}

TEST(L00_Citations, AnchorsCitedInProseExist) {
  static const std::regex kCited(R"(@anchor ([A-Za-z0-9_.-]+))");
  auto anchors = anchors_in_tree();
  for (const auto& file : markdown_files()) {
    std::string prose = prose_of(read_file(file));
    for (std::sregex_iterator it(prose.begin(), prose.end(), kCited), end; it != end; ++it) {
      EXPECT_TRUE(anchors.count((*it)[1]) > 0)
          << where(file) << ": cites `@anchor " << (*it)[1] << "`, which no file defines";
    }
  }
}

TEST(L00_Citations, NoLineNumbers) {
  static const std::regex kLineNumber(R"(\.(cpp|hpp|h|c|md):\d+|#L\d+)");
  for (const auto& file : markdown_files()) {
    std::string prose = prose_of(read_file(file));
    std::smatch match;
    EXPECT_FALSE(std::regex_search(prose, match, kLineNumber))
        << where(file) << ": cites a line number (" << match.str(0) << ")";
  }
}

TEST(L00_Citations, EveryAnchorIsDefinedOnce) {
  for (const auto& [name, files] : anchors_in_tree()) {
    EXPECT_EQ(files.size(), 1U) << "@anchor " << name << " is defined " << files.size()
                                << " times, first in " << where(files[0]);
  }
}

}  // namespace
