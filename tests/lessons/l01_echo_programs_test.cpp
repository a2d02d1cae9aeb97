// Tests for lesson 01's programs, run as a user runs them: echo_server and echo_client.
#include <gtest/gtest.h>

#include <string>

#include "src/net/tcp_stream.hpp"
#include "tests/support/net_process.hpp"
#include "tests/support/net_sockets.hpp"

namespace duplex {
namespace {

using testing::ChildProcess;
using testing::port_of;

const std::string kServer = DUPLEX_LESSON_BIN_DIR "/01-sockets/echo_server";
const std::string kClient = DUPLEX_LESSON_BIN_DIR "/01-sockets/echo_client";

TEST(L01_EchoServer, PrintsItsAddressFirstAndEchoes) {
  ChildProcess server(kServer, {"--port", "0"});
  std::string address = server.read_line();
  ASSERT_EQ(address.rfind("tcp://127.0.0.1:", 0), 0U) << address;
  auto client = net::TcpStream::connect("127.0.0.1", port_of(address));
  client.set_receive_timeout(testing::kIoTimeout);
  client.write_all("hello, ");
  client.write_all("echo\n");
  client.shutdown_write();
  EXPECT_EQ(testing::read_to_end(client), "hello, echo\n");
}

// The server handles clients one after another: the second is served after the first leaves.
TEST(L01_EchoServer, ServesClientsOneAfterAnother) {
  ChildProcess server(kServer, {"--port", "0"});
  auto port = port_of(server.read_line());
  for (std::string message : {"first", "second", "third"}) {
    auto client = net::TcpStream::connect("127.0.0.1", port);
    client.set_receive_timeout(testing::kIoTimeout);
    client.write_all(message);
    client.shutdown_write();
    EXPECT_EQ(testing::read_to_end(client), message);
  }
}

// A typo in a flag must give a one-line message and status 2, never a stack trace.
TEST(L01_EchoServer, BadFlagIsAOneLineUsageError) {
  ChildProcess server(kServer, {"--prot", "1"});
  std::string error = server.read_stderr();
  EXPECT_EQ(server.wait(), 2);
  EXPECT_EQ(error,
            "echo_server: unknown flag '--prot' (usage: echo_server [--host H] [--port N])\n");
}

TEST(L01_EchoServer, BusyPortIsAOneLineRuntimeError) {
  ChildProcess first(kServer, {"--port", "0"});
  auto port = std::to_string(port_of(first.read_line()));
  ChildProcess second(kServer, {"--port", port});
  std::string error = second.read_stderr();
  EXPECT_EQ(second.wait(), 1);
  EXPECT_EQ(error, "echo_server: bind 127.0.0.1:" + port + ": Address already in use\n");
}

TEST(L01_EchoClient, SendsStdinAndPrintsTheEcho) {
  ChildProcess server(kServer, {"--port", "0"});
  auto port = std::to_string(port_of(server.read_line()));
  ChildProcess client(kClient, {"--port", port});
  std::string input;
  for (int i = 0; i < 20000; ++i) input += "line " + std::to_string(i) + "\n";
  client.write_stdin(input.substr(0, 1000));
  client.write_stdin(input.substr(1000));
  client.close_stdin();  // end of input: the client half-closes, the server finishes, closes
  EXPECT_EQ(client.read_stdout(), input);
  EXPECT_EQ(client.wait(), 0);
}

TEST(L01_EchoClient, RefusedConnectionIsReported) {
  std::uint16_t port;
  {
    ChildProcess server(kServer, {"--port", "0"});
    port = port_of(server.read_line());
  }  // the server is killed: its port is closed
  ChildProcess client(kClient, {"--port", std::to_string(port)});
  std::string error = client.read_stderr();
  EXPECT_EQ(client.wait(), 1);
  EXPECT_EQ(error,
            "echo_client: connect 127.0.0.1:" + std::to_string(port) + ": Connection refused\n");
}

}  // namespace
}  // namespace duplex
