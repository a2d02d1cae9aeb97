// Tests for lesson 03's throwaway programs, run as a reader runs them: --port 0, read the
// address line, talk to it, stop it.
// @lesson 03
#include <gtest/gtest.h>
#include <signal.h>

#include <string>

#include "src/net/socket_address.hpp"
#include "src/net/tcp_stream.hpp"
#include "tests/support/net_process.hpp"
#include "tests/support/net_sockets.hpp"

namespace duplex::lessons {
namespace {

void expect_address_and_echo(const std::string& name) {
  testing::ChildProcess program(std::string(DUPLEX_LESSON_BIN_DIR "/03-many-clients/") + name,
                                {"--port", "0"});
  std::string line = program.read_line();
  EXPECT_EQ(line.rfind("tcp://127.0.0.1:", 0), 0U) << line;
  auto client = net::TcpStream::connect(
      net::SocketAddress::from_numeric("127.0.0.1", testing::port_of(line)));
  client.set_receive_timeout(testing::kIoTimeout);
  client.write_all("ping\n");
  char got[5];
  client.read_exact(got);
  EXPECT_EQ(std::string(got, 5), "ping\n");
  program.terminate();
  EXPECT_EQ(program.wait(), 128 + SIGTERM)
      << "these servers have no signal handling: SIGTERM kills";
}

void expect_one_line_for_a_bad_flag(const std::string& name) {
  testing::ChildProcess program(std::string(DUPLEX_LESSON_BIN_DIR "/03-many-clients/") + name,
                                {"--port", "eighty"});
  std::string error = program.read_stderr();
  EXPECT_NE(program.wait(), 0);
  EXPECT_EQ(error.find('\n'), error.size() - 1) << error;
}

TEST(L03_EchoPrograms, IterativeEchoPrintsItsAddressAndEchoes) {
  expect_address_and_echo("iterative_echo");
}

TEST(L03_EchoPrograms, ThreadedEchoPrintsItsAddressAndEchoes) {
  expect_address_and_echo("threaded_echo");
}

TEST(L03_EchoPrograms, ABadFlagGivesOneLine) {
  expect_one_line_for_a_bad_flag("iterative_echo");
  expect_one_line_for_a_bad_flag("threaded_echo");
}

}  // namespace
}  // namespace duplex::lessons
