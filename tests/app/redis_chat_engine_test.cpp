// RedisChatEngine against a real redis-server (lesson 15): two engines on one loop stand for
// two duplex-server processes (each with its own two connections), each with its own ChatRooms.
// Members on different "processes" hear each other in one order, a member that comes back on
// the other process gets exactly what it missed, presence spans both, and a Redis restart is
// survived: members told, sends refused while it is down, delivery resumed after, the lost
// history said so, nothing duplicated. Skipped with the reason when redis-server is absent.
// @lesson 15
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "src/app/chat_room.hpp"
#include "src/app/redis_chat_engine.hpp"
#include "src/net/event_loop.hpp"
#include "tests/app/chat_recorder.hpp"
#include "tests/redis/redis_server_process.hpp"
#include "tests/support/loop_thread.hpp"

namespace duplex::app {
namespace {

using namespace std::chrono_literals;

struct Recorder : testing::ChatRecorder {
  // `member`'s messages of type `type` ("message": "offset:text").
  std::vector<std::string> of_type(MemberId member, std::string_view type) {
    std::vector<std::string> result;
    for (const std::string& text : inbox[member]) {
      FlatJsonError error;
      auto object = parse_flat_json(text, error);
      if (!object || object->value_or_empty("type") != type) continue;
      if (type == "message") {
        result.push_back(std::string(object->value_or_empty("offset")) + ":" +
                         std::string(object->value_or_empty("text")));
      } else if (type == "presence") {
        result.emplace_back(object->value_or_empty("members"));
      } else if (type == "status") {
        result.emplace_back(object->value_or_empty("state"));
      } else if (type == "history") {
        result.emplace_back(object->value_or_empty("status"));
      } else {
        result.emplace_back(object->value_or_empty("code"));
      }
    }
    return result;
  }
  std::string last_field(MemberId member, std::string_view field) {
    for (auto it = inbox[member].rbegin(); it != inbox[member].rend(); ++it) {
      FlatJsonError error;
      auto object = parse_flat_json(*it, error);
      if (object && object->value_or_empty("type") == "message") {
        return std::string(object->value_or_empty(field));
      }
    }
    return {};
  }
};

// One "process": an engine with its two connections, and the rooms on it.
struct Process {
  Process(net::EventLoop& loop, std::uint16_t port)
      : engine(loop, net::SocketAddress::from_numeric("127.0.0.1", port), options()),
        chat(out, engine, limits()) {
    engine.start();
  }
  ~Process() { engine.stop(); }
  static RedisEngineOptions options() {
    RedisEngineOptions options;
    options.history = 5;
    options.client.backoff.min = 5ms;
    options.client.backoff.max = 50ms;
    options.client.backoff.seed = 3;
    return options;
  }
  static ChatLimits limits() {
    ChatLimits limits;
    limits.rate = 1000;  // the tests talk fast
    limits.burst = 1000;
    return limits;
  }
  void join(MemberId id, std::string_view nick, std::string_view epoch = {},
            std::string_view offset = {}) {
    chat.connect(id, ChatRooms::Clock::now());
    FlatJsonWriter writer;
    writer.field("type", "join").field("room", "lobby").field("nick", nick);
    if (!epoch.empty()) writer.field("epoch", epoch).field("offset", offset);
    chat.receive(id, writer.str(), ChatRooms::Clock::now());
  }
  void say(MemberId id, std::string_view text) {
    chat.receive(id, FlatJsonWriter().field("type", "say").field("text", text).str(),
                 ChatRooms::Clock::now());
  }
  bool in_room(MemberId id) { return out.rooms["lobby"].contains(id); }

  Recorder out;
  RedisChatEngine engine;
  ChatRooms chat;
};

class L15_RedisChatEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = duplex::testing::start_redis_server();
    if (!server_) GTEST_SKIP() << duplex::testing::kNoRedisServer;
    a_ = std::make_unique<Process>(loop_, server_->port());
    b_ = std::make_unique<Process>(loop_, server_->port());
    ASSERT_TRUE(until([&] { return a_->engine.connected() && b_->engine.connected(); }));
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
  }
  bool until(const std::function<bool()>& done) {
    return duplex::testing::run_until(loop_, done, 10s);
  }

  net::EventLoop loop_;
  std::unique_ptr<duplex::testing::RedisServerProcess> server_;
  std::unique_ptr<Process> a_;
  std::unique_ptr<Process> b_;
};

TEST_F(L15_RedisChatEngine, TwoProcessesHearEachOtherInOneOrder) {
  a_->join(1, "ada");
  b_->join(2, "bob");
  ASSERT_TRUE(until([&] { return a_->in_room(1) && b_->in_room(2); }));
  for (int i = 0; i < 5; ++i) {
    a_->say(1, "a" + std::to_string(i));
    b_->say(2, "b" + std::to_string(i));
  }
  ASSERT_TRUE(until([&] {
    return a_->out.of_type(1, "message").size() == 10 && b_->out.of_type(2, "message").size() == 10;
  }));
  auto heard_by_ada = a_->out.of_type(1, "message");
  EXPECT_EQ(heard_by_ada, b_->out.of_type(2, "message")) << "one order for everyone";
  for (std::size_t i = 0; i < heard_by_ada.size(); ++i) {
    EXPECT_EQ(heard_by_ada[i].substr(0, heard_by_ada[i].find(':')), std::to_string(i + 1));
  }
  EXPECT_EQ(a_->out.last_field(1, "epoch"), b_->out.last_field(2, "epoch"));
  // Presence spans both processes: the last list each heard names both.
  ASSERT_TRUE(until([&] {
    auto seen = a_->out.of_type(1, "presence");
    return !seen.empty() && seen.back() == "ada,bob";
  }));
}

TEST_F(L15_RedisChatEngine, AMemberThatComesBackElsewhereGetsWhatItMissed) {
  a_->join(1, "ada");
  b_->join(2, "bob");
  ASSERT_TRUE(until([&] { return a_->in_room(1) && b_->in_room(2); }));
  a_->say(1, "one");
  ASSERT_TRUE(until([&] { return b_->out.of_type(2, "message").size() == 1; }));
  std::string epoch = b_->out.last_field(2, "epoch");
  std::string offset = b_->out.last_field(2, "offset");
  b_->chat.disconnect(2);
  a_->say(1, "two");
  a_->say(1, "three");
  ASSERT_TRUE(until([&] { return a_->out.of_type(1, "message").size() == 3; }));
  // bob's browser reconnects through the proxy to the other process.
  a_->join(3, "bob", epoch, offset);
  ASSERT_TRUE(until([&] { return a_->in_room(3); }));
  a_->say(1, "four");
  ASSERT_TRUE(until([&] { return a_->out.of_type(3, "message").size() == 3; }));
  EXPECT_EQ(a_->out.of_type(3, "message"),
            (std::vector<std::string>{"2:two", "3:three", "4:four"}));
  EXPECT_TRUE(a_->out.of_type(3, "history").empty()) << "complete: no notice";

  // Away too long: the stream keeps about 5 (MAXLEN ~ trims by whole nodes, so maybe more);
  // a resume from offset 0 of this epoch is answered with a gap or with all of it, never
  // with a duplicate or a message out of order.
  for (int i = 0; i < 200; ++i) a_->say(1, "x");
  ASSERT_TRUE(until([&] { return a_->out.of_type(1, "message").size() == 204; }));
  b_->join(4, "cy", epoch, "0");
  ASSERT_TRUE(until([&] { return b_->in_room(4); }));
  EXPECT_EQ(b_->out.of_type(4, "history"), (std::vector<std::string>{"gap"}));
  auto got = b_->out.of_type(4, "message");
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back(), "204:x");
}

// A member that speaks while its history is still loading (Redis has not answered the join's
// read yet) hears its own message once: in its history or live, never neither. In a room that
// nobody has used yet, and in one that the other process already uses.
TEST_F(L15_RedisChatEngine, AMemberThatSpeaksWhileItsHistoryLoadsHearsItself) {
  a_->join(1, "ada");
  a_->say(1, "first words");
  ASSERT_FALSE(a_->in_room(1)) << "the history is read over the network: not yet here";
  ASSERT_TRUE(until([&] { return a_->in_room(1) && !a_->out.of_type(1, "message").empty(); }))
      << "ada never heard her own message";
  b_->join(2, "bob");
  b_->say(2, "hello");
  ASSERT_FALSE(b_->in_room(2));
  ASSERT_TRUE(until([&] {
    return b_->out.of_type(2, "message").size() == 2 && a_->out.of_type(1, "message").size() == 2;
  })) << "bob heard "
      << b_->out.of_type(2, "message").size() << " messages";
  EXPECT_EQ(b_->out.of_type(2, "message"), (std::vector<std::string>{"1:first words", "2:hello"}));
  EXPECT_EQ(a_->out.of_type(1, "message"), (std::vector<std::string>{"1:first words", "2:hello"}));
  EXPECT_TRUE(a_->out.of_type(1, "history").empty()) << "nothing was lost: no notice";
}

// Presence expiry on Redis's clock: the engine's entries are stamped TIME + ttl by the script
// (TIME read by the test before and after the join brackets the stamp), an entry whose expiry
// is behind Redis's clock (a process that died without leaving) is neither listed nor kept, and
// one far ahead is listed, whatever the processes' own clocks say.
TEST_F(L15_RedisChatEngine, PresenceExpiresOnRedissClock) {
  redis::RedisClient raw(loop_, net::SocketAddress::from_numeric("127.0.0.1", server_->port()));
  raw.start();
  ASSERT_TRUE(until([&] { return raw.connected(); }));
  auto ask = [&](std::initializer_list<std::string_view> args) {
    std::optional<redis::Reply> got;
    raw.command(args, [&](redis::Reply reply) { got = std::move(reply); });
    EXPECT_TRUE(until([&] { return got.has_value(); }));
    return got.value_or(redis::Reply{});
  };
  auto redis_now = [&]() -> std::int64_t {
    redis::Value time = ask({"TIME"}).value;
    EXPECT_EQ(time.elements.size(), 2u) << describe(time);
    if (time.elements.size() != 2) return 0;
    return std::stoll(time.elements[0].string) * 1000 + std::stoll(time.elements[1].string) / 1000;
  };
  const std::string key = "duplex:chat:lobby:presence";
  std::int64_t before = redis_now();
  a_->join(1, "ada");
  ASSERT_TRUE(until([&] { return a_->in_room(1); }));
  std::int64_t after = redis_now();
  redis::Value score = ask({"ZSCORE", key, "ada"}).value;
  ASSERT_TRUE(score.is_string()) << describe(score);
  std::int64_t ttl = Process::options().presence_ttl.count();
  EXPECT_GE(std::stoll(score.string), before + ttl) << "stamped before Redis's now + ttl";
  EXPECT_LE(std::stoll(score.string), after + ttl) << "stamped after Redis's now + ttl";

  ask({"ZADD", key, std::to_string(after - 1), "ghost"});
  ask({"ZADD", key, std::to_string(after + 3600 * 1000), "far"});
  b_->join(2, "bob");  // stamps bob (dropping the expired) and pings: both processes re-read
  ASSERT_TRUE(until([&] {
    auto seen = a_->out.of_type(1, "presence");
    return !seen.empty() && seen.back().find("bob") != std::string::npos;
  }));
  EXPECT_EQ(a_->out.of_type(1, "presence").back(), "ada,bob,far")
      << "listed by expiry time; the expired ghost left out";
  EXPECT_TRUE(ask({"ZSCORE", key, "ghost"}).value.is_null()) << "the expired entry was dropped";
  raw.stop();
}

// @anchor lesson15-restart-test
TEST_F(L15_RedisChatEngine, ARedisRestartIsSurvivedAndSaidSo) {
  a_->join(1, "ada");
  b_->join(2, "bob");
  ASSERT_TRUE(until([&] { return a_->in_room(1) && b_->in_room(2); }));
  a_->say(1, "before");
  ASSERT_TRUE(until([&] { return b_->out.of_type(2, "message").size() == 1; }));

  server_->stop();
  ASSERT_TRUE(
      until([&] { return a_->out.of_type(1, "status") == std::vector<std::string>{"down"}; }));
  a_->say(1, "while down");
  ASSERT_TRUE(until([&] { return !a_->out.of_type(1, "error").empty(); }));
  EXPECT_EQ(a_->out.of_type(1, "error"), (std::vector<std::string>{"not-sent"}));

  server_->start();  // empty: no persistence
  ASSERT_TRUE(until([&] {
    return a_->out.of_type(1, "status").size() == 2 && b_->out.of_type(2, "status").size() == 2 &&
           a_->engine.connected() && b_->engine.connected();
  }));
  EXPECT_EQ(b_->out.of_type(2, "status"), (std::vector<std::string>{"down", "up"}));
  // The subscriber resubscribes on its own; a message said now reaches both, once.
  ASSERT_TRUE(until([&] { return a_->engine.connected() && b_->engine.connected(); }));
  a_->say(1, "after");
  ASSERT_TRUE(until([&] { return b_->out.of_type(2, "message").size() == 2; })) << [&] {
    std::string all;
    for (auto& line : b_->out.inbox[2]) all += line + "\n";
    for (auto& line : a_->out.inbox[1]) all += "a: " + line + "\n";
    return all;
  }();
  ASSERT_TRUE(until([&] { return a_->out.of_type(1, "message").size() == 2; }));
  EXPECT_EQ(b_->out.of_type(2, "message"), (std::vector<std::string>{"1:before", "1:after"}))
      << "offsets restart in the new epoch";
  EXPECT_EQ(b_->out.of_type(2, "history"), (std::vector<std::string>{"gone"}))
      << "the lost history is said once";
  EXPECT_NE(b_->out.last_field(2, "epoch"), "");
  a_->say(1, "end");
  ASSERT_TRUE(until([&] { return b_->out.of_type(2, "message").size() == 3; }));
  EXPECT_EQ(b_->out.of_type(2, "message").back(), "2:end");
}

}  // namespace
}  // namespace duplex::app
