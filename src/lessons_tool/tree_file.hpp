// lessons_tool::derive_file: one repository file as it stands in the tree of lesson NN (issue 14).
//
// Puts the other pieces together for one file: drop it when it belongs to a later lesson,
// resolve its lesson blocks, stub the lesson's exercises when an exercise tree is asked for, and
// give the root Makefile the tree's level (`LESSON_LEVEL ?= NN`, `LESSON_MARKERS := no`).
// `check_file` runs the same readers without a level and returns every marker error. Sans-I/O: text
// in, text out.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "src/lessons_tool/marker_error.hpp"
#include "src/lessons_tool/unmarked_files.hpp"

namespace duplex::lessons_tool {

struct TreeRequest {
  int level = 0;                       // the lesson the tree is as of
  bool exercises = false;              // stub lesson `level`'s exercises
  std::map<int, std::string> readmes;  // lesson -> lessons/NN-slug/README.md
  UnmarkedFiles unmarked;              // lessons/files-without-markers
};

struct DerivedFile {
  bool kept = false;  // false: the file first appears after the tree's lesson
  std::string text;
  std::vector<std::string> stubbed;
  std::vector<MarkerError> errors;
};

DerivedFile derive_file(std::string_view path, std::string_view text, const TreeRequest& request);

std::vector<MarkerError> check_file(std::string_view path, std::string_view text,
                                    const std::map<int, std::string>& readmes);

// The line `LESSON_LEVEL ?= <n>` of the root Makefile with <n> replaced by `level`; false when
// the Makefile has no such line.
bool set_lesson_level(std::string& makefile, int level);

// The root Makefile's line `LESSON_MARKERS := yes` made `no`: a derived tree's markers are
// resolved, so its Makefile offers no target that derives trees. False when there is no such line.
bool mark_derived(std::string& makefile);

// lessons/NN-slug/README.md for each lesson folder among `paths`.
std::map<int, std::string> lesson_readmes(const std::vector<std::string>& paths);

}  // namespace duplex::lessons_tool
