// Tests for lessons_tool::derive_file and check_file: one file as of lesson NN (issue 14).
//
// The inputs are built from one string literal per line, so that this file itself holds no line
// the tool would read as a marker.
#include "src/lessons_tool/tree_file.hpp"

#include <gtest/gtest.h>

namespace {

using duplex::lessons_tool::check_file;
using duplex::lessons_tool::derive_file;
using duplex::lessons_tool::lesson_readmes;
using duplex::lessons_tool::mark_derived;
using duplex::lessons_tool::set_lesson_level;
using duplex::lessons_tool::TreeRequest;

const std::map<int, std::string> kReadmes = {{3, "lessons/03-many-clients/README.md"},
                                             {12, "lessons/12-making-it-fast/README.md"}};

TreeRequest tree(int level) {
  return TreeRequest{level, false, kReadmes, {}};
}

const std::string kPool =
    "// BufferPool (lesson 12).\n"
    "// @lesson 12\n"
    "#pragma once\n";

const std::string kConnection =
    "// Connection (lesson 03).\n"
    "#include <string>\n"
    "void Connection::on_readable() {\n"
    "  // @exercise lesson03-dispatch #the-event-loop\n"
    "#if DUPLEX_LESSON >= 12\n"
    "  read_into(pool_.take());\n"
    "#else\n"
    "  read_into(buffer_);\n"
    "#endif\n"
    "  // @exercise end\n"
    "}\n";

TEST(L00_LessonTree, FilesOfLaterLessonsAreLeftOut) {
  EXPECT_FALSE(derive_file("src/net/buffer_pool.hpp", kPool, tree(11)).kept);
  auto kept = derive_file("src/net/buffer_pool.hpp", kPool, tree(12));
  EXPECT_TRUE(kept.kept);
  EXPECT_EQ(kept.text, kPool);
  EXPECT_FALSE(derive_file("lessons/13-under-attack/README.md", "# 13\n", tree(12)).kept);
  EXPECT_TRUE(derive_file("lessons/12-making-it-fast/README.md", "# 12\n", tree(12)).kept);
  EXPECT_TRUE(derive_file("README.md", "# Duplex\n", tree(1)).kept);
}

TEST(L00_LessonTree, MarkdownPagesAndPassagesFollowTheirLesson) {
  std::string page =
      "<!-- @lesson 14 -->\n"
      "# DEFLATE\n";
  EXPECT_FALSE(derive_file("docs/deflate.md", page, tree(13)).kept);
  EXPECT_EQ(derive_file("docs/deflate.md", page, tree(14)).text, page);
  std::string readme =
      "See [the frames](docs/ws.md).\n"
      "<!-- @if lesson >= 14 -->\n"
      "And [DEFLATE](docs/deflate.md).\n"
      "<!-- @endif -->\n";
  EXPECT_EQ(derive_file("README.md", readme, tree(13)).text, "See [the frames](docs/ws.md).\n");
  EXPECT_EQ(derive_file("README.md", readme, tree(14)).text,
            "See [the frames](docs/ws.md).\nAnd [DEFLATE](docs/deflate.md).\n");
  EXPECT_TRUE(check_file("README.md", readme, kReadmes).empty());
  auto bad = check_file("README.md", "<!-- @if lesson >= 3 -->\n", kReadmes);
  ASSERT_EQ(bad.size(), 1U);
  EXPECT_EQ(bad[0].message, "lesson block has no matching end marker");
}

TEST(L00_LessonTree, ATreeResolvesBlocksAndDropsExerciseMarkers) {
  auto early = derive_file("src/net/connection.cpp", kConnection, tree(3));
  EXPECT_TRUE(early.errors.empty());
  EXPECT_EQ(early.text,
            "// Connection (lesson 03).\n"
            "#include <string>\n"
            "void Connection::on_readable() {\n"
            "  read_into(buffer_);\n"
            "}\n");
  auto late = derive_file("src/net/connection.cpp", kConnection, tree(12));
  EXPECT_NE(late.text.find("pool_.take()"), std::string::npos);
  EXPECT_EQ(late.text.find("buffer_)"), std::string::npos);
}

TEST(L00_LessonTree, AnExerciseTreeStubsOnlyItsOwnLesson) {
  auto stubbed =
      derive_file("src/net/connection.cpp", kConnection, TreeRequest{3, true, kReadmes, {}});
  EXPECT_EQ(stubbed.stubbed, std::vector<std::string>{"lesson03-dispatch"});
  EXPECT_NE(stubbed.text.find("  throw duplex::Exercise(\"lesson03-dispatch\", "
                              "\"lessons/03-many-clients/README.md#the-event-loop\");\n}\n"),
            std::string::npos)
      << stubbed.text;
  EXPECT_EQ(stubbed.text.find("read_into"), std::string::npos);
  auto later =
      derive_file("src/net/connection.cpp", kConnection, TreeRequest{4, true, kReadmes, {}});
  EXPECT_TRUE(later.stubbed.empty());
  EXPECT_NE(later.text.find("read_into(buffer_)"), std::string::npos);
}

TEST(L00_LessonTree, TheMakefileLearnsItsLevel) {
  std::string makefile =
      "# @if lesson >= 12\n"
      "POOL := yes\n"
      "# @endif\n"
      "LESSON_LEVEL ?= 15\n"
      "LESSON_MARKERS := yes\n"
      "CPPFLAGS += -DDUPLEX_LESSON=$(LESSON_LEVEL)\n";
  auto derived = derive_file("Makefile", makefile, tree(3));
  EXPECT_EQ(derived.text,
            "LESSON_LEVEL ?= 3\n"
            "LESSON_MARKERS := no\n"
            "CPPFLAGS += -DDUPLEX_LESSON=$(LESSON_LEVEL)\n");
  // Tree 15 holds the same code as the repository, but no markers: it says so too.
  EXPECT_NE(derive_file("Makefile", makefile, tree(15)).text.find("LESSON_MARKERS := no\n"),
            std::string::npos);
  // Only the root Makefile carries the level.
  EXPECT_NE(derive_file("tests/lessons_tool/lessons.mk", makefile, tree(3)).text.find("?= 15"),
            std::string::npos);

  std::string first = "LESSON_LEVEL ?= 15\n";
  EXPECT_TRUE(set_lesson_level(first, 9));
  EXPECT_EQ(first, "LESSON_LEVEL ?= 9\n");
  std::string none = "OTHER_LESSON_LEVEL ?= 15\n";
  EXPECT_FALSE(set_lesson_level(none, 9));
  EXPECT_EQ(none, "OTHER_LESSON_LEVEL ?= 15\n");
  std::string markers = "LESSON_MARKERS := yes\n";
  EXPECT_TRUE(mark_derived(markers));
  EXPECT_EQ(markers, "LESSON_MARKERS := no\n");
  std::string other = "MY_LESSON_MARKERS := yes\n";
  EXPECT_FALSE(mark_derived(other));
}

TEST(L00_LessonTree, CheckReportsEveryMarkerErrorInLineOrder) {
  std::string broken =
      "// A file of lesson 12.\n"
      "// @lesson 12\n"
      "#if DUPLEX_LESSON >= 9\n"
      "// @exercise lesson07-x\n"
      "#endif\n";
  auto errors = check_file("src/a.cpp", broken, kReadmes);
  ASSERT_EQ(errors.size(), 3U);
  EXPECT_EQ(errors[0].line, 3);  // `>= 9` inside a file of lesson 12
  EXPECT_EQ(errors[1].line, 4);  // lesson 07 has no README in kReadmes
  EXPECT_EQ(errors[1].message,
            "exercise lesson07-x names lesson 7, which has no lessons/NN-slug/README.md");
  EXPECT_EQ(errors[2].line, 4);  // and it is never closed
  EXPECT_TRUE(check_file("src/net/connection.cpp", kConnection, kReadmes).empty());
}

TEST(L00_LessonTree, ReadmesComeFromTheLessonFolders) {
  auto readmes = lesson_readmes({"README.md", "lessons/01-sockets/README.md",
                                 "lessons/01-sockets/notes/README.md",
                                 "lessons/09-frames/README.md", "lessons/09-frames/x.cpp"});
  EXPECT_EQ(readmes, (std::map<int, std::string>{{1, "lessons/01-sockets/README.md"},
                                                 {9, "lessons/09-frames/README.md"}}));
}

}  // namespace
