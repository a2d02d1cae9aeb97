// Tests for lessons_tool::UnmarkedFiles: the lesson of files that cannot carry a marker (issue 14).
#include "src/lessons_tool/unmarked_files.hpp"

#include <gtest/gtest.h>

#include "src/lessons_tool/tree_file.hpp"

namespace {

using duplex::lessons_tool::derive_file;
using duplex::lessons_tool::MarkerError;
using duplex::lessons_tool::TreeRequest;
using duplex::lessons_tool::UnmarkedFiles;

const std::string kList =
    "# a comment\n"
    "\n"
    "11 src/www/\n"
    "06 src/www/index.html\n"
    "04 tests/fuzz/corpus/http_request/\n"
    "14 tests/deflate/data/\n";

TEST(L00_LessonTree, UnmarkedFilesTakeTheLongestMatchingEntry) {
  UnmarkedFiles list(kList);
  EXPECT_TRUE(list.errors().empty());
  EXPECT_EQ(list.lesson_of("src/www/index.html"), 6);
  EXPECT_EQ(list.lesson_of("src/www/chat.js"), 11);
  EXPECT_EQ(list.lesson_of("tests/fuzz/corpus/http_request/get"), 4);
  // A folder entry matches below the folder only, and a file entry only that file.
  EXPECT_EQ(list.lesson_of("tests/fuzz/corpus/http_request_target/get"), std::nullopt);
  EXPECT_EQ(list.lesson_of("src/www/index.html.bak"), 11);
  EXPECT_EQ(list.lesson_of("docs/net.md"), std::nullopt);
}

TEST(L00_LessonTree, UnmarkedFilesRejectUnreadableLines) {
  UnmarkedFiles list(
      "11\n"
      "x src/www/a.js\n"
      "16 src/www/b.js\n"
      "0 src/www/c.js\n"
      "07 two words\n"
      "07src/www/d.js\n"
      "07 src/www/e.js\n"
      "08 src/www/e.js\n");
  std::vector<int> lines;
  for (const auto& error : list.errors()) lines.push_back(error.line);
  EXPECT_EQ(lines, (std::vector<int>{1, 2, 3, 4, 5, 6, 8}));
  EXPECT_NE(list.errors().back().message.find("listed twice"), std::string::npos);
  EXPECT_EQ(list.lesson_of("src/www/e.js"), 7);
}

TEST(L00_LessonTree, UnmarkedFilesCheckThatEveryEntryIsUsedAndNeeded) {
  UnmarkedFiles list(
      "06 src/www/index.html\n"
      "07 src/www/gone.html\n"
      "12 src/net/buffer_pool.hpp\n"
      "14 tests/deflate/data/\n");
  auto errors =
      list.check({"src/www/index.html", "src/net/buffer_pool.hpp", "tests/deflate/data/a"});
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].line, 2);
  EXPECT_NE(errors[0].message.find("matches no file"), std::string::npos);
  EXPECT_EQ(errors[1].line, 3);
  EXPECT_NE(errors[1].message.find("mark it there"), std::string::npos);
}

TEST(L00_LessonTree, ATreeHoldsTheListAsOfItsLesson) {
  UnmarkedFiles list(kList);
  EXPECT_EQ(list.list_as_of(6),
            "# a comment\n"
            "\n"
            "06 src/www/index.html\n"
            "04 tests/fuzz/corpus/http_request/\n");
  EXPECT_EQ(list.list_as_of(15), kList);
}

TEST(L00_LessonTree, DeriveFileUsesTheListForFilesWithoutMarkers) {
  TreeRequest request{6, false, {}, UnmarkedFiles(kList)};
  EXPECT_TRUE(derive_file("src/www/index.html", "<html>", request).kept);
  EXPECT_FALSE(derive_file("src/www/chat.js", "let x;", request).kept);
  // A file with a marker syntax of its own is read by its own marker, never by the list.
  EXPECT_TRUE(derive_file("src/www/server.cpp", "int x;\n", request).kept);
  auto list = derive_file("lessons/files-without-markers", kList, request);
  EXPECT_TRUE(list.kept);
  EXPECT_EQ(list.text, UnmarkedFiles(kList).list_as_of(6));
}

}  // namespace
