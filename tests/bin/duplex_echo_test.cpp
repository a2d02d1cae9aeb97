// Tests for the duplex-echo program (lesson 03), run as a user runs it: --port 0, read the
// address from the first line, talk to it, stop it with SIGTERM.
// @lesson 03
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "src/net/socket_address.hpp"
#include "src/net/tcp_stream.hpp"
#include "tests/support/net_process.hpp"
#include "tests/support/net_sockets.hpp"

namespace duplex {
namespace {

const std::string kProgram = DUPLEX_BIN_DIR "/duplex-echo";

net::TcpStream connect_to(std::uint16_t port) {
  auto stream = net::TcpStream::connect(net::SocketAddress::from_numeric("127.0.0.1", port));
  stream.set_receive_timeout(testing::kIoTimeout);
  return stream;
}

TEST(L03_EchoProgram, PrintsItsAddressFirstAndEchoesManyClients) {
  testing::ChildProcess echo(kProgram, {"--port", "0", "--quiet"});
  std::string first_line = echo.read_line();
  EXPECT_EQ(first_line.rfind("tcp://127.0.0.1:", 0), 0U) << first_line;
  auto port = testing::port_of(first_line);
  std::vector<net::TcpStream> clients;
  for (int i = 0; i < 5; ++i) clients.push_back(connect_to(port));
  for (int i = 0; i < 5; ++i) clients[i].write_all("hello from " + std::to_string(i) + "\n");
  for (int i = 0; i < 5; ++i) {
    std::string expected = "hello from " + std::to_string(i) + "\n";
    std::string got(expected.size(), '\0');
    clients[i].read_exact(got);
    EXPECT_EQ(got, expected);
  }
  echo.terminate();
  // SIGTERM: the server closes its clients and exits 0.
  EXPECT_EQ(testing::read_to_end(clients[0]), "");
  clients.clear();
  EXPECT_EQ(echo.wait(), 0);
}

TEST(L03_EchoProgram, ABusyPortGivesOneLineAndAFailureStatus) {
  testing::ChildProcess first(kProgram, {"--port", "0", "--quiet"});
  auto port = testing::port_of(first.read_line());
  testing::ChildProcess second(kProgram, {"--port", std::to_string(port)});
  std::string error = second.read_stderr();
  EXPECT_NE(second.wait(), 0);
  EXPECT_EQ(error,
            "duplex-echo: bind 127.0.0.1:" + std::to_string(port) + ": Address already in use\n");
  EXPECT_EQ(second.read_stdout(), "") << "no address line when nothing listens";
  first.terminate();
  EXPECT_EQ(first.wait(), 0);
}

TEST(L03_EchoProgram, ABadFlagGivesOneLineAndAFailureStatus) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--bogus"}, {"--port"}, {"--port", "65536"}, {"--idle-timeout", "soon"}}) {
    testing::ChildProcess echo(kProgram, args);
    std::string error = echo.read_stderr();
    EXPECT_NE(echo.wait(), 0) << args[0];
    ASSERT_FALSE(error.empty()) << args[0];
    EXPECT_EQ(error.find('\n'), error.size() - 1) << "exactly one line: " << error;
    EXPECT_EQ(error.rfind("duplex-echo: ", 0), 0U) << error;
  }
}

TEST(L03_EchoProgram, IdleTimeoutFlagClosesQuietClients) {
  testing::ChildProcess echo(kProgram, {"--port", "0", "--idle-timeout", "1", "--quiet"});
  auto client = connect_to(testing::port_of(echo.read_line()));
  client.write_all("ping");
  char got[4];
  client.read_exact(got);
  // One second of silence later the server sends FIN (the read's 5 s timeout bounds the wait).
  EXPECT_EQ(testing::read_to_end(client), "");
  client.shutdown_write();
  echo.terminate();
  EXPECT_EQ(echo.wait(), 0);
}

TEST(L03_EchoProgram, HelpPrintsUsageAndSucceeds) {
  testing::ChildProcess echo(kProgram, {"--help"});
  EXPECT_NE(echo.read_stdout().find("--idle-timeout"), std::string::npos);
  EXPECT_EQ(echo.wait(), 0);
}

}  // namespace
}  // namespace duplex
