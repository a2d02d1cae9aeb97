// Tests for lessons_tool::file_lesson and marker_syntax_of (issue 14, the lessons tool).
//
// The inputs are built from one string literal per line, so that this file itself holds no line
// the tool would read as a marker.
#include "src/lessons_tool/file_lesson.hpp"

#include <gtest/gtest.h>

#include "src/lessons_tool/source_kind.hpp"

namespace {

using duplex::lessons_tool::file_lesson;
using duplex::lessons_tool::lesson_of_path;
using duplex::lessons_tool::marker_syntax_of;
using duplex::lessons_tool::MarkerSyntax;

constexpr auto kCpp = MarkerSyntax::kPreprocessor;
constexpr auto kHash = MarkerSyntax::kHashComment;

TEST(L00_LessonTree, SyntaxFollowsTheFileName) {
  EXPECT_EQ(marker_syntax_of("src/net/buffer_pool.cpp", ""), kCpp);
  EXPECT_EQ(marker_syntax_of("src/net/buffer_pool.hpp", ""), kCpp);
  EXPECT_EQ(marker_syntax_of("Makefile", ""), kHash);
  EXPECT_EQ(marker_syntax_of("tests/lessons_tool/lessons.mk", ""), kHash);
  EXPECT_EQ(marker_syntax_of("docs/deploy/nginx.conf", ""), kHash);
  EXPECT_EQ(marker_syntax_of("tests/bench/run", "#!/bin/bash\n"), kHash);
  EXPECT_EQ(marker_syntax_of("tests/bench/expected", "plain data\n"), MarkerSyntax::kNone);
  EXPECT_EQ(marker_syntax_of("lessons/09-frames/README.md", "#!not a script\n"),
            MarkerSyntax::kHtmlComment);
  EXPECT_EQ(marker_syntax_of("docs/ws.md", ""), MarkerSyntax::kHtmlComment);
  EXPECT_EQ(marker_syntax_of("src/www/index.html", ""), MarkerSyntax::kNone);
}

TEST(L00_LessonTree, LessonFoldersGiveTheirNumber) {
  EXPECT_EQ(lesson_of_path("lessons/09-frames/README.md"), 9);
  EXPECT_EQ(lesson_of_path("lessons/13-under-attack/x/y.cpp"), 13);
  EXPECT_EQ(lesson_of_path("lessons/README.md"), std::nullopt);
  EXPECT_EQ(lesson_of_path("lessons/9-frames/README.md"), std::nullopt);
  EXPECT_EQ(lesson_of_path("src/lessons/09-frames/a.cpp"), std::nullopt);
}

TEST(L00_LessonTree, FileMarkerInTheOpeningComment) {
  std::string pool =
      "// BufferPool: blocks reused across reads (lesson 12).\n"
      "//\n"
      "// @lesson 12\n"
      "#pragma once\n";
  auto marked = file_lesson("src/net/buffer_pool.hpp", pool, kCpp);
  EXPECT_EQ(marked.lesson, 12);
  EXPECT_TRUE(marked.errors.empty());

  auto unmarked = file_lesson("src/net/fd.hpp", "// Fd (lesson 01).\n#pragma once\n", kCpp);
  EXPECT_EQ(unmarked.lesson, 1);

  std::string script =
      "#!/bin/bash\n"
      "# @lesson 11: the nginx configs\n"
      "echo\n";
  EXPECT_EQ(file_lesson("tests/e2e/setup", script, kHash).lesson, 11);
  EXPECT_EQ(file_lesson("lessons/05-message-bodies/bodies_main.cpp", "int x;\n", kCpp).lesson, 5);
}

TEST(L00_LessonTree, MisplacedOrWrongFileMarkersAreErrors) {
  auto late = file_lesson("src/a.cpp",
                          "// A (lesson 01).\n"
                          "int x;\n"
                          "// @lesson 12\n",
                          kCpp);
  ASSERT_EQ(late.errors.size(), 1U);
  EXPECT_EQ(late.errors[0].line, 3);
  EXPECT_EQ(late.errors[0].message, "`@lesson` marker outside the file's opening comment");
  EXPECT_EQ(late.lesson, 1);

  auto twice = file_lesson("src/a.cpp", "// @lesson 3\n// @lesson 4\n", kCpp);
  ASSERT_EQ(twice.errors.size(), 1U);
  EXPECT_EQ(twice.errors[0].message, "second `@lesson` marker in one file");

  auto range = file_lesson("src/a.cpp", "// @lesson 16\n", kCpp);
  ASSERT_EQ(range.errors.size(), 1U);
  EXPECT_EQ(range.errors[0].message, "lesson 16 is outside 1..15");

  auto unreadable = file_lesson("src/a.cpp", "// @lesson twelve\n", kCpp);
  ASSERT_EQ(unreadable.errors.size(), 1U);
  EXPECT_EQ(unreadable.errors[0].message, "unreadable `@lesson` marker: write `// @lesson NN`");

  auto folder = file_lesson("lessons/05-message-bodies/a.cpp", "// @lesson 6\n", kCpp);
  ASSERT_EQ(folder.errors.size(), 1U);
  EXPECT_EQ(folder.errors[0].message, "`@lesson 6` disagrees with the folder of lesson 5");
  EXPECT_EQ(folder.lesson, 5);
}

TEST(L00_LessonTree, WordsThatOnlyStartLikeAMarkerAreProse) {
  auto prose = file_lesson("src/a.cpp", "// @lessons are numbered\n// see @lesson 3\n", kCpp);
  EXPECT_TRUE(prose.errors.empty());
  EXPECT_EQ(prose.lesson, 1);
}

TEST(L00_LessonTree, PageMarkerOnTheFirstLines) {
  constexpr auto kMd = MarkerSyntax::kHtmlComment;
  EXPECT_EQ(file_lesson("docs/deflate.md", "<!-- @lesson 14 -->\n# DEFLATE\n", kMd).lesson, 14);
  std::string after_title =
      "# Redis\n"
      "\n"
      "<!-- a note for editors -->\n"
      "<!-- @lesson 15: the connector -->\n"
      "Prose.\n";
  auto redis = file_lesson("docs/redis.md", after_title, kMd);
  EXPECT_EQ(redis.lesson, 15);
  EXPECT_TRUE(redis.errors.empty());
  EXPECT_EQ(file_lesson("docs/net.md", "# Net\nProse.\n", kMd).lesson, 1);
  EXPECT_EQ(file_lesson("lessons/09-frames/README.md", "# Frames\n", kMd).lesson, 9);

  auto late = file_lesson("docs/a.md", "# A\nProse.\n<!-- @lesson 12 -->\n", kMd);
  ASSERT_EQ(late.errors.size(), 1U);
  EXPECT_EQ(late.errors[0].line, 3);
  EXPECT_EQ(late.errors[0].message, "`@lesson` marker outside the page's opening lines");
  EXPECT_EQ(late.lesson, 1);

  auto unreadable = file_lesson("docs/a.md", "<!-- @lesson twelve -->\n", kMd);
  ASSERT_EQ(unreadable.errors.size(), 1U);
  EXPECT_EQ(unreadable.errors[0].message,
            "unreadable `@lesson` marker: write `<!-- @lesson NN -->`");
  auto unclosed = file_lesson("docs/a.md", "<!-- @lesson 12\n", kMd);
  ASSERT_EQ(unclosed.errors.size(), 1U);
  EXPECT_EQ(unclosed.errors[0].message, unreadable.errors[0].message);

  auto twice = file_lesson("docs/a.md", "<!-- @lesson 3 -->\n<!-- @lesson 4 -->\n", kMd);
  ASSERT_EQ(twice.errors.size(), 1U);
  EXPECT_EQ(twice.errors[0].message, "second `@lesson` marker in one file");
  auto range = file_lesson("docs/a.md", "<!-- @lesson 16 -->\n", kMd);
  ASSERT_EQ(range.errors.size(), 1U);
  EXPECT_EQ(range.errors[0].message, "lesson 16 is outside 1..15");
  auto folder = file_lesson("lessons/01-sockets/README.md", "<!-- @lesson 3 -->\n", kMd);
  ASSERT_EQ(folder.errors.size(), 1U);
  EXPECT_EQ(folder.errors[0].message, "`@lesson 3` disagrees with the folder of lesson 1");

  // A page about the notation shows the marker in a code fence.
  std::string shown =
      "# Notation\n"
      "```markdown\n"
      "<!-- @lesson 12 -->\n"
      "```\n";
  auto example = file_lesson("docs/lessons-tool.md", shown, kMd);
  EXPECT_TRUE(example.errors.empty());
  EXPECT_EQ(example.lesson, 1);
}

}  // namespace
