// Tests for the lesson-07 push endpoints over a live server: short polling, long-polling
// (held until an event or a timeout), HTTP streaming and Server-Sent Events with resume.
// The ticker's timer is not started: the test publishes each event itself, on the loop thread.
// @lesson 07
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "src/app/push_endpoints.hpp"
#include "src/app/ticker.hpp"
#include "tests/http/server_fixture.hpp"
#include "tests/support/http_client.hpp"

namespace duplex {
namespace {

using testing::HttpClient;
using testing::TestServer;

class L07_PushEndpoints : public ::testing::Test {
 protected:
  void start(app::PushOptions options = {}) {
    server_ =
        std::make_unique<TestServer>([this, options](http::Router& router, net::EventLoop& loop) {
          ticker_ = std::make_unique<app::Ticker>(loop, std::chrono::milliseconds(100));
          push_ = std::make_unique<app::PushEndpoints>(*ticker_, options);
          push_->install(router);
        });
  }
  void TearDown() override {
    if (!server_) return;
    server_->call([this] {
      push_.reset();
      return 0;
    });
    server_.reset();
  }
  std::uint64_t publish() {
    return server_->call([this] { return ticker_->publish().id; });
  }
  // Waits (bounded) until the server holds `n` long-polls or streams: the request has arrived
  // and is parked, so an event published now must reach it.
  void wait_parked(std::size_t n) {
    for (int i = 0; i < 5000; ++i) {
      if (server_->call([this] { return push_->waiting() + push_->streaming(); }) == n) return;
    }
    FAIL() << "the request was never parked";
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<app::Ticker> ticker_;
  std::unique_ptr<app::PushEndpoints> push_;
};

TEST_F(L07_PushEndpoints, ShortPollAnswersAtOnceEvenWithNothingNew) {
  start();
  HttpClient client(server_->port());
  auto empty = client.request("GET", "/poll?since=0");
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, "{\"last\":0,\"events\":[]}\n");
  EXPECT_EQ(empty.header("Content-Type"), "application/json");
  publish();
  publish();
  publish();
  auto some = client.request("GET", "/poll?since=1");
  EXPECT_EQ(some.body.rfind("{\"last\":3,\"events\":[{\"id\":2,", 0), 0U) << some.body;
  EXPECT_EQ(some.body.find("\"id\":1,"), std::string::npos);
}

TEST_F(L07_PushEndpoints, LongPollIsHeldUntilTheNextEvent) {
  start();
  HttpClient client(server_->port());
  client.send(HttpClient::format("GET", "/long-poll?since=0"));
  wait_parked(1);
  std::uint64_t id = publish();
  auto response = client.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("\"id\":" + std::to_string(id)), std::string::npos) << response.body;
  // With news already there, the next long-poll answers at once.
  publish();
  EXPECT_NE(client.request("GET", "/long-poll?since=1").body.find("\"id\":2"), std::string::npos);
}

TEST_F(L07_PushEndpoints, LongPollTimesOutWithNoEventsAndPipelinedRequestsWait) {
  app::PushOptions options;
  options.long_poll_timeout = std::chrono::milliseconds(50);
  start(options);
  HttpClient client(server_->port());
  // The poll pipelined behind the long-poll is answered only after it, in order.
  client.send(HttpClient::format("GET", "/long-poll") + HttpClient::format("GET", "/poll?since=0"));
  auto held = client.read_response();
  EXPECT_EQ(held.body, "{\"last\":0,\"events\":[]}\n");
  EXPECT_EQ(client.read_response().status, 200);
}

TEST_F(L07_PushEndpoints, AClientThatLeavesIsForgotten) {
  start();
  {
    HttpClient client(server_->port());
    client.send(HttpClient::format("GET", "/long-poll"));
    wait_parked(1);
  }
  wait_parked(0);
  EXPECT_EQ(server_->call([this] { return ticker_->subscriber_count(); }), 0U);
}

TEST_F(L07_PushEndpoints, StreamSendsOneChunkPerEvent) {
  start();
  HttpClient client(server_->port());
  client.send(HttpClient::format("GET", "/stream?count=3"));
  wait_parked(1);
  publish();
  publish();
  publish();
  auto response = client.read_response();
  EXPECT_EQ(response.header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(response.header("Content-Type"), "application/x-ndjson");
  EXPECT_EQ(response.body.rfind("{\"id\":1,", 0), 0U) << response.body;
  EXPECT_EQ(std::count(response.body.begin(), response.body.end(), '\n'), 3);
  EXPECT_EQ(client.request("GET", "/poll?since=2").status, 200) << "the connection persists";
}

TEST_F(L07_PushEndpoints, ServerSentEventsDeliverAndResumeFromLastEventId) {
  start();
  HttpClient client(server_->port());
  client.send(HttpClient::format("GET", "/events?count=2"));
  wait_parked(1);
  publish();
  publish();
  auto live = client.read_response();
  EXPECT_EQ(live.header("Content-Type"), "text/event-stream");
  EXPECT_EQ(live.body.rfind("retry: 1000\n\nid: 1\ndata: {\"id\":1,", 0), 0U) << live.body;
  EXPECT_NE(live.body.find("\n\nid: 2\ndata: {\"id\":2,"), std::string::npos) << live.body;
  publish();
  publish();
  // A reconnecting EventSource sends the last id it saw; the missed events come at once.
  auto resumed = client.request("GET", "/events?count=3", "Last-Event-ID: 1\r\n");
  EXPECT_NE(resumed.body.find("id: 2\n"), std::string::npos) << resumed.body;
  EXPECT_NE(resumed.body.find("id: 4\n"), std::string::npos) << resumed.body;
  EXPECT_EQ(resumed.body.find("id: 1\n"), std::string::npos) << resumed.body;
}

TEST_F(L07_PushEndpoints, ShutdownAnswersWaitersAndEndsStreams) {
  start();
  HttpClient poller(server_->port());
  HttpClient streamer(server_->port());
  poller.send(HttpClient::format("GET", "/long-poll"));
  streamer.send(HttpClient::format("GET", "/events"));
  wait_parked(2);
  server_->call([this] {
    push_->shutdown();
    return 0;
  });
  EXPECT_EQ(poller.read_response().status, 200);
  EXPECT_EQ(streamer.read_response().body, "retry: 1000\n\n");
}

}  // namespace
}  // namespace duplex
