// Tests for lessons_tool::stub_exercises (issue 14, the lessons tool).
//
// The inputs are built from one string literal per line, so that this file itself holds no line
// the tool would read as a marker.
#include "src/lessons_tool/exercise_stubs.hpp"

#include <gtest/gtest.h>

#include <string>

#include "src/exercise.hpp"

namespace {

using duplex::lessons_tool::stub_exercises;

const std::map<int, std::string> kReadmes = {
    {8, "lessons/08-websocket-upgrade/README.md"},
    {9, "lessons/09-frames/README.md"},
};

const std::string kAcceptKey =
    "// Handshake (lesson 08).\n"
    "#include <string>\n"
    "#include \"src/ws/sha1.hpp\"\n"
    "\n"
    "std::string accept_key(std::string_view key) {\n"
    "  // @exercise lesson08-accept-key #the-accept-key\n"
    "  return base64(sha1(std::string(key) + kGuid));\n"
    "  // @exercise end\n"
    "}\n";

TEST(L00_LessonTree, TheLessonsExerciseBecomesAThrowingStub) {
  auto result = stub_exercises(kAcceptKey, 8, kReadmes);
  EXPECT_TRUE(result.errors.empty());
  EXPECT_EQ(result.stubbed, std::vector<std::string>{"lesson08-accept-key"});
  EXPECT_EQ(result.text,
            "// Handshake (lesson 08).\n"
            "#include <string>\n"
            "#include \"src/ws/sha1.hpp\"\n"
            "#include \"src/exercise.hpp\"\n"
            "#pragma GCC diagnostic ignored \"-Wunused-parameter\"\n"
            "#pragma GCC diagnostic ignored \"-Wunused-function\"\n"
            "\n"
            "std::string accept_key(std::string_view key) {\n"
            "  throw duplex::Exercise(\"lesson08-accept-key\", "
            "\"lessons/08-websocket-upgrade/README.md#the-accept-key\");\n"
            "}\n");
}

TEST(L00_LessonTree, OtherLessonsKeepTheirBodiesWithoutTheMarkers) {
  for (int lesson : {0, 7, 9}) {
    auto result = stub_exercises(kAcceptKey, lesson, kReadmes);
    EXPECT_TRUE(result.errors.empty());
    EXPECT_TRUE(result.stubbed.empty());
    EXPECT_EQ(result.text,
              "// Handshake (lesson 08).\n"
              "#include <string>\n"
              "#include \"src/ws/sha1.hpp\"\n"
              "\n"
              "std::string accept_key(std::string_view key) {\n"
              "  return base64(sha1(std::string(key) + kGuid));\n"
              "}\n")
        << "lesson " << lesson;
  }
}

TEST(L00_LessonTree, SectionIsOptional) {
  auto result = stub_exercises(
      "void f() {\n"
      "    // @exercise lesson09-unmask\n"
      "    body();\n"
      "    // @exercise end\n"
      "}\n",
      9, kReadmes);
  EXPECT_TRUE(result.errors.empty());
  EXPECT_NE(result.text.find("    throw duplex::Exercise(\"lesson09-unmask\", "
                             "\"lessons/09-frames/README.md\");\n"),
            std::string::npos)
      << result.text;
}

TEST(L00_LessonTree, ExerciseMarkerErrors) {
  auto unclosed = stub_exercises("// @exercise lesson08-key\nbody\n", 8, kReadmes);
  ASSERT_EQ(unclosed.errors.size(), 1U);
  EXPECT_EQ(unclosed.errors[0].line, 1);
  EXPECT_EQ(unclosed.errors[0].message, "exercise lesson08-key has no `// @exercise end`");

  auto stray = stub_exercises("x\n// @exercise end\n", 8, kReadmes);
  ASSERT_EQ(stray.errors.size(), 1U);
  EXPECT_EQ(stray.errors[0].line, 2);

  auto nested = stub_exercises(
      "// @exercise lesson08-a\n"
      "// @exercise lesson08-b\n"
      "// @exercise end\n",
      8, kReadmes);
  ASSERT_EQ(nested.errors.size(), 1U);
  EXPECT_EQ(nested.errors[0].line, 2);
  EXPECT_EQ(nested.errors[0].message,
            "exercise lesson08-b starts inside exercise lesson08-a (line 1)");

  for (std::string bad : {"// @exercise accept-key", "// @exercise lesson8-key",
                          "// @exercise lesson08-key section", "// @exercise lesson08_key"}) {
    auto result = stub_exercises(bad + "\n// @exercise end\n", 8, kReadmes);
    ASSERT_FALSE(result.errors.empty()) << bad;
    EXPECT_EQ(result.errors[0].line, 1) << bad;
  }

  auto no_lesson = stub_exercises("// @exercise lesson04-head\n// @exercise end\n", 4, kReadmes);
  ASSERT_EQ(no_lesson.errors.size(), 1U);
  EXPECT_EQ(no_lesson.errors[0].message,
            "exercise lesson04-head names lesson 4, which has no lessons/NN-slug/README.md");
}

// The message is thrown, and written to stderr at once: a server that catches the exception (a
// handler's 500 or 1011) must not hide which stub the test reached.
TEST(L00_LessonTree, TheStubsExceptionNamesTheExerciseAndTheSection) {
  const std::string expected =
      "exercise lesson08-accept-key is not written yet: read "
      "lessons/08-websocket-upgrade/README.md#key, then replace the stub that threw this";
  ::testing::internal::CaptureStderr();
  std::string thrown;
  try {
    throw duplex::Exercise("lesson08-accept-key", "lessons/08-websocket-upgrade/README.md#key");
  } catch (const std::logic_error& error) {
    thrown = error.what();
  }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), expected + "\n");
  EXPECT_EQ(thrown, expected);
}

}  // namespace
