// Tests for src/ws/ws_client.cpp (lessons 08 and 10): the client against an in-test server, a
// thread with a TcpListener that speaks through ws::Protocol in the server role (or writes raw
// bytes when a test needs a server that breaks the rules).
// @lesson 10
#include "src/ws/ws_client.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "src/http/request_parser.hpp"
#include "src/http/response.hpp"
#include "src/net/socket_address.hpp"
#include "src/net/system_error.hpp"
#include "src/net/tcp_listener.hpp"
#include "src/ws/frame_writer.hpp"
#include "src/ws/handshake.hpp"
#include "tests/support/net_sockets.hpp"

namespace duplex::ws {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kWait{5000};

// What the server thread saw, for the test to check after join.
struct ServerLog {
  std::vector<Event> events;
  std::string request;
  bool saw_eof = false;
  std::string raw_after_handshake;  // for scripts that read frames without a Protocol
  std::string error;
};

// One connection, served on a thread by `script`. The accept is bounded by poll(), so a client
// that never connects cannot hang the test.
class OneShotServer {
 public:
  using Script = std::function<void(net::TcpStream&, ServerLog&)>;

  explicit OneShotServer(Script script)
      : listener_(net::TcpListener::listen(net::SocketAddress::from_numeric("127.0.0.1", 0))) {
    thread_ = std::thread([this, script = std::move(script)] {
      try {
        pollfd entry{listener_.fd().get(), POLLIN, 0};
        if (::poll(&entry, 1, static_cast<int>(kWait.count())) != 1) {
          log_.error = "no client connected";
          return;
        }
        net::TcpStream stream = listener_.accept();
        stream.set_receive_timeout(kWait);
        stream.set_send_timeout(kWait);
        script(stream, log_);
      } catch (const std::exception& error) {
        log_.error = error.what();
      }
    });
  }
  ~OneShotServer() { join(); }

  std::string url(const std::string& target = "/") const {
    return "ws://127.0.0.1:" + std::to_string(listener_.local_address().port()) + target;
  }
  // Waits for the script to finish, then returns what it saw.
  const ServerLog& join() {
    if (thread_.joinable()) thread_.join();
    return log_;
  }

 private:
  net::TcpListener listener_;
  ServerLog log_;
  std::thread thread_;
};

// Reads the request head; returns the bytes that followed it. `head` stays valid with `buffered`.
std::string read_request(net::TcpStream& stream, http::RequestParser& parser, std::string& buffered,
                         ServerLog& log) {
  char block[4096];
  for (;;) {
    auto result = parser.parse(buffered);
    if (result.done()) {
      log.request = buffered.substr(0, result.consumed);
      return buffered.substr(result.consumed);
    }
    if (result.failed()) throw std::runtime_error("bad request head");
    std::size_t n = stream.read_some(block);
    if (n == 0) throw std::runtime_error("client left during the handshake");
    buffered.append(block, n);
  }
}

// Validates and answers 101; returns the leftover bytes.
std::string accept(net::TcpStream& stream, ServerLog& log, const HandshakeOptions& options = {},
                   std::string_view sent_with_101 = {}) {
  http::RequestParser parser;
  std::string buffered;
  std::string leftover = read_request(stream, parser, buffered, log);
  HandshakeResult result = validate_handshake(parser.head(), options);
  if (!result.accepted()) throw std::runtime_error(handshake_error_reason(result.error));
  // One write: the 101 and whatever must share its segment.
  stream.write_all(http::serialize(result.response) + std::string(sent_with_101));
  return leftover;
}

// Runs `protocol` over `stream` until it says to close (or the client ends the stream), calling
// `on_event` for each event; whatever the Protocol queues is written after each batch.
void serve(net::TcpStream& stream, Protocol& protocol, ServerLog& log,
           const std::function<void(Protocol&, const Event&)>& on_event = {}) {
  char block[4096];
  for (;;) {
    for (auto& event : protocol.events_received()) {
      if (on_event) on_event(protocol, event);
      log.events.push_back(event);
    }
    stream.write_all(protocol.data_to_send());
    if (protocol.should_close_transport()) return;
    std::size_t n = stream.read_some(block);
    if (n == 0) {
      log.saw_eof = true;
      protocol.receive_eof();
    } else {
      protocol.receive_data(std::string_view(block, n));
    }
  }
}

// The echo server: every message comes back.
void echo_script(net::TcpStream& stream, ServerLog& log) {
  Protocol protocol(Role::kServer);
  protocol.receive_data(accept(stream, log));
  serve(stream, protocol, log, [](Protocol& p, const Event& event) {
    if (event.kind == Event::Kind::kText) p.send_text(event.data);
    if (event.kind == Event::Kind::kBinary) p.send_binary(event.data);
  });
}

WsClientOptions quick() {
  WsClientOptions options;
  options.connect_timeout = options.handshake_timeout = options.close_timeout = kWait;
  return options;
}

TEST(L10_WsClient, EchoesTextAndBinaryThenClosesCleanly) {
  OneShotServer server(echo_script);
  WsClient client = WsClient::connect(server.url("/echo?x=1"), quick());
  ASSERT_TRUE(client.send_text("hello"));
  ASSERT_TRUE(client.send_binary(std::string("\x00\xff\x01", 3)));
  auto first = client.receive(kWait);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->kind, Event::Kind::kText);
  EXPECT_EQ(first->data, "hello");
  auto second = client.receive(kWait);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->kind, Event::Kind::kBinary);
  EXPECT_EQ(second->data, std::string("\x00\xff\x01", 3));
  // Our close, the server's answer, then the server closes TCP first (§7.1.1).
  EXPECT_TRUE(client.close(CloseCode::kNormal, "done"));
  EXPECT_TRUE(client.closed());
  EXPECT_EQ(client.fd(), -1);
  const ServerLog& log = server.join();
  EXPECT_EQ(log.error, "");
  EXPECT_EQ(log.request.rfind("GET /echo?x=1 HTTP/1.1\r\nHost: 127.0.0.1:", 0), 0U) << log.request;
  ASSERT_FALSE(log.events.empty());
  EXPECT_EQ(log.events.back().kind, Event::Kind::kClose);
  EXPECT_EQ(log.events.back().code, CloseCode::kNormal);
  EXPECT_EQ(log.events.back().data, "done");
  // The server's Protocol accepted every frame, so each was masked (§5.1 makes it fail otherwise).
  for (const auto& event : log.events) EXPECT_NE(event.kind, Event::Kind::kFailure) << event.data;
}

// The classic bug, client side: the server's first frames ride in the same segment as its 101.
// They must be there right after connect(), before any further read.
TEST(L10_WsClient, FramesInTheSameReadAsThe101AreNotLost) {
  std::string frames = serialize_frame(Opcode::kText, "welcome") +
                       serialize_frame(Opcode::kBinary, "second") +
                       serialize_frame(Opcode::kPing, "are you there");
  OneShotServer server([&frames](net::TcpStream& stream, ServerLog& log) {
    Protocol protocol(Role::kServer);
    protocol.receive_data(accept(stream, log, {}, frames));
    serve(stream, protocol, log);
  });
  WsClient client = WsClient::connect(server.url(), quick());
  std::vector<Event> events = client.take_events();
  ASSERT_EQ(events.size(), 3U) << "the frames that shared the 101's read were dropped";
  EXPECT_EQ(events[0].data, "welcome");
  EXPECT_EQ(events[1].kind, Event::Kind::kBinary);
  EXPECT_EQ(events[1].data, "second");
  EXPECT_EQ(events[2].kind, Event::Kind::kPing);
  EXPECT_TRUE(client.close());
  const ServerLog& log = server.join();
  EXPECT_EQ(log.error, "");
  // The ping that came with the 101 was answered.
  ASSERT_FALSE(log.events.empty());
  EXPECT_EQ(log.events.front().kind, Event::Kind::kPong);
  EXPECT_EQ(log.events.front().data, "are you there");
}

// A message larger than one read arrives in many pieces; the Protocol must reassemble it.
TEST(L10_WsClient, LargeMessagesBothWays) {
  OneShotServer server(echo_script);
  WsClient client = WsClient::connect(server.url(), quick());
  std::string big(200 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  ASSERT_TRUE(client.send_text(big));
  auto echo = client.receive(kWait);
  ASSERT_TRUE(echo.has_value());
  EXPECT_EQ(echo->kind, Event::Kind::kText);
  EXPECT_TRUE(echo->data == big) << "got " << echo->data.size() << " bytes";
  EXPECT_TRUE(client.close());
}

// Data the server sends after our close but before its own is still delivered (§7.1.2: the
// closing side keeps reading until the peer's close frame).
TEST(L10_WsClient, MessagesThatArriveWhileClosingAreKept) {
  OneShotServer server([](net::TcpStream& stream, ServerLog& log) {
    accept(stream, log);
    // Our masked close: 2 header bytes, 4 of key, 2 of code, 7 of "leaving".
    std::string client_close(15, '\0');
    stream.read_exact(client_close);
    log.raw_after_handshake = client_close;
    stream.write_all(serialize_frame(Opcode::kText, "last words") +
                     serialize_frame(Opcode::kClose, std::string("\x03\xe9", 2)));
  });
  WsClient client = WsClient::connect(server.url(), quick());
  EXPECT_TRUE(client.close(CloseCode::kGoingAway, "leaving"));
  std::vector<Event> events = client.take_events();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].kind, Event::Kind::kText);
  EXPECT_EQ(events[0].data, "last words");
  EXPECT_EQ(events[1].kind, Event::Kind::kClose);
  EXPECT_EQ(events[1].code, CloseCode::kGoingAway);
  EXPECT_EQ(server.join().error, "");
  EXPECT_EQ(server.join().raw_after_handshake.substr(0, 2), "\x88\x89");
}

TEST(L10_WsClient, ServerClosesFirstAndTheClientAnswers) {
  OneShotServer server([](net::TcpStream& stream, ServerLog& log) {
    Protocol protocol(Role::kServer);
    protocol.receive_data(accept(stream, log));
    protocol.send_close(CloseCode::kGoingAway, "shutting down");
    serve(stream, protocol, log);
  });
  WsClient client = WsClient::connect(server.url(), quick());
  auto event = client.receive(kWait);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->kind, Event::Kind::kClose);
  EXPECT_EQ(event->code, CloseCode::kGoingAway);
  EXPECT_EQ(event->data, "shutting down");
  // The answer went out and the server's end of stream was awaited.
  EXPECT_TRUE(client.closed());
  EXPECT_FALSE(client.send_text("too late"));
  EXPECT_FALSE(client.receive(milliseconds(0)).has_value());
  const ServerLog& log = server.join();
  EXPECT_EQ(log.error, "");
  ASSERT_EQ(log.events.size(), 1U);
  EXPECT_EQ(log.events[0].kind, Event::Kind::kClose);
  EXPECT_EQ(log.events[0].code, CloseCode::kGoingAway) << "§5.5.1: the reply echoes the code";
}

TEST(L10_WsClient, CloseGivesUpWhenTheServerNeverAnswers) {
  OneShotServer server([](net::TcpStream& stream, ServerLog& log) {
    accept(stream, log);
    // Read the close, answer nothing, wait for the client to hang up.
    log.raw_after_handshake = testing::read_to_end(stream);
  });
  WsClientOptions options = quick();
  options.close_timeout = milliseconds(200);
  WsClient client = WsClient::connect(server.url(), options);
  EXPECT_FALSE(client.close());
  EXPECT_TRUE(client.closed());
  EXPECT_EQ(server.join().error, "");
  // 0x88: FIN + close; 0x82: MASK + 2 bytes of payload (the code 1000, masked).
  EXPECT_EQ(server.join().raw_after_handshake.substr(0, 2), "\x88\x82")
      << "the close frame reached the server";
}

TEST(L10_WsClient, ServerThatVanishesGives1006) {
  OneShotServer server([](net::TcpStream& stream, ServerLog& log) { accept(stream, log); });
  WsClient client = WsClient::connect(server.url(), quick());
  auto event = client.receive(kWait);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->kind, Event::Kind::kClose);
  EXPECT_EQ(event->code, CloseCode::kAbnormalClosure);
  EXPECT_TRUE(client.closed());
}

// A server that sends a masked frame breaks §5.1: the client fails the connection with 1002.
TEST(L10_WsClient, ProtocolErrorFromTheServerFailsTheConnection) {
  std::string masked = serialize_frame(Opcode::kText, "hi", true, MaskKey{1, 2, 3, 4});
  OneShotServer server([&masked](net::TcpStream& stream, ServerLog& log) {
    accept(stream, log, {}, masked);
    Protocol protocol(Role::kServer);
    serve(stream, protocol, log);
  });
  WsClient client = WsClient::connect(server.url(), quick());
  std::vector<Event> events = client.take_events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].kind, Event::Kind::kFailure);
  EXPECT_EQ(events[0].code, CloseCode::kProtocolError);
  EXPECT_TRUE(client.closed());
  const ServerLog& log = server.join();
  ASSERT_FALSE(log.events.empty());
  EXPECT_EQ(log.events[0].code, CloseCode::kProtocolError) << "the client said why";
}

TEST(L10_WsClient, HandshakeFailuresThrowOneLine) {
  struct Case {
    const char* why;
    std::string answer;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"a server that did not hash our key (§4.1: fail the connection)",
       "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
       "wrong 'Sec-WebSocket-Accept'"},
      {"a plain HTTP server", "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
       "server answered 404 Not Found, not 101"},
      {"the server hangs up", "", "server closed the connection"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.why);
    OneShotServer server([&c](net::TcpStream& stream, ServerLog& log) {
      http::RequestParser parser;
      std::string buffered;
      read_request(stream, parser, buffered, log);
      stream.write_all(c.answer);
    });
    try {
      WsClient::connect(server.url(), quick());
      ADD_FAILURE() << "connected";
    } catch (const WsClientError& error) {
      std::string message = error.what();
      EXPECT_NE(message.find(c.expected), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
}

TEST(L10_WsClient, HandshakeTimesOut) {
  OneShotServer server([](net::TcpStream& stream, ServerLog&) { testing::read_to_end(stream); });
  WsClientOptions options = quick();
  options.handshake_timeout = milliseconds(100);
  try {
    WsClient::connect(server.url(), options);
    ADD_FAILURE() << "connected";
  } catch (const WsClientError& error) {
    EXPECT_NE(std::string(error.what()).find("timed out after 100 ms"), std::string::npos)
        << error.what();
  }
}

TEST(L10_WsClient, RefusedConnectionNamesTheAddress) {
  std::uint16_t port;
  {
    auto listener = net::TcpListener::listen(net::SocketAddress::from_numeric("127.0.0.1", 0));
    port = listener.local_address().port();
  }
  std::string url = "ws://127.0.0.1:" + std::to_string(port) + "/";
  try {
    WsClient::connect(url, quick());
    ADD_FAILURE() << "connected to a closed port";
  } catch (const net::SystemError& error) {
    EXPECT_EQ(std::string(error.what()),
              "connect 127.0.0.1:" + std::to_string(port) + ": Connection refused");
  }
}

TEST(L10_WsClient, NegotiatesASubprotocol) {
  OneShotServer server([](net::TcpStream& stream, ServerLog& log) {
    HandshakeOptions options;
    options.subprotocols = {"v2.duplex", "v1.duplex"};
    Protocol protocol(Role::kServer);
    protocol.receive_data(accept(stream, log, options));
    serve(stream, protocol, log);
  });
  WsClientOptions options = quick();
  options.subprotocols = {"v1.duplex", "v2.duplex"};
  WsClient client = WsClient::connect(server.url(), options);
  EXPECT_EQ(client.subprotocol(), "v2.duplex");
  EXPECT_TRUE(client.close());
}

TEST(L10_WsClient, TraceShowsBothDirections) {
  OneShotServer server(echo_script);
  WsClientOptions options = quick();
  std::string trace;
  options.trace = [&trace](std::string_view text) { trace += text; };
  WsClient client = WsClient::connect(server.url(), options);
  ASSERT_TRUE(client.send_text("Hello"));
  ASSERT_TRUE(client.receive(kWait).has_value());
  EXPECT_TRUE(client.close());
  EXPECT_NE(trace.find("> GET / HTTP/1.1\n"), std::string::npos) << trace;
  EXPECT_NE(trace.find("< HTTP/1.1 101 Switching Protocols\n"), std::string::npos) << trace;
  EXPECT_NE(trace.find("> FIN=1 RSV=000 opcode=0x1 (text) MASK=1 key="), std::string::npos)
      << trace;
  EXPECT_NE(trace.find("< FIN=1 RSV=000 opcode=0x1 (text) MASK=0 length=5"), std::string::npos)
      << trace;
  EXPECT_NE(trace.find("> FIN=1 RSV=000 opcode=0x8 (close) MASK=1"), std::string::npos) << trace;
  EXPECT_NE(trace.find("< FIN=1 RSV=000 opcode=0x8 (close) MASK=0"), std::string::npos) << trace;
}

TEST(L10_WsClient, ParsesWsUrls) {
  struct Case {
    const char* url;
    const char* host;  // nullptr: must be refused
    std::uint16_t port;
    const char* target;
    const char* host_field;
  };
  const std::vector<Case> cases = {
      {"ws://example.com", "example.com", 80, "/", "example.com"},
      {"ws://127.0.0.1:9008/chat", "127.0.0.1", 9008, "/chat", "127.0.0.1:9008"},
      {"ws://[::1]:9008/a?b=c", "::1", 9008, "/a?b=c", "[::1]:9008"},
      {"ws://h?q", "h", 80, "/?q", "h"},
      {"ws://h:80/", "h", 80, "/", "h"},
      {"wss://example.com/", nullptr, 0, "", ""},            // TLS is out of scope
      {"http://example.com/", nullptr, 0, "", ""},           // not a WebSocket URL
      {"ws://h/#frag", nullptr, 0, "", ""},                  // §3: no fragments
      {"ws://user@h/", nullptr, 0, "", ""},                  // no user information
      {"ws:///path", nullptr, 0, "", ""},                    // no host
      {"ws://h:0/", nullptr, 0, "", ""},                     // port 0 cannot be connected to
      {"ws://h:65536/", nullptr, 0, "", ""},                 // out of range
      {"ws://h:99999999999999999999/", nullptr, 0, "", ""},  // overflow must not wrap
      {"ws://h:/", nullptr, 0, "", ""},                      // empty port
      {"ws://h/a b", nullptr, 0, "", ""},                    // a space would split the request line
      {"ws://[::1/", nullptr, 0, "", ""},                    // unclosed bracket
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    std::string error;
    auto url = parse_ws_url(c.url, error);
    if (c.host == nullptr) {
      EXPECT_FALSE(url.has_value());
      EXPECT_NE(error.find(c.url), std::string::npos) << error;
      continue;
    }
    ASSERT_TRUE(url.has_value()) << error;
    EXPECT_EQ(url->host, c.host);
    EXPECT_EQ(url->port, c.port);
    EXPECT_EQ(url->target, c.target);
    EXPECT_EQ(url->host_field(), c.host_field);
  }
}

}  // namespace
}  // namespace duplex::ws
