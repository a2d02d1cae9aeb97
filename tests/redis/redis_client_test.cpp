// Tests for RedisClient and Backoff (lesson 15) against a fake Redis: a loopback listener on
// port 0, on the test's own loop, whose replies the test writes byte for byte. Replies in order
// at every split, the reply timeout, the backoff schedule of refused connects (seeded jitter),
// a server that closes mid-pipeline, reconnect + resubscribe, stop(), a broken reply stream and
// the error policy for callbacks. The loop is stepped with run_until: no sleeps, no timed
// assertions (the timeouts are small so the tests are quick, and nothing depends on their length).
// @lesson 15
#include "src/redis/redis_client.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/net/connection.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/socket_address.hpp"
#include "src/net/tcp_listener.hpp"
#include "src/redis/backoff.hpp"
#include "src/redis/resp_writer.hpp"
#include "tests/support/loop_thread.hpp"
#include "tests/support/split_feed.hpp"

namespace duplex::redis {
namespace {

using namespace std::chrono_literals;
using testing::run_until;

net::SocketAddress loopback(std::uint16_t port) {
  return net::SocketAddress::from_numeric("127.0.0.1", port);
}

// A Redis the test plays by hand: every accepted connection is kept, with what it received.
class FakeRedis {
 public:
  explicit FakeRedis(net::EventLoop& loop)
      : loop_(loop), listener_(net::TcpListener::listen(loopback(0))) {
    loop_.watch(listener_.fd().get(), net::kReadable, [this](std::uint32_t) { accept_one(); });
  }
  ~FakeRedis() {
    loop_.unwatch(listener_.fd().get());
    for (auto& connection : connections_) connection->abort();
  }

  net::SocketAddress address() const { return listener_.local_address(); }
  std::size_t accepted() const { return connections_.size(); }
  const std::string& received(std::size_t index) const { return received_.at(index); }
  // The newest connection.
  net::Connection& current() { return *connections_.back(); }
  void reply(std::string_view bytes) { current().send(bytes); }

 private:
  void accept_one() {
    net::Fd fd = std::move(listener_.accept()).release_fd();
    auto connection = net::Connection::create(loop_, std::move(fd));
    std::size_t index = received_.size();
    received_.emplace_back();
    connection->set_on_data([this, index](net::Connection&, net::Buffer& input) {
      received_[index].append(input.view());
      input.consume(input.size());
    });
    connection->start();
    connections_.push_back(std::move(connection));
  }

  net::EventLoop& loop_;
  net::TcpListener listener_;
  std::vector<std::shared_ptr<net::Connection>> connections_;
  std::vector<std::string> received_;
};

// Small, seeded delays: the tests are quick and see a known schedule.
ClientOptions quick_options() {
  ClientOptions options;
  options.backoff.min = 2ms;
  options.backoff.max = 16ms;
  options.backoff.seed = 42;
  options.reply_timeout = 2000ms;
  return options;
}

// What the application was told, in order, as one line each.
struct Log {
  std::vector<std::string> lines;
  std::vector<Disconnect> disconnects;
  int connected = 0;

  std::string last() const { return lines.empty() ? std::string() : lines.back(); }

  void attach(RedisClient& client) {
    client.set_on_connected([this] {
      ++connected;
      lines.push_back("connected");
    });
    client.set_on_disconnected([this](const Disconnect& disconnect) {
      disconnects.push_back(disconnect);
      lines.push_back("disconnected: " + std::string(to_string(disconnect.reason)));
    });
    client.set_on_push([this](const SessionEvent& event) {
      switch (event.kind) {
        case SessionEvent::Kind::kMessage:
          lines.push_back("message " + event.channel + " " + event.payload);
          break;
        case SessionEvent::Kind::kSubscribed:
          lines.push_back("subscribed " + event.channel);
          break;
        default:
          lines.push_back("push");
      }
    });
  }
  RedisClient::Callback reply_to(std::string name) {
    return [this, name](Reply reply) {
      lines.push_back(name + ": " +
                      (reply.ok() ? describe(reply.value) : std::string(to_string(reply.error))));
    };
  }
};

std::string commands(std::initializer_list<std::initializer_list<std::string_view>> list) {
  std::string bytes;
  for (auto command : list) bytes += encode_command(command);
  return bytes;
}

TEST(L15_Backoff, DoublesToTheCapWithEqualJitter) {
  BackoffOptions options;
  options.min = 100ms;
  options.max = 1000ms;
  options.factor = 2.0;
  options.seed = 1;
  Backoff backoff(options);
  const std::int64_t nominal[] = {100, 200, 400, 800, 1000, 1000, 1000};
  std::vector<std::int64_t> first;
  for (std::int64_t expected : nominal) {
    EXPECT_EQ(backoff.nominal().count(), expected);
    std::int64_t delay = backoff.next().count();
    EXPECT_GE(delay, expected / 2);
    EXPECT_LE(delay, expected);
    first.push_back(delay);
  }
  backoff.reset();
  EXPECT_EQ(backoff.nominal().count(), 100) << "a success starts the schedule afresh";

  Backoff same(options);
  options.seed = 2;
  Backoff other(options);
  std::vector<std::int64_t> again, different;
  for (std::size_t i = 0; i < first.size(); ++i) {
    again.push_back(same.next().count());
    different.push_back(other.next().count());
  }
  EXPECT_EQ(again, first) << "the same seed gives the same schedule";
  EXPECT_NE(different, first);
}

TEST(L15_RedisClient, RepliesInOrderAtEverySplit) {
  net::EventLoop loop;
  FakeRedis fake(loop);
  RedisClient client(loop, fake.address(), quick_options());
  Log log;
  log.attach(client);
  client.start();
  ASSERT_TRUE(run_until(loop, [&] { return client.connected() && fake.accepted() == 1; }));

  const std::string wire =
      commands({{"SET", "k", "v"}, {"GET", "k"}, {"INCR", "n"}, {"LPUSH", "k", "x"}});
  const std::string replies = "+OK\r\n$5\r\nhe\r\no\r\n:7\r\n-WRONGTYPE bad\r\n";
  std::string expected_received;
  std::uint64_t read_before = 0;
  for (const auto& plan : testing::split_plans(replies)) {
    SCOPED_TRACE(plan.name);
    log.lines.clear();
    client.command({"SET", "k", "v"}, log.reply_to("set"));
    client.command({"GET", "k"}, log.reply_to("get"));
    client.command({"INCR", "n"}, log.reply_to("incr"));
    client.command({"LPUSH", "k", "x"}, log.reply_to("lpush"));
    expected_received += wire;
    ASSERT_TRUE(run_until(loop, [&] { return fake.received(0) == expected_received; }))
        << "the four commands leave pipelined";
    for (std::string_view chunk : plan.chunks) {
      fake.reply(chunk);
      read_before += chunk.size();
      ASSERT_TRUE(run_until(loop, [&] { return client.bytes_read() == read_before; }));
    }
    ASSERT_TRUE(run_until(loop, [&] { return log.lines.size() == 4; }));
    EXPECT_EQ(log.lines, (std::vector<std::string>{"set: +OK", "get: \"he\\r\\no\"", "incr: :7",
                                                   "lpush: -WRONGTYPE bad"}));
  }
  EXPECT_TRUE(client.connected()) << "an error reply is a value, not a broken connection";
}

// A Redis that stops answering is as good as gone: every command waiting fails once, named, and
// the client makes a new connection.
TEST(L15_RedisClient, ReplyTimeoutFailsEveryPendingCommandThenReconnects) {
  net::EventLoop loop;
  FakeRedis fake(loop);
  ClientOptions options = quick_options();
  options.reply_timeout = 200ms;
  RedisClient client(loop, fake.address(), options);
  Log log;
  log.attach(client);
  client.start();
  ASSERT_TRUE(run_until(loop, [&] { return client.connected(); }));
  client.command({"GET", "a"}, log.reply_to("a"));
  client.command({"GET", "b"}, log.reply_to("b"));
  ASSERT_TRUE(run_until(loop, [&] { return log.disconnects.size() == 1; }));
  EXPECT_EQ(log.lines,
            (std::vector<std::string>{"connected", "a: reply timeout", "b: reply timeout",
                                      "disconnected: reply timeout"}));
  EXPECT_TRUE(log.disconnects[0].was_connected);
  EXPECT_EQ(log.disconnects[0].attempt, 1);
  ASSERT_TRUE(run_until(loop, [&] { return log.connected == 2 && fake.accepted() == 2; }));
  // The new connection works, and nothing of the old commands is resent on it.
  client.command({"PING"}, log.reply_to("ping"));
  ASSERT_TRUE(run_until(loop, [&] { return fake.received(1) == encode_command({"PING"}); }));
  fake.reply("+PONG\r\n");
  ASSERT_TRUE(run_until(loop, [&] { return log.last() == "ping: +PONG"; }));
}

TEST(L15_RedisClient, ConnectRefusedFollowsTheBackoffSchedule) {
  net::EventLoop loop;
  std::uint16_t port = 0;
  {
    auto listener = net::TcpListener::listen(loopback(0));
    port = listener.local_address().port();
  }
  ClientOptions options = quick_options();
  RedisClient client(loop, loopback(port), options);
  Log log;
  log.attach(client);
  client.start();
  bool called = false;
  client.command({"PING"}, [&](Reply reply) {
    called = true;
    EXPECT_EQ(reply.error, ClientError::kNotConnected);
  });
  EXPECT_FALSE(called) << "the refusal comes later, never inside command()";
  ASSERT_TRUE(run_until(loop, [&] { return log.disconnects.size() == 6; }));
  EXPECT_TRUE(called);
  Backoff expected(options.backoff);
  for (std::size_t i = 0; i < log.disconnects.size(); ++i) {
    const Disconnect& disconnect = log.disconnects[i];
    SCOPED_TRACE(disconnect.describe());
    EXPECT_EQ(disconnect.reason, DisconnectReason::kConnectFailed);
    EXPECT_EQ(disconnect.error_number, ECONNREFUSED);
    EXPECT_FALSE(disconnect.was_connected);
    EXPECT_EQ(disconnect.attempt, static_cast<int>(i + 1));
    EXPECT_EQ(disconnect.retry_in, expected.next());
  }
  EXPECT_EQ(log.connected, 0);
  client.stop();
  EXPECT_EQ(client.state(), RedisClient::State::kStopped);
  EXPECT_EQ(loop.timer_count(), 0U) << "no retry after stop()";
}

// Redis closing with replies owed: each waiting command fails exactly once, the answered one
// keeps its reply, and the failures reach the application before the outage does.
TEST(L15_RedisClient, ServerClosesMidPipelineEveryPendingCommandFailsOnce) {
  net::EventLoop loop;
  FakeRedis fake(loop);
  RedisClient client(loop, fake.address(), quick_options());
  Log log;
  log.attach(client);
  std::map<std::string, int> calls;
  auto counted = [&](std::string name) {
    return [&, name, inner = log.reply_to(name)](Reply reply) {
      ++calls[name];
      inner(std::move(reply));
    };
  };
  client.start();
  ASSERT_TRUE(run_until(loop, [&] { return client.connected(); }));
  client.command({"INCR", "a"}, counted("a"));
  client.command({"INCR", "b"}, counted("b"));
  client.command({"INCR", "c"}, counted("c"));
  ASSERT_TRUE(run_until(loop, [&] {
    return fake.received(0) == commands({{"INCR", "a"}, {"INCR", "b"}, {"INCR", "c"}});
  }));
  fake.reply(":1\r\n");
  fake.current().close();
  ASSERT_TRUE(run_until(loop, [&] { return log.connected == 2; }));
  EXPECT_EQ(log.lines, (std::vector<std::string>{"connected", "a: :1", "b: connection lost",
                                                 "c: connection lost",
                                                 "disconnected: closed by redis", "connected"}));
  EXPECT_EQ(calls, (std::map<std::string, int>{{"a", 1}, {"b", 1}, {"c", 1}}));
  EXPECT_TRUE(fake.received(1).empty()) << "nothing is resent: the commands may have run";
}

TEST(L15_RedisClient, ReconnectRunsTheSetupAgainAndResubscribes) {
  net::EventLoop loop;
  FakeRedis fake(loop);
  ClientOptions options = quick_options();
  options.session.setup = {{"CLIENT", "SETNAME", "duplex"}};
  RedisClient client(loop, fake.address(), options);
  Log log;
  log.attach(client);
  std::array<std::string_view, 1> room = {"room"};
  client.subscribe(room);
  client.start();
  const std::string hello = commands({{"CLIENT", "SETNAME", "duplex"}, {"SUBSCRIBE", "room"}});
  const std::string answer = "+OK\r\n*3\r\n$9\r\nsubscribe\r\n$4\r\nroom\r\n:1\r\n";
  for (std::size_t connection = 0; connection < 2; ++connection) {
    SCOPED_TRACE(connection);
    ASSERT_TRUE(run_until(loop, [&] {
      return fake.accepted() == connection + 1 && fake.received(connection) == hello;
    }));
    EXPECT_FALSE(client.connected()) << "connected only once the setup is answered";
    fake.reply(answer);
    ASSERT_TRUE(run_until(loop, [&] { return log.last() == "subscribed room"; }));
    EXPECT_TRUE(client.connected());
    if (connection == 0) fake.current().close();
  }
  fake.reply("*3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n$2\r\nhi\r\n");
  ASSERT_TRUE(run_until(loop, [&] { return log.last() == "message room hi"; }));
  EXPECT_EQ(log.lines, (std::vector<std::string>{"connected", "subscribed room",
                                                 "disconnected: closed by redis", "connected",
                                                 "subscribed room", "message room hi"}));
}

// A wrong password must not pass for a working connection: the client says why and retries.
TEST(L15_RedisClient, ASetupErrorFailsTheConnection) {
  net::EventLoop loop;
  FakeRedis fake(loop);
  ClientOptions options = quick_options();
  options.session.setup = {{"AUTH", "wrong"}};
  RedisClient client(loop, fake.address(), options);
  Log log;
  log.attach(client);
  client.start();
  ASSERT_TRUE(run_until(loop, [&] { return fake.accepted() == 1 && !fake.received(0).empty(); }));
  fake.reply("-WRONGPASS invalid username-password pair\r\n");
  ASSERT_TRUE(run_until(loop, [&] { return log.disconnects.size() == 1; }));
  EXPECT_EQ(log.disconnects[0].reason, DisconnectReason::kSetupFailed);
  EXPECT_EQ(log.disconnects[0].detail, "WRONGPASS invalid username-password pair");
  EXPECT_EQ(log.connected, 0);
  ASSERT_TRUE(run_until(loop, [&] { return fake.accepted() == 2; })) << "and tries again";
}

// Bytes that are not RESP (a wrong port, a proxy's banner): the stream cannot be trusted, the
// waiting commands fail as a protocol error, and the client starts over.
TEST(L15_RedisClient, ABrokenReplyStreamFailsTheConnection) {
  net::EventLoop loop;
  FakeRedis fake(loop);
  RedisClient client(loop, fake.address(), quick_options());
  Log log;
  log.attach(client);
  client.start();
  ASSERT_TRUE(run_until(loop, [&] { return client.connected(); }));
  client.command({"GET", "a"}, log.reply_to("a"));
  fake.reply("HTTP/1.1 400 Bad Request\r\n");
  ASSERT_TRUE(run_until(loop, [&] { return log.disconnects.size() == 1; }));
  EXPECT_EQ(log.lines[1], "a: protocol error");
  EXPECT_EQ(log.disconnects[0].reason, DisconnectReason::kProtocolError);
  EXPECT_FALSE(log.disconnects[0].detail.empty());
  ASSERT_TRUE(run_until(loop, [&] { return log.connected == 2; }));
}

TEST(L15_RedisClient, StopFailsWhatIsOwedAndStaysDown) {
  net::EventLoop loop;
  FakeRedis fake(loop);
  RedisClient client(loop, fake.address(), quick_options());
  Log log;
  log.attach(client);
  client.start();
  ASSERT_TRUE(run_until(loop, [&] { return client.connected(); }));
  client.command({"GET", "a"}, log.reply_to("a"));
  client.stop();
  EXPECT_EQ(log.lines,
            (std::vector<std::string>{"connected", "a: stopped", "disconnected: stopped"}))
      << "stop() delivers what is owed before it returns";
  EXPECT_EQ(client.state(), RedisClient::State::kStopped);
  ASSERT_TRUE(run_until(loop, [&] { return !fake.current().is_open(); }));
  EXPECT_EQ(fake.accepted(), 1U);
  EXPECT_EQ(loop.timer_count(), 0U) << "no reconnection is scheduled";
  client.command({"GET", "b"}, log.reply_to("b"));
  ASSERT_TRUE(run_until(loop, [&] { return log.last() == "b: not connected"; }));
}

// The error policy: a callback that throws is reported and the client goes on; the next
// command's reply is still its own.
TEST(L15_RedisClient, AThrowingCallbackIsReportedAndTheClientGoesOn) {
  net::EventLoop loop;
  std::vector<std::string> reports;
  loop.set_error_sink([&](std::string_view line) { reports.emplace_back(line); });
  FakeRedis fake(loop);
  RedisClient client(loop, fake.address(), quick_options());
  Log log;
  log.attach(client);
  client.start();
  ASSERT_TRUE(run_until(loop, [&] { return client.connected(); }));
  client.command({"GET", "a"}, [](Reply) { throw std::runtime_error("callback bug"); });
  client.command({"GET", "b"}, log.reply_to("b"));
  client.command({"SUBSCRIBE", "x"}, log.reply_to("subscribe"));
  fake.reply("$1\r\n1\r\n$1\r\n2\r\n");
  ASSERT_TRUE(run_until(loop, [&] { return log.lines.size() == 3; }));
  EXPECT_EQ(log.lines,
            (std::vector<std::string>{"connected", "subscribe: bad command", "b: \"2\""}));
  ASSERT_EQ(reports.size(), 1U);
  EXPECT_NE(reports[0].find("redis callback: callback bug"), std::string::npos) << reports[0];
  EXPECT_TRUE(client.connected());
}

}  // namespace
}  // namespace duplex::redis
