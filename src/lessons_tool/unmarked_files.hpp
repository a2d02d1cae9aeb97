// lessons_tool::UnmarkedFiles: the lesson of files that cannot carry a marker (issue 14).
//
// Images, fuzz corpora, test data, the pages under src/www/ and configuration templates are
// served or read byte for byte, so they have no comment line for `@lesson NN`. The list
// lessons/files-without-markers names their lesson instead, one line each:
//
//   11 src/www/chat.js               one file
//   04 tests/fuzz/corpus/http_request/   every file under a folder (the path ends in `/`)
//
// `#` starts a comment line. The longest matching entry wins, so a folder can be given one lesson
// and a file in it another. A file that can carry a marker must carry it there (an entry for it
// is an error), and an entry that matches no file is an error: the list cannot rot. Sans-I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/lessons_tool/marker_error.hpp"

namespace duplex::lessons_tool {

inline constexpr std::string_view kUnmarkedFilesList = "lessons/files-without-markers";

class UnmarkedFiles {
 public:
  struct Entry {
    int lesson = 0;
    std::string path;  // a file, or a folder ending in '/'
    int line = 0;
  };

  UnmarkedFiles() = default;
  // Reads the list; malformed lines are reported in errors() and otherwise ignored.
  explicit UnmarkedFiles(std::string_view list);

  // The lesson of the longest entry matching `path`; nullopt when none does.
  std::optional<int> lesson_of(std::string_view path) const;
  // The list as the tree of lesson `level` holds it: entries of later lessons left out.
  std::string list_as_of(int level) const;
  // Entries that match none of `paths` (the repository's files), and entries naming a file that
  // has a marker syntax of its own.
  std::vector<MarkerError> check(const std::vector<std::string>& paths) const;

  const std::vector<Entry>& entries() const { return entries_; }
  const std::vector<MarkerError>& errors() const { return errors_; }

 private:
  const Entry* match(std::string_view path) const;

  std::string text_;
  std::vector<Entry> entries_;
  std::vector<MarkerError> errors_;
};

}  // namespace duplex::lessons_tool
