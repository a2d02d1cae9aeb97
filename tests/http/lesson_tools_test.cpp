// Tests for the throwaway tools of lessons 04 and 05, run as a learner runs them: bytes on
// stdin, text on stdout. They pin the outputs the lesson READMEs show, so prose and program
// cannot drift apart.
// @lesson 04
#include <gtest/gtest.h>

#include <unistd.h>

#include <string>
#include <utility>

#include "tests/support/net_process.hpp"

namespace duplex::http {
namespace {

using duplex::testing::ChildProcess;

const std::string kParseRequest = DUPLEX_LESSON_BIN_DIR "/04-request-head/parse_request";
#if DUPLEX_LESSON >= 5
const std::string kBodies = DUPLEX_LESSON_BIN_DIR "/05-message-bodies/bodies";
#endif

struct ToolRun {
  std::string out;
  int exit_code;
};

ToolRun run(const std::string& program, const std::vector<std::string>& args,
            std::string_view input) {
  ChildProcess child(program, args);
  child.write_stdin(input);
  child.close_stdin();
  std::string out = child.read_stdout();
  int exit_code = child.wait();
  // A tool killed by a signal (an uncaught exception aborts: 134) failed whatever the test
  // expected; its stderr says why, for example an exercise stub not written yet.
  if (exit_code >= 128) {
    ADD_FAILURE() << program << " died with exit code " << exit_code << "; its stderr:\n"
                  << child.read_stderr();
  }
  return {out, exit_code};
}

// A partial build (make test ONLY="src/http tests/http") builds no lesson programs; a full
// build always does, and there these tests run.
class ToolTest : public ::testing::Test {
 protected:
  explicit ToolTest(std::string program) : program_(std::move(program)) {}
  void SetUp() override {
    if (::access(program_.c_str(), X_OK) != 0) GTEST_SKIP() << program_ << " is not built";
  }

 private:
  std::string program_;
};
class L04_ParseRequestTool : public ToolTest {
 protected:
  L04_ParseRequestTool() : ToolTest(kParseRequest) {}
};
#if DUPLEX_LESSON >= 5
class L05_BodiesTool : public ToolTest {
 protected:
  L05_BodiesTool() : ToolTest(kBodies) {}
};
#endif

TEST_F(L04_ParseRequestTool, PrintsTheNormalisedPath) {
  ToolRun r =
      run(kParseRequest, {},
          "GET /docs/../a/%2e%2e/%2E%2E/etc//passwd?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("path       /etc/passwd\nquery      x=1\n"), std::string::npos) << r.out;
}

TEST_F(L04_ParseRequestTool, ShowsTheCaretAndExitsWithOne) {
  ToolRun r = run(kParseRequest, {}, "GET / HTTP/1.1\r\nHost : example.com\r\n\r\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out,
            "rejected: 400 whitespace before colon at byte 20\n"
            "  Host : example.com\\r\\n\n"
            "      ^\n");
}

TEST_F(L04_ParseRequestTool, BytewiseGivesTheSameAnswer) {
  std::string input =
      "OPTIONS * HTTP/1.0\r\nConnection: keep-alive\r\nX-Empty:\r\nX-Tabs:\t\tv \t\r\n\r\n";
  ToolRun whole = run(kParseRequest, {}, input);
  ToolRun bytewise = run(kParseRequest, {"--bytewise"}, input);
  EXPECT_EQ(whole.exit_code, 0);
  EXPECT_EQ(whole.out, bytewise.out);
  EXPECT_NE(whole.out.find("keep-alive yes"), std::string::npos) << whole.out;
}

// The lesson's slow-client experiment needs a line longer than the default header limit.
TEST_F(L04_ParseRequestTool, MaxHeaderBytesRaisesTheLimit) {
  std::string input =
      "GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(40'000, 'v') + "\r\n\r\n";
  ToolRun refused = run(kParseRequest, {}, input);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("rejected: 431 header section too large"), std::string::npos)
      << refused.out;
  ToolRun accepted = run(kParseRequest, {"--bytewise", "--max-header-bytes", "50000"}, input);
  EXPECT_EQ(accepted.exit_code, 0);
  EXPECT_EQ(accepted.out.substr(0, accepted.out.find('\n')),
            "complete: the head is 40037 of 40037 bytes");
}

TEST_F(L04_ParseRequestTool, IncompleteExitsWithTwo) {
  ToolRun r = run(kParseRequest, {}, "GET / HTTP/1.1\r\nHost: x\r\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "incomplete: 25 bytes and no empty line yet\n");
}

#if DUPLEX_LESSON >= 5
TEST_F(L05_BodiesTool, SmuggleDemoShowsTwoReadingsAndTheRefusal) {
  ToolRun r = run(kBodies, {"--smuggle"}, "");
  EXPECT_EQ(r.exit_code, 0);
  // The front end sees one request, the back end two, Duplex refuses at the second framing field.
  EXPECT_NE(r.out.find("#1 POST /search HTTP/1.1  [Content-Length: 48]  body 48 bytes"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("#2 GET /admin HTTP/1.1  [no body]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rejected: 400 both Content-Length and Transfer-Encoding at byte 82"),
            std::string::npos)
      << r.out;
}

TEST_F(L05_BodiesTool, SplitsPipelinedRequests) {
  ToolRun r = run(kBodies, {},
                  "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                  "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5;note=x\r\nworld\r\n3\r\n!!!\r\n0\r\nX-Sum: 8\r\n\r\n"
                  "GET /c HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            "#1 POST /a  [Content-Length: 5]  body 5 bytes \"hello\"\n"
            "#2 POST /b  [chunked]  body 8 bytes \"world!!!\"\n"
            "   trailer X-Sum: 8\n"
            "#3 GET /c  [no body]  body 0 bytes \"\"\n");
}

TEST_F(L05_BodiesTool, LyingChunkSizeIsCaught) {
  ToolRun r = run(
      kBodies, {},
      "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("body rejected: 400 chunk data not followed by CRLF"), std::string::npos)
      << r.out;
}

#endif

}  // namespace
}  // namespace duplex::http
