// Tests for lesson 10's throwaway echo_server program, run as a user runs it: the URL as the
// first line of output, echo over a real socket, the trace on stderr, 1001 on SIGTERM, and a
// one-line error for a bad flag.
// @lesson 10
#include <gtest/gtest.h>

#include <string>

#include "tests/support/net_process.hpp"
#include "tests/support/ws_raw_client.hpp"

namespace duplex::testing {
namespace {

const std::string kProgram = DUPLEX_LESSON_BIN_DIR "/10-messages-and-closing/echo_server";

std::uint16_t port_of_url(const std::string& line) {
  // "ws://127.0.0.1:41234/echo"
  std::size_t colon = line.rfind(':');
  std::size_t slash = line.find('/', colon);
  return static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1, slash - colon - 1)));
}

TEST(L10_EchoServerProgram, EchoesTracesAndSays1001OnSigterm) {
  ChildProcess server(kProgram, {"--port", "0", "--trace"});
  std::string first = server.read_line();
  ASSERT_EQ(first.rfind("ws://127.0.0.1:", 0), 0U) << first;
  ASSERT_NE(first.find("/echo"), std::string::npos);
  WsRawClient client = WsRawClient::connect(port_of_url(first), "/echo");
  client.send_text("Hello");
  auto frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->payload, "Hello");
  server.terminate();
  RawFrame close = client.read_close();
  EXPECT_EQ(close.close_code(), 1001);
  client.send_close(1001);
  EXPECT_TRUE(client.wait_for_eof());
  client.stream().shutdown_write();
  EXPECT_EQ(server.wait(), 0);
  std::string trace = server.read_stderr();
  EXPECT_NE(trace.find("ws#1 > FIN=1 RSV=000 opcode=0x1 (text) MASK=1"), std::string::npos)
      << trace;
  EXPECT_NE(trace.find("ws#1 < FIN=1 RSV=000 opcode=0x8 (close) MASK=0"), std::string::npos)
      << trace;
}

TEST(L10_EchoServerProgram, BadFlagIsOneLineAndExit2) {
  ChildProcess server(kProgram, {"--bogus"});
  EXPECT_EQ(server.wait(), 2);
  EXPECT_EQ(server.read_stderr(), "echo_server: unknown flag --bogus (try --help)\n");
}

}  // namespace
}  // namespace duplex::testing
