// RedisClient against a real redis-server (lesson 15): the event-loop client, the way the
// engines use it (one command client, one subscriber), through a Redis restart. Each test
// starts its own redis-server on a free loopback port; without the binary the suite is skipped
// with the reason. The loop is stepped until a condition holds: no sleeps.
// @lesson 15
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/net/event_loop.hpp"
#include "src/net/socket_address.hpp"
#include "src/redis/redis_client.hpp"
#include "tests/redis/redis_server_process.hpp"
#include "tests/support/loop_thread.hpp"

namespace duplex::redis {
namespace {

using namespace std::chrono_literals;

// A restart takes a redis-server a moment: more room than the default 5 s.
bool run_until(net::EventLoop& loop, const std::function<bool()>& done) {
  return duplex::testing::run_until(loop, done, 10s);
}

class L15_RedisClientServer : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = duplex::testing::start_redis_server();
    if (!server_) GTEST_SKIP() << duplex::testing::kNoRedisServer;
  }

  net::SocketAddress address() const {
    return net::SocketAddress::from_numeric("127.0.0.1", server_->port());
  }

  static ClientOptions options() {
    ClientOptions options;
    options.backoff.min = 5ms;
    options.backoff.max = 50ms;
    options.backoff.seed = 7;
    return options;
  }

  std::unique_ptr<duplex::testing::RedisServerProcess> server_;
};

TEST_F(L15_RedisClientServer, PipelinedCommandsAndAnErrorReply) {
  net::EventLoop loop;
  RedisClient redis(loop, address(), options());
  redis.start();
  ASSERT_TRUE(run_until(loop, [&] { return redis.connected(); }));
  std::vector<std::string> replies;
  auto keep = [&](Reply reply) {
    replies.push_back(reply.ok() ? describe(reply.value) : std::string(to_string(reply.error)));
  };
  for (int i = 0; i < 50; ++i) redis.command({"INCR", "n"}, keep);
  redis.command({"LPUSH", "n", "x"}, keep);
  redis.command({"GET", "n"}, keep);
  ASSERT_TRUE(run_until(loop, [&] { return replies.size() == 52; }));
  for (int i = 0; i < 50; ++i) EXPECT_EQ(replies[i], ":" + std::to_string(i + 1));
  EXPECT_EQ(replies[50].rfind("-WRONGTYPE", 0), 0U) << replies[50];
  EXPECT_EQ(replies[51], "\"50\"");
}

// The fault the engines must survive: Redis restarts while a process is subscribed. The
// subscriber is told, reconnects with backoff, resubscribes by itself, and a PUBLISH after the
// restart arrives exactly once; the one from before is not delivered again.
TEST_F(L15_RedisClientServer, SubscriberSurvivesARestart) {
  net::EventLoop loop;
  RedisClient subscriber(loop, address(), options());
  RedisClient publisher(loop, address(), options());
  std::vector<std::string> messages;
  int subscribed = 0;
  int subscriber_down = 0;
  int publisher_connected = 0;
  subscriber.set_on_push([&](const SessionEvent& event) {
    if (event.kind == SessionEvent::Kind::kMessage) messages.push_back(event.payload);
    if (event.kind == SessionEvent::Kind::kSubscribed) ++subscribed;
  });
  subscriber.set_on_disconnected([&](const Disconnect& disconnect) {
    if (disconnect.was_connected) ++subscriber_down;
  });
  publisher.set_on_connected([&] { ++publisher_connected; });
  std::array<std::string_view, 1> room = {"room:1"};
  subscriber.subscribe(room);
  subscriber.start();
  publisher.start();
  ASSERT_TRUE(run_until(loop, [&] { return subscribed == 1 && publisher_connected == 1; }));

  std::vector<std::int64_t> receivers;
  auto publish = [&](std::string_view text) {
    publisher.command({"PUBLISH", "room:1", text}, [&](Reply reply) {
      receivers.push_back(reply.ok() ? reply.value.integer : -1);
    });
  };
  publish("before");
  ASSERT_TRUE(run_until(loop, [&] { return messages.size() == 1; }));

  server_->stop();
  ASSERT_TRUE(run_until(loop, [&] { return subscriber_down == 1; }));
  EXPECT_FALSE(subscriber.connected());
  server_->start();
  ASSERT_TRUE(run_until(loop, [&] { return subscribed == 2 && publisher_connected == 2; }))
      << "both reconnect, and the subscriber resubscribes";
  EXPECT_EQ(subscriber.connections_made(), 2U);

  publish("after");
  publish("end");
  ASSERT_TRUE(run_until(loop, [&] { return messages.size() >= 3 && receivers.size() == 3; }));
  EXPECT_EQ(messages, (std::vector<std::string>{"before", "after", "end"}));
  EXPECT_EQ(receivers, (std::vector<std::int64_t>{1, 1, 1}))
      << "one subscription on the new server, not two";
}

}  // namespace
}  // namespace duplex::redis
