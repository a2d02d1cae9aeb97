// Tests for the duplex-ws program (lessons 08 and 10), run as a user runs it: against the
// lesson-08 handshake_server (an echo server), or a thread playing a server that closes first.
// @lesson 10
#include <gtest/gtest.h>
#include <poll.h>

#include <string>
#include <thread>
#include <vector>

#include "src/http/request_parser.hpp"
#include "src/http/response.hpp"
#include "src/net/socket_address.hpp"
#include "src/net/tcp_listener.hpp"
#include "src/ws/frame_writer.hpp"
#include "src/ws/handshake.hpp"
#include "tests/support/net_process.hpp"
#include "tests/support/net_sockets.hpp"

namespace duplex {
namespace {

const std::string kProgram = DUPLEX_BIN_DIR "/duplex-ws";
const std::string kEchoServer = DUPLEX_LESSON_BIN_DIR "/08-websocket-upgrade/handshake_server";

// The lesson's echo server on a free port; its first line is the URL.
struct EchoServer {
  testing::ChildProcess process{kEchoServer, {"--port", "0"}};
  std::string url = process.read_line();
  ~EchoServer() { process.terminate(); }
};

TEST(L10_DuplexWsProgram, EchoesTypedLinesAndClosesCleanlyOnEndOfInput) {
  EchoServer server;
  ASSERT_EQ(server.url.rfind("ws://127.0.0.1:", 0), 0U) << server.url;
  testing::ChildProcess client(kProgram, {server.url});
  client.write_stdin("hello\n");
  EXPECT_EQ(client.read_line(), "hello");
  client.write_stdin("second line, with ünïcode\r\n");
  EXPECT_EQ(client.read_line(), "second line, with ünïcode");
  // Ctrl-D: close 1000, the server's answer, exit 0.
  client.close_stdin();
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stdout(), "");
  EXPECT_EQ(client.read_stderr(), "");
}

TEST(L10_DuplexWsProgram, TraceShowsFramesInBothDirections) {
  EchoServer server;
  testing::ChildProcess client(kProgram, {"--trace", server.url});
  client.write_stdin("Hi\n");
  EXPECT_EQ(client.read_line(), "Hi");
  client.close_stdin();
  int status = client.wait();
  std::string trace = client.read_stderr();
  EXPECT_EQ(status, 0) << trace;
  EXPECT_NE(trace.find("> Sec-WebSocket-Version: 13\n"), std::string::npos) << trace;
  EXPECT_NE(trace.find("< HTTP/1.1 101 Switching Protocols\n"), std::string::npos) << trace;
  EXPECT_NE(trace.find("> FIN=1 RSV=000 opcode=0x1 (text) MASK=1"), std::string::npos) << trace;
  EXPECT_NE(trace.find("< FIN=1 RSV=000 opcode=0x1 (text) MASK=0 length=2"), std::string::npos)
      << trace;
  EXPECT_NE(trace.find(">   close code 1000 (normal closure)"), std::string::npos) << trace;
  EXPECT_NE(trace.find("<   close code 1000 (normal closure)"), std::string::npos) << trace;
}

TEST(L10_DuplexWsProgram, BinaryFlagSendsBinaryMessages) {
  EchoServer server;
  testing::ChildProcess client(kProgram, {"--binary", "--trace", server.url});
  client.write_stdin("abc\n");
  EXPECT_EQ(client.read_line(), "abc");
  client.close_stdin();
  int status = client.wait();
  std::string trace = client.read_stderr();
  EXPECT_EQ(status, 0) << trace;
  EXPECT_NE(trace.find("> FIN=1 RSV=000 opcode=0x2 (binary) MASK=1"), std::string::npos) << trace;
  EXPECT_NE(trace.find("< FIN=1 RSV=000 opcode=0x2 (binary) MASK=0"), std::string::npos) << trace;
}

// A server that says goodbye first: 1001 with a reason, right behind its 101.
TEST(L10_DuplexWsProgram, PrintsTheServersCloseCodeAndReason) {
  auto listener = net::TcpListener::listen(net::SocketAddress::from_numeric("127.0.0.1", 0));
  std::string url = "ws://127.0.0.1:" + std::to_string(listener.local_address().port()) + "/";
  std::string client_close;
  // The thread reports a failure here: an exception escaping it would end the test binary.
  std::string server_error;
  std::thread server([&] {
    try {
      pollfd entry{listener.fd().get(), POLLIN, 0};
      if (::poll(&entry, 1, 10000) != 1) return;
      net::TcpStream stream = listener.accept();
      stream.set_receive_timeout(testing::kIoTimeout);
      http::RequestParser parser;
      std::string buffered;
      char block[4096];
      while (parser.parse(buffered).need_more()) {
        std::size_t n = stream.read_some(block);
        if (n == 0) return;
        buffered.append(block, n);
      }
      auto handshake = ws::validate_handshake(parser.head());
      std::string close_body = std::string("\x03\xe9", 2) + "maintenance";
      stream.write_all(http::serialize(handshake.response) +
                       ws::serialize_frame(ws::Opcode::kClose, close_body));
      // The client's masked answer: 2 header bytes, 4 of key, 2 of code.
      std::string answer(8, '\0');
      stream.read_exact(answer);
      client_close = answer;
    } catch (const std::exception& error) {
      server_error = error.what();
    }
  });
  testing::ChildProcess client(kProgram, {url});
  EXPECT_EQ(client.wait(), 0);
  server.join();
  EXPECT_EQ(server_error, "");
  EXPECT_EQ(client.read_stderr(), "closed by server: 1001 (going away), reason: maintenance\n");
  EXPECT_EQ(client_close.substr(0, 2), "\x88\x82") << "the client answered with a close frame";
}

TEST(L10_DuplexWsProgram, BadUrlOrRefusedConnectionGivesOneLine) {
  std::uint16_t closed_port;
  {
    auto listener = net::TcpListener::listen(net::SocketAddress::from_numeric("127.0.0.1", 0));
    closed_port = listener.local_address().port();
  }
  struct Case {
    std::vector<std::string> args;
    std::string expected;  // the start of the one stderr line
  };
  const std::vector<Case> cases = {
      {{"http://127.0.0.1/"}, "duplex-ws: not a ws:// URL: http://127.0.0.1/"},
      {{"wss://127.0.0.1/"}, "duplex-ws: wss:// needs TLS"},
      {{"ws://127.0.0.1:99999/"}, "duplex-ws: bad port in URL"},
      {{"ws://127.0.0.1:" + std::to_string(closed_port) + "/"},
       "duplex-ws: connect 127.0.0.1:" + std::to_string(closed_port) + ": Connection refused"},
      {{}, "duplex-ws: no URL given"},
      {{"--bogus", "ws://x/"}, "duplex-ws: unknown flag --bogus"},
      {{"--timeout", "soon", "ws://x/"}, "duplex-ws: --timeout wants seconds"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.expected);
    testing::ChildProcess client(kProgram, c.args);
    std::string error = client.read_stderr();
    EXPECT_NE(client.wait(), 0);
    EXPECT_EQ(error.rfind(c.expected, 0), 0U) << error;
    EXPECT_EQ(error.find('\n'), error.size() - 1) << "exactly one line: " << error;
  }
}

TEST(L10_DuplexWsProgram, RefusedHandshakeNamesTheStatus) {
  // A plain HTTP server with no WebSocket at this path.
  auto listener = net::TcpListener::listen(net::SocketAddress::from_numeric("127.0.0.1", 0));
  std::string url = "ws://127.0.0.1:" + std::to_string(listener.local_address().port()) + "/nope";
  std::string server_error;
  std::thread server([&] {
    try {
      pollfd entry{listener.fd().get(), POLLIN, 0};
      if (::poll(&entry, 1, 10000) != 1) return;
      net::TcpStream stream = listener.accept();
      stream.set_receive_timeout(testing::kIoTimeout);
      char block[4096];
      std::string buffered;
      while (buffered.find("\r\n\r\n") == std::string::npos) {
        std::size_t n = stream.read_some(block);
        if (n == 0) return;
        buffered.append(block, n);
      }
      stream.write_all("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    } catch (const std::exception& error) {
      server_error = error.what();
    }
  });
  testing::ChildProcess client(kProgram, {url});
  std::string error = client.read_stderr();
  EXPECT_EQ(client.wait(), 1);
  server.join();
  EXPECT_EQ(server_error, "");
  EXPECT_EQ(error, "duplex-ws: handshake with " + url +
                       " failed: server answered 404 Not Found, not 101\n");
}

}  // namespace
}  // namespace duplex
