// Tests for WsConnection (lesson 10): the glue between a socket and the Protocol, over real
// loopback connections: messages, ping/pong, the closing handshake and its timeout, keep-alive,
// the bounded send queue, and the trace.
// @lesson 10
#include "src/ws/ws_connection.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <string>

#include "src/ws/ws_endpoint.hpp"
#include "tests/support/ws_raw_client.hpp"
#include "tests/ws/ws_server_fixture.hpp"

namespace duplex::ws {
namespace {

using std::chrono::milliseconds;
using testing::RawFrame;
using testing::Recorder;
using testing::WsRawClient;
using testing::WsTestServer;

void echo(WsConnection& connection, Message& message) {
  if (message.is_text()) {
    connection.send_text(message.data);
  } else {
    connection.send_binary(message.data);
  }
}

// A server with one endpoint at /ws using `options` and the recorder's handlers.
std::unique_ptr<WsTestServer> serve(
    Recorder& recorder, WsOptions options = {},
    std::function<void(WsConnection&, Message&)> on_message = echo) {
  return std::make_unique<WsTestServer>([&](http::Router& router) {
    WsEndpoint endpoint(recorder.handlers(on_message), options);
    endpoint.install(router, "/ws");
  });
}

TEST(L10_WsConnection, EchoesTextAndBinary) {
  Recorder recorder;
  auto server = serve(recorder);
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  EXPECT_NE(client.response_head().find(std::string(testing::kSampleAccept)), std::string::npos);
  client.send_text("Hello");
  auto frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->opcode, 0x1);
  EXPECT_FALSE(frame->masked);  // RFC 6455 §5.1: a server never masks
  EXPECT_EQ(frame->payload, "Hello");
  client.send_binary(std::string("\0\1\2", 3));
  frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->opcode, 0x2);
  EXPECT_EQ(frame->payload, std::string("\0\1\2", 3));
  EXPECT_EQ(recorder.wait_for("message binary"), "message binary 3");
}

// An eager client sends its first frame in the same packet as the handshake: those bytes sit
// behind the request head and must reach the frame parser, not be lost or parsed as HTTP.
TEST(L10_WsConnection, FrameSentWithTheHandshakeIsHandled) {
  Recorder recorder;
  auto server = serve(recorder);
  WsRawClient client =
      WsRawClient::connect(server->port(), "/ws", testing::raw_frame(0x1, "eager"));
  auto frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->payload, "eager");
  EXPECT_EQ(recorder.lines().at(0), "open");
}

TEST(L10_WsConnection, PingIsAnsweredWithTheSamePayloadAndPongsAreIgnored) {
  Recorder recorder;
  auto server = serve(recorder);
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  client.send_frame(0xA, "unsolicited");  // §5.5.3: no answer, no error
  client.send_frame(0x9, "are you there?");
  auto frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->opcode, 0xA);
  EXPECT_EQ(frame->payload, "are you there?");
  client.send_text("still open");
  frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->payload, "still open");
  EXPECT_EQ(recorder.wait_for("error", milliseconds(0)), "");
}

TEST(L10_WsConnection, PeerCloseIsAnsweredThenTcpClosedAndReported) {
  Recorder recorder;
  auto server = serve(recorder);
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  client.send_close(1000, "bye");
  auto frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->opcode, 0x8);
  EXPECT_EQ(frame->close_code(), 1000);
  EXPECT_TRUE(client.wait_for_eof());  // §7.1.1: the server closes TCP first
  client.stream().shutdown_write();    // our FIN ends the server's wait for it
  EXPECT_EQ(recorder.wait_for("close"), "close 1000 bye");
}

// §7.1.5 and §7.4.1: 1005 is what the application hears when the close had no code, and it is
// never put on the wire: the answer is an empty close too.
TEST(L10_WsConnection, CloseWithoutCodeIsReportedAs1005) {
  Recorder recorder;
  auto server = serve(recorder);
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  client.send_close(std::nullopt);
  auto frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->opcode, 0x8);
  EXPECT_EQ(frame->payload, "");
  EXPECT_TRUE(client.wait_for_eof());
  client.stream().shutdown_write();
  EXPECT_EQ(recorder.wait_for("close"), "close 1005 ");
}

// A TCP connection that ends without a close frame (a crash, a pulled cable) is 1006.
TEST(L10_WsConnection, TcpEndWithoutCloseFrameIsReportedAs1006) {
  Recorder recorder;
  auto server = serve(recorder);
  {
    WsRawClient client = WsRawClient::connect(server->port(), "/ws");
    client.send_text("x");
    ASSERT_TRUE(client.read_frame());
  }
  EXPECT_EQ(recorder.wait_for("close"), "close 1006 ");
}

TEST(L10_WsConnection, ServerCloseWaitsForTheAnswerThenClosesTcp) {
  Recorder recorder;
  auto server = serve(recorder);
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  ASSERT_EQ(recorder.wait_for("open"), "open");
  bool sent =
      server->call([&] { return recorder.last_connection()->close(CloseCode{4000}, "done"); });
  EXPECT_TRUE(sent);
  auto frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->close_code(), 4000);
  EXPECT_EQ(frame->close_reason(), "done");
  // Until the client answers, the connection is closing, not closed.
  EXPECT_EQ(recorder.wait_for("close", milliseconds(0)), "");
  client.send_close(4000);
  EXPECT_TRUE(client.wait_for_eof());
  client.stream().shutdown_write();
  EXPECT_EQ(recorder.wait_for("close"), "close 4000 ");
}

TEST(L10_WsConnection, CloseTimeoutDropsAPeerThatNeverAnswers) {
  Recorder recorder;
  WsOptions options;
  options.close_timeout = milliseconds(100);
  auto server = serve(recorder, options);
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  ASSERT_EQ(recorder.wait_for("open"), "open");
  server->call([&] { return recorder.last_connection()->close(); });
  auto frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->close_code(), 1000);
  EXPECT_TRUE(client.wait_for_eof());  // we never answered: the server gave up on us
  EXPECT_NE(recorder.wait_for("error 1006 the peer did not answer our close"), "");
  EXPECT_EQ(recorder.wait_for("close"), "close 1006 ");
}

// 1005 and 1006 exist only in reports; the application cannot put 1006 on the wire.
TEST(L10_WsConnection, ApplicationCannotSend1006) {
  Recorder recorder;
  auto server = serve(recorder);
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  ASSERT_EQ(recorder.wait_for("open"), "open");
  bool sent =
      server->call([&] { return recorder.last_connection()->close(CloseCode::kAbnormalClosure); });
  EXPECT_FALSE(sent);
  bool open = server->call([&] { return recorder.last_connection()->is_open(); });
  EXPECT_TRUE(open);
}

TEST(L10_WsConnection, KeepAlivePingsAnIdlePeerAndKeepsOneThatAnswers) {
  Recorder recorder;
  WsOptions options;
  options.ping_interval = milliseconds(30);
  options.pong_timeout = milliseconds(500);
  auto server = serve(recorder, options);
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  for (int round = 0; round < 2; ++round) {
    auto ping = client.read_frame();
    ASSERT_TRUE(ping);
    ASSERT_EQ(ping->opcode, 0x9);
    client.send_frame(0xA, ping->payload);
  }
  client.send_text("alive");
  auto frame = client.read_frame();
  while (frame && frame->opcode == 0x9) {
    client.send_frame(0xA, frame->payload);
    frame = client.read_frame();
  }
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->payload, "alive");
  EXPECT_EQ(recorder.wait_for("close", milliseconds(0)), "");
}

TEST(L10_WsConnection, KeepAliveDropsAPeerWhosePongDoesNotArrive) {
  Recorder recorder;
  WsOptions options;
  options.ping_interval = milliseconds(30);
  options.pong_timeout = milliseconds(50);
  auto server = serve(recorder, options);
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  auto ping = client.read_frame();
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->opcode, 0x9);
  EXPECT_TRUE(client.wait_for_eof());
  EXPECT_NE(recorder.wait_for("error 1006 no pong within 50 ms"), "");
  EXPECT_EQ(recorder.wait_for("close"), "close 1006 ");
}

// A peer that starts a frame and stops (slowloris) must not hold the connection forever:
// past message_timeout it hears 1008, and TCP goes when it does not answer the close.
TEST(L10_WsConnection, MessageTimeoutClosesAFrameLeftIncompleteWith1008) {
  Recorder recorder;
  WsOptions options;
  options.message_timeout = milliseconds(100);
  options.close_timeout = milliseconds(100);
  auto server = serve(recorder, options);
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  std::string frame = testing::raw_frame(0x1, "never finished");
  client.send_raw(frame.substr(0, frame.size() - 3));
  auto close = client.read_frame();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->opcode, 0x8);
  EXPECT_EQ(close->close_code(), 1008);
  EXPECT_NE(recorder.wait_for("error 1008 a frame or message was not complete within 100 ms"), "");
  EXPECT_TRUE(client.wait_for_eof());
  EXPECT_EQ(recorder.wait_for("close"), "close 1006 ");
}

// Keep-alive cannot catch a peer that keeps sending: here each ping is answered, yet the
// fragmented message those pings sit inside never ends, and the deadline still closes it.
TEST(L10_WsConnection, MessageTimeoutBoundsAFragmentedMessageWhileBytesKeepComing) {
  Recorder recorder;
  WsOptions options;
  options.message_timeout = milliseconds(200);
  auto server = serve(recorder, options);
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  client.send_frame(0x1, "first fragment", false);
  std::optional<testing::RawFrame> frame;
  auto start = std::chrono::steady_clock::now();
  int pongs = 0;
  while (std::chrono::steady_clock::now() - start < testing::kWsReadTimeout) {
    client.send_frame(0x9, "still here");
    frame = client.read_frame();
    if (!frame || frame->opcode != 0xA) break;
    ++pongs;
  }
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->opcode, 0x8);
  EXPECT_EQ(frame->close_code(), 1008);
  EXPECT_GT(pongs, 0);
  client.send_close(1008);
  EXPECT_TRUE(client.wait_for_eof());
  EXPECT_EQ(recorder.wait_for("close"), "close 1008 ");
}

// Frames that complete in time are never affected: a frame split across two writes is echoed,
// and the timer armed for it lapses without closing the connection.
TEST(L10_WsConnection, MessageTimeoutSparesFramesThatComplete) {
  Recorder recorder;
  WsOptions options;
  options.message_timeout = milliseconds(1000);
  auto server = serve(recorder, options);
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  std::string frame = testing::raw_frame(0x1, "in two halves");
  client.send_raw(frame.substr(0, 5));
  client.send_raw(frame.substr(5));
  auto echo = client.read_frame();
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->payload, "in two halves");
  // A bounded wait past the deadline: no error may be reported in it.
  EXPECT_EQ(recorder.wait_for("error", milliseconds(1300)), "");
  client.send_text("still open");
  echo = client.read_frame();
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->payload, "still open");
}

// A peer that stops reading must not make the server buffer without bound: past
// max_send_queue the send is refused and the connection closed with 1008.
TEST(L10_WsConnection, SendQueueIsBoundedAndOverflowClosesWith1008) {
  Recorder recorder;
  WsOptions options;
  options.max_send_queue = 64 * 1024;
  std::size_t sent = 0;
  std::size_t most_queued = 0;
  bool refused = false;
  auto server = serve(recorder, options, [&](WsConnection& connection, Message&) {
    std::string chunk(16 * 1024, 'x');
    for (int i = 0; i < 100'000 && !refused; ++i) {
      most_queued = std::max(most_queued, connection.bytes_queued());
      if (connection.send_binary(chunk)) {
        ++sent;
      } else {
        refused = true;
      }
    }
    EXPECT_FALSE(connection.send_binary("after"));
  });
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  client.send_text("flood me");
  EXPECT_NE(recorder.wait_for("error 1008 send queue full"), "");
  std::size_t skipped = 0;
  auto close = client.read_close(testing::kWsReadTimeout, &skipped);
  EXPECT_EQ(close.close_code(), 1008);
  bool done = server->call([&] { return refused; });
  EXPECT_TRUE(done);
  EXPECT_EQ(skipped, server->call([&] { return sent; }));  // every accepted message arrived
  EXPECT_LE(server->call([&] { return most_queued; }), options.max_send_queue);
  client.send_close(1008);
  EXPECT_TRUE(client.wait_for_eof());
}

// A peer that breaks a framing rule hears 1002 and the application hears why.
TEST(L10_WsConnection, ProtocolViolationIsReportedToOnError) {
  Recorder recorder;
  auto server = serve(recorder);
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  client.send_raw(testing::raw_frame(0x1, "unmasked", true, false));
  auto close = client.read_close();
  EXPECT_EQ(close.close_code(), 1002);
  EXPECT_TRUE(client.wait_for_eof());
  client.stream().shutdown_write();
  EXPECT_NE(recorder.wait_for("error 1002 "), "");
  EXPECT_EQ(recorder.wait_for("close"), "close 1006 ");  // §7.1.5: no close frame was received
}

TEST(L10_WsConnection, TraceShowsEveryFrameInBothDirections) {
  Recorder recorder;
  auto trace = std::make_shared<std::string>();
  auto trace_mutex = std::make_shared<std::mutex>();
  WsOptions options;
  options.trace = true;
  options.log = [trace, trace_mutex](std::string_view lines) {
    std::lock_guard lock(*trace_mutex);
    trace->append(lines);
  };
  auto server = serve(recorder, options);
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  client.send_text("Hello");
  ASSERT_TRUE(client.read_frame());
  std::string text = server->call([&] {
    std::lock_guard lock(*trace_mutex);
    return *trace;
  });
  EXPECT_NE(text.find("> FIN=1 RSV=000 opcode=0x1 (text) MASK=1 key=37 fa 21 3d length=5"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("< FIN=1 RSV=000 opcode=0x1 (text) MASK=0 length=5"), std::string::npos)
      << text;
  EXPECT_NE(text.find("|Hello|"), std::string::npos) << text;
}

// Every frame of one read is handled before anything is written, and the replies leave
// together: three pings in one write come back as three pongs, in order.
TEST(L10_WsConnection, AllFramesOfOneReadAreAnsweredInOrder) {
  Recorder recorder;
  auto server = serve(recorder);
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  client.send_raw(testing::raw_frame(0x9, "1") + testing::raw_frame(0x1, "2") +
                  testing::raw_frame(0x9, "3"));
  for (const char* expected : {"1", "2", "3"}) {
    auto frame = client.read_frame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->payload, expected);
  }
}

TEST(L10_WsConnection, UserDataIsPerConnection) {
  Recorder recorder;
  auto server = serve(recorder, {}, [](WsConnection& connection, Message&) {
    if (!connection.user_data().has_value()) connection.user_data() = 0;
    int& count = std::any_cast<int&>(connection.user_data());
    connection.send_text(std::to_string(++count));
  });
  WsRawClient first = WsRawClient::connect(server->port(), "/ws");
  WsRawClient second = WsRawClient::connect(server->port(), "/ws");
  first.send_text("a");
  EXPECT_EQ(first.read_frame().value_or(RawFrame{}).payload, "1");
  first.send_text("a");
  EXPECT_EQ(first.read_frame().value_or(RawFrame{}).payload, "2");
  second.send_text("b");
  EXPECT_EQ(second.read_frame().value_or(RawFrame{}).payload, "1");
}

}  // namespace
}  // namespace duplex::ws
