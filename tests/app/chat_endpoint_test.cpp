// Tests for the demo's WebSocket apps on a live server (lesson 11): the chat over /chat with
// real WsClient peers (broadcast, history, a message too big, a flood, shutdown), the ticker
// over /ticker, and the echo playground's frame trace over /echo-trace.
// @lesson 11
#include "src/app/chat_endpoint.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "src/app/echo_trace_endpoint.hpp"
#include "src/app/flat_json.hpp"
#include "src/app/ticker.hpp"
#include "src/app/ticker_socket.hpp"
#include "src/net/event_loop.hpp"
#include "src/ws/ws_client.hpp"
#include "tests/http/server_fixture.hpp"

namespace duplex::app {
namespace {

using std::chrono::milliseconds;
using testing::TestServer;

constexpr milliseconds kWait{5000};

class L11_DemoApps : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>([this](http::Router& router) {
      chat_ = std::make_unique<ChatEndpoint>();
      chat_->install(router);
      ticker_ = std::make_unique<Ticker>(ticker_loop_);
      ticker_socket_ = std::make_unique<TickerSocket>(*ticker_);
      ticker_socket_->install(router);
      echo_ = std::make_unique<EchoTraceEndpoint>();
      echo_->install(router);
    });
  }
  void TearDown() override {
    server_->call([this] {
      chat_->shutdown();
      ticker_socket_->shutdown();
      echo_->shutdown();
      return 0;
    });
    server_->stop();
    server_->call([this] {
      ticker_socket_.reset();
      ticker_.reset();
      return 0;
    });
    server_.reset();
  }
  ws::WsClient connect(std::string_view path) {
    ws::WsClientOptions options;
    options.close_timeout = milliseconds(2000);
    return ws::WsClient::connect(
        "ws://127.0.0.1:" + std::to_string(server_->port()) + std::string(path), options);
  }
  // The next text message as a flat object (fails the test on anything else).
  static FlatObject next(ws::WsClient& client) {
    auto event = client.receive(kWait);
    EXPECT_TRUE(event) << "nothing arrived within the timeout";
    if (!event) return {};
    EXPECT_EQ(event->kind, ws::Event::Kind::kText) << event->data;
    FlatJsonError error;
    auto object = parse_flat_json(event->data, error);
    EXPECT_TRUE(object) << event->data;
    return object.value_or(FlatObject{});
  }
  static void join(ws::WsClient& client, std::string_view room, std::string_view nick) {
    ASSERT_TRUE(client.send_text(
        FlatJsonWriter().field("type", "join").field("room", room).field("nick", nick).str()));
  }

  // The ticker's timer is never started (the tests publish by hand), so its loop never runs;
  // the server does not exist yet while the routes are set up.
  net::EventLoop ticker_loop_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<ChatEndpoint> chat_;
  std::unique_ptr<Ticker> ticker_;
  std::unique_ptr<TickerSocket> ticker_socket_;
  std::unique_ptr<EchoTraceEndpoint> echo_;
};

TEST_F(L11_DemoApps, TwoPeersChatAndANewcomerGetsTheHistory) {
  auto ada = connect("/chat");
  join(ada, "lobby", "ada");
  EXPECT_EQ(next(ada).value_or_empty("type"), "welcome");
  auto bob = connect("/chat");
  join(bob, "lobby", "bob");
  EXPECT_EQ(next(bob).value_or_empty("members"), "ada,bob");
  EXPECT_EQ(next(ada).value_or_empty("type"), "joined");
  ASSERT_TRUE(bob.send_text(R"({"type":"say","text":"hi ada"})"));
  for (ws::WsClient* client : {&ada, &bob}) {
    auto message = next(*client);
    EXPECT_EQ(message.value_or_empty("type"), "message");
    EXPECT_EQ(message.value_or_empty("text"), "hi ada");
  }
  auto cy = connect("/chat");
  join(cy, "lobby", "cy");
  EXPECT_EQ(next(cy).value_or_empty("type"), "welcome");
  auto replayed = next(cy);
  EXPECT_EQ(replayed.value_or_empty("text"), "hi ada");
  EXPECT_EQ(replayed.value_or_empty("history"), "yes");
  EXPECT_TRUE(bob.close());
  EXPECT_EQ(next(ada).value_or_empty("type"), "joined");  // cy
  auto left = next(ada);
  EXPECT_EQ(left.value_or_empty("type"), "left");
  EXPECT_EQ(left.value_or_empty("nick"), "bob");
}

TEST_F(L11_DemoApps, AMessageOverTheLimitClosesOnlyThatConnectionWith1009) {
  auto ada = connect("/chat");
  join(ada, "lobby", "ada");
  next(ada);
  auto eve = connect("/chat");
  join(eve, "lobby", "eve");
  next(eve);
  next(ada);
  // 4 KiB is the chat's message limit: a bigger one is refused before it is buffered whole.
  ASSERT_TRUE(eve.send_text(std::string(5000, 'x')));
  std::optional<ws::Event> event;
  do {
    event = eve.receive(kWait);
  } while (event && event->kind == ws::Event::Kind::kText);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->kind, ws::Event::Kind::kClose);
  EXPECT_EQ(event->code, ws::CloseCode::kMessageTooBig);
  EXPECT_EQ(next(ada).value_or_empty("type"), "left");
  ASSERT_TRUE(ada.send_text(R"({"type":"say","text":"still fine"})"));
  EXPECT_EQ(next(ada).value_or_empty("text"), "still fine");
}

TEST_F(L11_DemoApps, AFloodingClientIsClosedWith1008AndTheRoomGoesOn) {
  auto ada = connect("/chat");
  join(ada, "lobby", "ada");
  next(ada);
  auto eve = connect("/chat");
  join(eve, "lobby", "eve");
  next(eve);
  next(ada);
  for (int i = 0; i < 200; ++i) {
    if (!eve.send_text(R"({"type":"say","text":"spam"})")) break;
  }
  std::optional<ws::Event> event;
  bool rate_limited = false;
  do {
    event = eve.receive(kWait);
    if (event && event->data.find("rate-limited") != std::string::npos) rate_limited = true;
  } while (event && event->kind == ws::Event::Kind::kText);
  ASSERT_TRUE(event);
  EXPECT_TRUE(rate_limited) << "the flooder is told before it is closed";
  EXPECT_EQ(event->kind, ws::Event::Kind::kClose);
  EXPECT_EQ(event->code, ws::CloseCode::kPolicyViolation);
  // ada got the burst that went through, then the notice that eve left, and chats on.
  FlatObject message;
  do {
    message = next(ada);
  } while (message.value_or_empty("type") == "message");
  EXPECT_EQ(message.value_or_empty("type"), "left");
  ASSERT_TRUE(ada.send_text(R"({"type":"say","text":"quiet now"})"));
  EXPECT_EQ(next(ada).value_or_empty("text"), "quiet now");
}

TEST_F(L11_DemoApps, ShutdownClosesChatClientsWith1001) {
  auto ada = connect("/chat");
  join(ada, "lobby", "ada");
  next(ada);
  server_->call([this] {
    chat_->shutdown();
    return 0;
  });
  auto event = ada.receive(kWait);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->kind, ws::Event::Kind::kClose);
  EXPECT_EQ(event->code, ws::CloseCode::kGoingAway);
}

TEST_F(L11_DemoApps, TickerSubscribersGetEveryTickAsJson) {
  auto first = connect("/ticker");
  auto second = connect("/ticker");
  // Wait until both are subscribed, then publish by hand (the ticker's timer is not started).
  for (int i = 0;
       i < 5000 && server_->call([this] { return ticker_socket_->subscriber_count(); }) < 2; ++i) {
  }
  auto id = server_->call([this] { return ticker_->publish().id; });
  for (ws::WsClient* client : {&first, &second}) {
    auto event = client->receive(kWait);
    ASSERT_TRUE(event);
    EXPECT_EQ(event->data.rfind("{\"id\":" + std::to_string(id) + ",\"value\":", 0), 0U)
        << event->data;
  }
  // A newcomer gets the latest tick at once.
  auto third = connect("/ticker");
  auto event = third.receive(kWait);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->data.rfind("{\"id\":" + std::to_string(id) + ",", 0), 0U) << event->data;
}

TEST_F(L11_DemoApps, EchoTraceSendsTheEchoThenTheServersFrameTrace) {
  auto client = connect("/echo-trace");
  ASSERT_TRUE(client.send_text("Hello"));
  auto echo = client.receive(kWait);
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->data, "Hello");
  auto trace = next(client);
  EXPECT_EQ(trace.value_or_empty("type"), "trace");
  std::string_view text = trace.value_or_empty("text");
  // The frame we sent, as the server decoded it (masked), and its unmasked echo.
  EXPECT_NE(text.find("> FIN=1 RSV=000 opcode=0x1 (text) MASK=1"), std::string::npos) << text;
  EXPECT_NE(text.find("< FIN=1 RSV=000 opcode=0x1 (text) MASK=0"), std::string::npos) << text;
  EXPECT_EQ(text.find("ws#"), std::string::npos) << "the connection tag is removed";
  EXPECT_EQ(text.find("(text) MASK=0 length=5"), text.rfind("(text) MASK=0"))
      << "the trace message's own frame is left out";
  ASSERT_TRUE(client.send_binary(std::string("\x00\x01\x02", 3)));
  echo = client.receive(kWait);
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->kind, ws::Event::Kind::kBinary);
  EXPECT_NE(next(client).value_or_empty("text").find("opcode=0x2 (binary)"), std::string::npos);
}

}  // namespace
}  // namespace duplex::app
