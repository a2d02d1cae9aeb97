// RespSession against a real redis-server (lesson 15): the sans-I/O core, driven by a blocking
// net::TcpStream, talks to the real thing. Each test starts its own redis-server on a free
// loopback port with no persistence and stops it at the end; without the binary the suite is
// skipped with the reason. Every read has a timeout, and the server's readiness is read from
// its log, never waited for with a sleep.
// @lesson 15
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "src/net/socket_address.hpp"
#include "src/net/tcp_stream.hpp"
#include "src/redis/resp_session.hpp"
#include "tests/redis/redis_server_process.hpp"

namespace duplex::redis {
namespace {

constexpr auto kTimeout = std::chrono::seconds(5);

// One connection: a RespSession over a blocking TcpStream.
class Connection {
 public:
  explicit Connection(std::uint16_t port, SessionOptions options = {})
      : port_(port), session_(options) {
    connect();
  }

  void connect() {
    stream_ = std::make_unique<net::TcpStream>(
        net::TcpStream::connect(net::SocketAddress::from_numeric("127.0.0.1", port_)));
    stream_->set_receive_timeout(kTimeout);
    stream_->set_send_timeout(kTimeout);
    session_.connection_made();
    flush();
  }

  RespSession& session() { return session_; }

  void flush() { stream_->write_all(session_.data_to_send()); }

  CommandId send(std::initializer_list<std::string_view> args) {
    CommandId id = session_.send(args);
    flush();
    return id;
  }

  // Reads until `count` events have arrived (or the receive timeout throws, or EOF).
  std::vector<SessionEvent> wait_events(std::size_t count) {
    std::vector<SessionEvent> events;
    char buffer[16384];
    for (;;) {
      for (auto& event : session_.events()) events.push_back(std::move(event));
      if (events.size() >= count) return events;
      std::size_t n = stream_->read_some(buffer);
      if (n == 0) {
        session_.connection_lost();
        for (auto& event : session_.events()) events.push_back(std::move(event));
        return events;
      }
      session_.receive_data(std::string_view(buffer, n));
    }
  }

  Value call(std::initializer_list<std::string_view> args) {
    CommandId id = send(args);
    auto events = wait_events(1);
    EXPECT_EQ(events.size(), 1U);
    EXPECT_EQ(events.at(0).kind, SessionEvent::Kind::kReply);
    EXPECT_EQ(events.at(0).id, id);
    return std::move(events.at(0).value);
  }

 private:
  std::uint16_t port_;
  RespSession session_;
  std::unique_ptr<net::TcpStream> stream_;
};

class L15_RedisServer : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = duplex::testing::start_redis_server();
    if (!server_) GTEST_SKIP() << duplex::testing::kNoRedisServer;
    port_ = server_->port();
  }

  std::uint16_t port_ = 0;
  std::unique_ptr<duplex::testing::RedisServerProcess> server_;
};

TEST_F(L15_RedisServer, PingSetGetAndErrorReplies) {
  Connection redis(port_);
  EXPECT_EQ(describe(redis.call({"PING"})), "+PONG");
  EXPECT_EQ(describe(redis.call({"SET", "greeting", "hello\r\nworld"})), "+OK");
  EXPECT_EQ(describe(redis.call({"GET", "greeting"})), "\"hello\\r\\nworld\"");
  EXPECT_EQ(describe(redis.call({"GET", "missing"})), "(nil)");
  Value error = redis.call({"LPUSH", "greeting", "x"});
  EXPECT_TRUE(error.is_error());
  EXPECT_EQ(error.string.rfind("WRONGTYPE", 0), 0U) << error.string;
  // The connection goes on after an error reply.
  EXPECT_EQ(describe(redis.call({"PING", "again"})), "\"again\"");
}

TEST_F(L15_RedisServer, PipelineOf100Incrs) {
  Connection redis(port_);
  for (int i = 0; i < 100; ++i) redis.session().send({"INCR", "counter"});
  redis.flush();
  auto events = redis.wait_events(100);
  ASSERT_EQ(events.size(), 100U);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(events[i].kind, SessionEvent::Kind::kReply);
    EXPECT_EQ(events[i].id, CommandId(i + 1));
    EXPECT_EQ(events[i].value.integer, i + 1);
  }
}

TEST_F(L15_RedisServer, SubscribePublishAndResubscribeAfterReconnect) {
  SessionOptions options;
  options.setup = {{"CLIENT", "SETNAME", "duplex-subscriber"}};
  Connection subscriber(port_, options);
  Connection publisher(port_);
  std::array<std::string_view, 1> channels = {"room:1"};
  std::array<std::string_view, 1> patterns = {"ticker.*"};
  subscriber.session().subscribe(channels);
  subscriber.session().psubscribe(patterns);
  subscriber.flush();
  auto events = subscriber.wait_events(3);
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[0].kind, SessionEvent::Kind::kSetup);
  EXPECT_EQ(describe(events[0].value), "+OK");
  EXPECT_EQ(events[1].kind, SessionEvent::Kind::kSubscribed);
  EXPECT_EQ(events[1].channel, "room:1");
  EXPECT_EQ(events[2].pattern, "ticker.*");
  EXPECT_EQ(events[2].count, 2);

  EXPECT_EQ(publisher.call({"PUBLISH", "room:1", "hi\r\nbob"}).integer, 1);
  EXPECT_EQ(publisher.call({"PUBLISH", "ticker.eur", "1.09"}).integer, 1);
  subscriber.send({"PING"});
  events = subscriber.wait_events(3);
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[0].kind, SessionEvent::Kind::kMessage);
  EXPECT_EQ(events[0].payload, "hi\r\nbob");
  EXPECT_EQ(events[1].channel, "ticker.eur");
  EXPECT_EQ(events[1].pattern, "ticker.*");
  EXPECT_EQ(describe(events[2].value), "[\"pong\", \"\"]");

  // Redis drops the subscriber (end of stream), and a new connection subscribes again by
  // itself.
  publisher.call({"CLIENT", "KILL", "TYPE", "pubsub"});
  EXPECT_TRUE(subscriber.wait_events(1).empty());
  EXPECT_EQ(subscriber.session().state(), RespSession::State::kDisconnected);
  subscriber.connect();
  events = subscriber.wait_events(3);
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[0].kind, SessionEvent::Kind::kSetup);
  EXPECT_EQ(events[2].count, 2);
  // The new connection ran the setup commands again: Redis knows it by its name.
  Value clients = publisher.call({"CLIENT", "LIST", "TYPE", "pubsub"});
  EXPECT_NE(clients.string.find("name=duplex-subscriber"), std::string::npos) << clients.string;
  EXPECT_EQ(publisher.call({"PUBLISH", "room:1", "back"}).integer, 1);
  events = subscriber.wait_events(1);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].payload, "back");
}

// A command waiting for its reply when Redis drops the connection fails with kConnectionLost.
// BLPOP on an empty list never answers, so the order of events is certain.
TEST_F(L15_RedisServer, WaitingCommandFailsWhenRedisDropsTheConnection) {
  Connection victim(port_);
  Connection admin(port_);
  Value id = victim.call({"CLIENT", "ID"});
  ASSERT_EQ(id.type, Type::kInteger);
  CommandId blpop = victim.send({"BLPOP", "nothing", "0"});
  EXPECT_EQ(admin.call({"CLIENT", "KILL", "ID", std::to_string(id.integer)}).integer, 1);
  auto events = victim.wait_events(1);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].kind, SessionEvent::Kind::kFailed);
  EXPECT_EQ(events[0].id, blpop);
  EXPECT_EQ(events[0].error, SessionError::kConnectionLost);
}

TEST_F(L15_RedisServer, Resp3PushesAndCommandsOnOneConnection) {
  SessionOptions options;
  options.protocol = Protocol::kResp3;
  Connection redis(port_, options);
  auto events = redis.wait_events(1);
  ASSERT_EQ(events.size(), 1U);
  ASSERT_EQ(events[0].kind, SessionEvent::Kind::kHello);
  if (events[0].value.is_error()) GTEST_SKIP() << "this redis-server has no RESP3";
  EXPECT_EQ(redis.session().protocol(), Protocol::kResp3);
  std::array<std::string_view, 1> channels = {"room"};
  redis.session().subscribe(channels);
  redis.flush();
  EXPECT_EQ(redis.wait_events(1).at(0).kind, SessionEvent::Kind::kSubscribed);
  Connection publisher(port_);
  EXPECT_EQ(publisher.call({"PUBLISH", "room", "hello"}).integer, 1);
  // The push was queued before HSET was sent, so it comes first; HSET's reply is still HSET's.
  CommandId hset = redis.send({"HSET", "h", "f", "v"});
  events = redis.wait_events(2);
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].kind, SessionEvent::Kind::kMessage);
  EXPECT_EQ(events[0].payload, "hello");
  EXPECT_EQ(events[1].id, hset);
  EXPECT_EQ(describe(events[1].value), ":1");
  // A RESP3 map, on a subscribed connection.
  EXPECT_EQ(describe(redis.call({"HGETALL", "h"})), "{\"f\": \"v\"}");
}

TEST_F(L15_RedisServer, XaddAndXrange) {
  Connection redis(port_);
  Value first = redis.call({"XADD", "room:1:history", "*", "user", "ada", "text", "hi"});
  Value second = redis.call({"XADD", "room:1:history", "*", "user", "bob", "text", "hello"});
  ASSERT_EQ(first.type, Type::kBulkString);
  ASSERT_EQ(second.type, Type::kBulkString);
  Value range = redis.call({"XRANGE", "room:1:history", "-", "+"});
  EXPECT_EQ(describe(range), "[[" + describe(first) +
                                 ", [\"user\", \"ada\", \"text\", \"hi\"]], [" + describe(second) +
                                 ", [\"user\", \"bob\", \"text\", \"hello\"]]]");
  // Reading from an offset: what came after the first entry (exclusive range, Redis 6.2+).
  Value after = redis.call({"XRANGE", "room:1:history", "(" + first.string, "+"});
  if (!after.is_error()) {
    ASSERT_EQ(after.elements.size(), 1U);
    EXPECT_EQ(after.elements[0].elements[0].string, second.string);
  }
}

}  // namespace
}  // namespace duplex::redis
