// Tests for /ticker?since=N (lesson 15), the WebSocket twin of Last-Event-ID: a client that
// reconnects (to this process, or to another one serving the same ticks through the Redis
// ticker engine) with the last id it saw gets every kept event after it, in order, then the live
// ones, without a gap or a repeat. A live server with real WsClient peers.
// @lesson 15
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

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

class L15_TickerResume : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>([this](http::Router& router) {
      ticker_ = std::make_unique<Ticker>(ticker_loop_);
      ticker_socket_ = std::make_unique<TickerSocket>(*ticker_);
      ticker_socket_->install(router);
    });
    // Five events before anyone connects (the ticker's timer is never started).
    server_->call([this] {
      for (int i = 0; i < 5; ++i) ticker_->publish();
      return 0;
    });
  }
  void TearDown() override {
    server_->call([this] {
      ticker_socket_->shutdown();
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
  ws::WsClient connect(std::string_view target) {
    ws::WsClientOptions options;
    options.close_timeout = milliseconds(2000);
    return ws::WsClient::connect(
        "ws://127.0.0.1:" + std::to_string(server_->port()) + std::string(target), options);
  }
  // The ids of the next `count` text messages.
  static std::vector<std::string> ids(ws::WsClient& client, std::size_t count) {
    std::vector<std::string> result;
    for (std::size_t i = 0; i < count; ++i) {
      auto event = client.receive(kWait);
      if (!event) {
        ADD_FAILURE() << "message " << i + 1 << " of " << count << " never came";
        break;
      }
      // {"id":7,"value":1003}: the digits after "id": (numbers, which flat JSON does not parse).
      std::string_view data = event->data;
      std::size_t at = data.find("\"id\":");
      std::size_t end = at == std::string_view::npos ? at : data.find(',', at);
      result.emplace_back(end == std::string_view::npos ? data : data.substr(at + 5, end - at - 5));
    }
    return result;
  }
  void publish_when_subscribed(std::size_t subscribers) {
    for (int i = 0; i < 5000; ++i) {
      if (server_->call([this] { return ticker_socket_->subscriber_count(); }) >= subscribers) {
        break;
      }
      std::this_thread::sleep_for(milliseconds(1));
    }
    server_->call([this] { return ticker_->publish().id; });
  }

  net::EventLoop ticker_loop_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Ticker> ticker_;
  std::unique_ptr<TickerSocket> ticker_socket_;
};

// @anchor lesson15-ticker-resume-test
TEST_F(L15_TickerResume, AClientThatComesBackWithSinceGetsWhatFollowsThenLive) {
  auto client = connect("/ticker?since=2");
  EXPECT_EQ(ids(client, 3), (std::vector<std::string>{"3", "4", "5"}))
      << "sent /ticker?since=2 with events 1..5 kept: expected 3, 4, 5";
  publish_when_subscribed(1);
  EXPECT_EQ(ids(client, 1), (std::vector<std::string>{"6"})) << "then the live events";
}

TEST_F(L15_TickerResume, WithoutSinceOrWithABadOneTheLatestEventComesFirst) {
  auto plain = connect("/ticker");
  EXPECT_EQ(ids(plain, 1), (std::vector<std::string>{"5"}));
  auto bad = connect("/ticker?since=x4");
  EXPECT_EQ(ids(bad, 1), (std::vector<std::string>{"5"})) << "since=x4 is no number: ignored";
  // Up to date: nothing replayed, the next live event is the first message.
  auto current = connect("/ticker?since=5");
  publish_when_subscribed(3);
  EXPECT_EQ(ids(current, 1), (std::vector<std::string>{"6"}));
  EXPECT_EQ(ids(plain, 1), (std::vector<std::string>{"6"}));
}

}  // namespace
}  // namespace duplex::app
