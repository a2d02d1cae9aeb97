// Tests for lessons_tool::resolve_lesson_blocks (issue 14, the lessons tool; suite L00_ because
// every lesson tree is derived with it).
//
// The inputs are built from one string literal per line, so that this file itself holds no line
// the tool would read as a marker.
#include "src/lessons_tool/lesson_blocks.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/guarded_buffer.hpp"

namespace {

using duplex::lessons_tool::BlockResolution;
using duplex::lessons_tool::MarkerError;
using duplex::lessons_tool::MarkerSyntax;
using duplex::lessons_tool::resolve_lesson_blocks;

constexpr auto kCpp = MarkerSyntax::kPreprocessor;
constexpr auto kHash = MarkerSyntax::kHashComment;
constexpr auto kMd = MarkerSyntax::kHtmlComment;

std::string at(std::string_view text, int level, MarkerSyntax syntax = kCpp, int file_lesson = 1) {
  BlockResolution result = resolve_lesson_blocks(text, syntax, level, file_lesson);
  EXPECT_TRUE(result.errors.empty()) << "first error, line " << result.errors.front().line << ": "
                                     << result.errors.front().message;
  return result.text;
}

std::vector<MarkerError> errors_of(std::string_view text, MarkerSyntax syntax = kCpp,
                                   int file_lesson = 1) {
  return resolve_lesson_blocks(text, syntax, 15, file_lesson).errors;
}

// The message of the only error, prefixed by its line: "3: ...".
std::string only_error(std::string_view text, MarkerSyntax syntax = kCpp, int file_lesson = 1) {
  auto errors = errors_of(text, syntax, file_lesson);
  if (errors.size() != 1) return "expected one error, got " + std::to_string(errors.size());
  return std::to_string(errors[0].line) + ": " + errors[0].message;
}

const std::string kFastPath =
    "int parse() {\n"
    "#if DUPLEX_LESSON >= 12     // lesson 12: one call for a frame already whole\n"
    "  return fast();\n"
    "#else\n"
    "  return plain();\n"
    "#endif\n"
    "}\n";

TEST(L00_LessonTree, KeepsTheBranchOfTheLevelAndDropsTheDirectives) {
  EXPECT_EQ(at(kFastPath, 11), "int parse() {\n  return plain();\n}\n");
  EXPECT_EQ(at(kFastPath, 12), "int parse() {\n  return fast();\n}\n");
  EXPECT_EQ(at(kFastPath, 15), "int parse() {\n  return fast();\n}\n");
}

TEST(L00_LessonTree, LessThanKeepsTheOldCodeUntilTheLesson) {
  std::string text =
      "a\n"
      "#if DUPLEX_LESSON < 13\n"
      "old\n"
      "#endif\n"
      "b\n";
  EXPECT_EQ(at(text, 12), "a\nold\nb\n");
  EXPECT_EQ(at(text, 13), "a\nb\n");
}

TEST(L00_LessonTree, NestedBlocks) {
  std::string text =
      "#if DUPLEX_LESSON >= 9\n"
      "frames\n"
      "  #if DUPLEX_LESSON >= 12\n"
      "whole\n"
      "  #else\n"
      "plain\n"
      "  #endif\n"
      "#endif\n"
      "end\n";
  EXPECT_EQ(at(text, 8), "end\n");
  EXPECT_EQ(at(text, 9), "frames\nplain\nend\n");
  EXPECT_EQ(at(text, 12), "frames\nwhole\nend\n");
}

TEST(L00_LessonTree, ElifTakesTheFirstBranchThatHolds) {
  std::string text =
      "#if DUPLEX_LESSON >= 12\n"
      "pooled\n"
      "#elif DUPLEX_LESSON >= 9\n"
      "framed\n"
      "#else\n"
      "raw\n"
      "#endif\n";
  EXPECT_EQ(at(text, 5), "raw\n");
  EXPECT_EQ(at(text, 9), "framed\n");
  EXPECT_EQ(at(text, 11), "framed\n");
  EXPECT_EQ(at(text, 12), "pooled\n");
}

TEST(L00_LessonTree, ForeignConditionalsStayAndMayHoldLessonBlocks) {
  std::string text =
      "#ifdef __linux__\n"
      "#if DUPLEX_LESSON >= 13\n"
      "splice\n"
      "#endif\n"
      "#elif defined(__APPLE__)\n"
      "kqueue\n"
      "#else\n"
      "#error unsupported\n"
      "#endif\n"
      "#if !defined(NDEBUG) // a comment\n"
      "debug\n"
      "#endif\n";
  EXPECT_EQ(at(text, 12),
            "#ifdef __linux__\n#elif defined(__APPLE__)\nkqueue\n#else\n#error unsupported\n"
            "#endif\n#if !defined(NDEBUG) // a comment\ndebug\n#endif\n");
  EXPECT_EQ(
      at(text, 13),
      "#ifdef __linux__\nsplice\n#elif defined(__APPLE__)\nkqueue\n#else\n#error unsupported\n"
      "#endif\n#if !defined(NDEBUG) // a comment\ndebug\n#endif\n");
}

TEST(L00_LessonTree, ForeignConditionalInsideADroppedBranchGoesWithIt) {
  std::string text =
      "#if DUPLEX_LESSON >= 12\n"
      "#ifdef MSG_ZEROCOPY\n"
      "zerocopy\n"
      "#else\n"
      "copy\n"
      "#endif\n"
      "#endif\n"
      "tail\n";
  EXPECT_EQ(at(text, 11), "tail\n");
  EXPECT_EQ(at(text, 12), "#ifdef MSG_ZEROCOPY\nzerocopy\n#else\ncopy\n#endif\ntail\n");
}

TEST(L00_LessonTree, UnbalancedMarkersAreNamedWithTheirLine) {
  EXPECT_EQ(only_error("x\n#if DUPLEX_LESSON >= 4\ny\n"),
            "2: lesson block has no matching end marker");
  EXPECT_EQ(only_error("x\n#endif\n"), "2: `endif` without an open block");
  EXPECT_EQ(only_error("#else\n"), "1: `else` without an open block");
  EXPECT_EQ(only_error("\n#elif DUPLEX_LESSON >= 3\n"), "2: `elif` without an open block");
  EXPECT_EQ(only_error("#if DUPLEX_LESSON >= 4\n#else\n#else\n#endif\n"),
            "3: second `else` in the block opened at line 1");
}

TEST(L00_LessonTree, NumbersOutsideTheCourseAreRefused) {
  EXPECT_EQ(only_error("#if DUPLEX_LESSON >= 16\n#endif\n"), "1: lesson 16 is outside 1..15");
  EXPECT_EQ(only_error("#if DUPLEX_LESSON < 0\n#endif\n"), "1: lesson 0 is outside 1..15");
}

TEST(L00_LessonTree, OtherTestsOfTheLevelAreRefused) {
  // Only two forms exist so that every block reads the same way and the tool never guesses.
  for (std::string line : {"#if DUPLEX_LESSON == 12", "#if DUPLEX_LESSON > 12",
                           "#if DUPLEX_LESSON >= 12 && defined(X)", "#ifdef DUPLEX_LESSON",
                           "#if defined(DUPLEX_LESSON)", "#if DUPLEX_LESSON <= 3"}) {
    auto errors = errors_of(line + "\n#endif\n");
    ASSERT_EQ(errors.size(), 1U) << line;
    EXPECT_EQ(errors[0].line, 1) << line;
    EXPECT_NE(errors[0].message.find("unsupported lesson condition"), std::string::npos) << line;
  }
}

TEST(L00_LessonTree, BranchesThatCanNeverOrAlwaysBeTakenAreErrors) {
  // After `>= 9`, `>= 12` is unreachable: the chain must count down.
  EXPECT_EQ(only_error("#if DUPLEX_LESSON >= 9\n#elif DUPLEX_LESSON >= 12\n#endif\n"),
            "2: `>= 12` is never true here (reached only in lessons 1..8)");
  EXPECT_EQ(only_error("#if DUPLEX_LESSON >= 12\n#if DUPLEX_LESSON >= 9\n#endif\n#endif\n"),
            "2: `>= 9` is always true here (reached only in lessons 12..15)");
  EXPECT_EQ(only_error("#if DUPLEX_LESSON >= 1\n#endif\n"),
            "1: `>= 1` is always true here (reached only in lessons 1..15)");
  EXPECT_EQ(only_error("#if DUPLEX_LESSON < 5\n#elif DUPLEX_LESSON >= 3\n#endif\n"),
            "2: `>= 3` is always true here (reached only in lessons 5..15)");
}

TEST(L00_LessonTree, AFileOfALaterLessonCannotHoldAnEarlierBlock) {
  std::string text = "#if DUPLEX_LESSON >= 9\nx\n#endif\n";
  EXPECT_EQ(only_error(text, kCpp, 12),
            "1: `>= 9` is always true here (reached only in lessons 12..15)");
  EXPECT_TRUE(errors_of(text, kCpp, 5).empty());
}

TEST(L00_LessonTree, ElifMustBeALessonTestOnALessonBlockAndOnlyThere) {
  EXPECT_EQ(only_error("#if DUPLEX_LESSON >= 9\n#elif defined(X)\n#endif\n"),
            "2: the `elif` of a lesson block must test `>= NN` (block opened at line 1)");
  EXPECT_EQ(only_error("#if DUPLEX_LESSON >= 9\n#elif DUPLEX_LESSON < 3\n#endif\n"),
            "2: the `elif` of a lesson block must test `>= NN` (block opened at line 1)");
  EXPECT_EQ(only_error("#ifdef X\n#elif DUPLEX_LESSON >= 3\n#endif\n"),
            "2: a lesson `elif` cannot continue the foreign #if of line 1");
  EXPECT_EQ(only_error("#if DUPLEX_LESSON >= 9\n#else\n#elif DUPLEX_LESSON >= 3\n#endif\n"),
            "3: `elif` after `else`");
}

TEST(L00_LessonTree, MakefileMarkersAreCommentLines) {
  std::string text =
      "LIB_SRCS := net http\n"
      "# @if lesson >= 12: the buffer pool's own folder\n"
      "LIB_SRCS += pool\n"
      "# @elif lesson >= 6\n"
      "LIB_SRCS += plain\n"
      "# @else\n"
      "LIB_SRCS += none\n"
      "# @endif\n"
      "ifeq ($(CI),true)\n"
      "# @see lesson 13: not a lesson marker\n"
      "endif\n";
  EXPECT_EQ(at(text, 3, kHash),
            "LIB_SRCS := net http\nLIB_SRCS += none\nifeq ($(CI),true)\n"
            "# @see lesson 13: not a lesson marker\nendif\n");
  EXPECT_EQ(at(text, 6, kHash),
            "LIB_SRCS := net http\nLIB_SRCS += plain\nifeq ($(CI),true)\n"
            "# @see lesson 13: not a lesson marker\nendif\n");
  EXPECT_EQ(at(text, 12, kHash),
            "LIB_SRCS := net http\nLIB_SRCS += pool\nifeq ($(CI),true)\n"
            "# @see lesson 13: not a lesson marker\nendif\n");
}

TEST(L00_LessonTree, MakefileMarkerErrors) {
  EXPECT_EQ(only_error("# @if lesson == 3\n# @endif\n", kHash),
            "1: unsupported lesson marker: use `# @if lesson >= NN`, `# @if lesson < NN`, "
            "`# @elif lesson >= NN`, `# @else` or `# @endif`");
  EXPECT_EQ(only_error("# @if lesson >= 3\nx\n", kHash),
            "1: lesson block has no matching end marker");
  // The preprocessor's own directives mean nothing to a Makefile (they are comments there).
  EXPECT_EQ(at("#if DUPLEX_LESSON >= 3\n", 1, kHash), "#if DUPLEX_LESSON >= 3\n");
}

const std::string kPage =
    "# Duplex\n"
    "Run the server:\n"
    "<!-- @if lesson >= 6: the HTTP server exists -->\n"
    "    make run   # the HTTP server\n"
    "<!-- @elif lesson >= 3 -->\n"
    "    make run   # the echo server\n"
    "<!-- @else -->\n"
    "    build/lessons/01-sockets/echo\n"
    "<!-- @endif -->\n"
    "<!-- a comment that is no marker -->\n"
    "<!-- @note not a lesson marker -->\n"
    "The end.\n";

TEST(L00_LessonTree, MarkdownMarkersAreHtmlCommentLines) {
  const std::string tail =
      "<!-- a comment that is no marker -->\n<!-- @note not a lesson marker -->\nThe end.\n";
  EXPECT_EQ(at(kPage, 1, kMd),
            "# Duplex\nRun the server:\n    build/lessons/01-sockets/echo\n" + tail);
  EXPECT_EQ(at(kPage, 5, kMd),
            "# Duplex\nRun the server:\n    make run   # the echo server\n" + tail);
  EXPECT_EQ(at(kPage, 15, kMd),
            "# Duplex\nRun the server:\n    make run   # the HTTP server\n" + tail);
  // Blank space inside the comment is free; the rendered page never shows the markers.
  EXPECT_EQ(at("<!--@if lesson < 4-->\nold\n<!--   @endif   -->\n", 3, kMd), "old\n");
  EXPECT_EQ(at("<!--@if lesson < 4-->\nold\n<!--   @endif   -->\n", 4, kMd), "");
}

TEST(L00_LessonTree, MarkdownMarkerErrorsAreTheSameAsElsewhere) {
  EXPECT_EQ(only_error("<!-- @if lesson == 3 -->\n<!-- @endif -->\n", kMd),
            "1: unsupported lesson marker: use `<!-- @if lesson >= NN -->`, "
            "`<!-- @if lesson < NN -->`, `<!-- @elif lesson >= NN -->`, `<!-- @else -->` or "
            "`<!-- @endif -->`");
  EXPECT_EQ(only_error("a\n<!-- @if lesson >= 3 -->\nx\n", kMd),
            "2: lesson block has no matching end marker");
  EXPECT_EQ(only_error("<!-- @endif -->\n", kMd), "1: `endif` without an open block");
  EXPECT_EQ(only_error("<!-- @if lesson >= 16 -->\n<!-- @endif -->\n", kMd),
            "1: lesson 16 is outside 1..15");
  EXPECT_EQ(
      only_error("<!-- @if lesson >= 9 -->\n<!-- @elif lesson >= 12 -->\n<!-- @endif -->\n", kMd),
      "2: `>= 12` is never true here (reached only in lessons 1..8)");
  EXPECT_EQ(only_error("<!-- @if lesson >= 9 -->\nx\n<!-- @endif -->\n", kMd, 12),
            "1: `>= 9` is always true here (reached only in lessons 12..15)");
  // An unclosed comment would hide the rest of the rendered page.
  EXPECT_EQ(only_error("<!-- @if lesson >= 3 -->\nx\n<!-- @endif\n", kMd),
            "3: unsupported lesson marker: use `<!-- @if lesson >= NN -->`, "
            "`<!-- @if lesson < NN -->`, `<!-- @elif lesson >= NN -->`, `<!-- @else -->` or "
            "`<!-- @endif -->`");
  // Markers of the other syntaxes mean nothing in a page.
  EXPECT_EQ(at("# @if lesson >= 3\n#if DUPLEX_LESSON >= 3\n", 1, kMd),
            "# @if lesson >= 3\n#if DUPLEX_LESSON >= 3\n");
}

TEST(L00_LessonTree, MarkdownCodeFencesShowMarkersWithoutReadingThem) {
  std::string text =
      "Wrap a passage like this:\n"
      "```markdown\n"
      "<!-- @if lesson >= 12 -->\n"
      "~~~\n"
      "<!-- @endif -->\n"
      "```\n"
      "<!-- @if lesson >= 12 -->\n"
      "~~~~\n"
      "<!-- @else -->\n"
      "```\n"
      "~~~~~\n"
      "<!-- @endif -->\n"
      "end\n";
  EXPECT_EQ(at(text, 11, kMd),
            "Wrap a passage like this:\n```markdown\n<!-- @if lesson >= 12 -->\n~~~\n"
            "<!-- @endif -->\n```\nend\n");
  EXPECT_EQ(at(text, 12, kMd),
            "Wrap a passage like this:\n```markdown\n<!-- @if lesson >= 12 -->\n~~~\n"
            "<!-- @endif -->\n```\n~~~~\n<!-- @else -->\n```\n~~~~~\nend\n");
}

TEST(L00_LessonTree, LastLineWithoutNewlineAndCarriageReturns) {
  EXPECT_EQ(at("#if DUPLEX_LESSON >= 2\r\nnew\r\n#endif\r\nlast", 2), "new\r\nlast");
  // Behind a guard page: reading one byte past the text's end would crash here.
  duplex::testing::GuardedBuffer guarded("x\n#if DUPLEX_LESSON >= 2\ny\n#endif");
  EXPECT_EQ(at(guarded.view(), 1), "x\n");
  duplex::testing::GuardedBuffer truncated("#if DUPLEX_LESSON >");
  EXPECT_EQ(errors_of(truncated.view()).size(), 1U);
}

TEST(L00_LessonTree, FilesWithoutMarkerSyntaxAreCopiedAsTheyAre) {
  std::string text = "#if DUPLEX_LESSON >= 12\nprose\n";
  auto result = resolve_lesson_blocks(text, MarkerSyntax::kNone, 3);
  EXPECT_EQ(result.text, text);
  EXPECT_TRUE(result.errors.empty());
}

}  // namespace
