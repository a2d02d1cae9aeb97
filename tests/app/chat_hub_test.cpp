// Tests for the chat spread over event loops (lessons 11-12): a ChatHub on one loop thread,
// members on two, and a recording ChatOutput per loop standing in for its connections. A
// message said on one loop reaches the room's members on both, in order; the history and the
// rate limit are the hub's, per room and per member; every output call runs on its own loop.
//
// No sleeps: a LoopThread::call() runs after every task posted to that loop before it, so a
// call() on the home loop, then one on each member loop, is a barrier for a whole round trip.
// @lesson 11
#include "src/app/chat_hub.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "src/app/flat_json.hpp"
#include "tests/support/loop_thread.hpp"

namespace duplex::app {
namespace {

// What one loop's endpoint would have sent, and whether each call ran on that loop's thread.
struct LoopRecorder : ChatOutput {
  void send(MemberId to, std::string_view message) override {
    check_thread();
    inbox[to].emplace_back(message);
  }
  void broadcast(std::string_view room, std::string_view message, MemberId except) override {
    check_thread();
    for (MemberId member : rooms[std::string(room)]) {
      if (member != except) inbox[member].emplace_back(message);
    }
  }
  void joined(MemberId member, std::string_view room) override {
    check_thread();
    rooms[std::string(room)].insert(member);
  }
  void left(MemberId member, std::string_view room) override {
    check_thread();
    rooms[std::string(room)].erase(member);
  }
  void close(MemberId member, ws::CloseCode code, std::string_view) override {
    check_thread();
    closed[member] = code;
  }
  void check_thread() {
    if (std::this_thread::get_id() != thread) ++wrong_thread;
  }

  std::thread::id thread;
  int wrong_thread = 0;
  std::map<MemberId, std::vector<std::string>> inbox;
  std::map<std::string, std::set<MemberId>> rooms;
  std::map<MemberId, ws::CloseCode> closed;
};

class L11_ChatHub : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 2; ++i) {
      recorders_[i].thread = loops_[i].id();
      ASSERT_EQ(hub_.add_shard(loops_[i].loop(), recorders_[i]), static_cast<std::size_t>(i));
    }
  }
  void TearDown() override {
    settle();
    EXPECT_EQ(recorders_[0].wrong_thread + recorders_[1].wrong_thread, 0)
        << "an output ran on another loop's thread";
  }
  // Every call so far has reached the hub, and everything the hub posted has run.
  void settle() {
    loops_[0].call([] { return 0; });  // the hub ran what the test posted
    loops_[0].call([] { return 0; });  // loop 0 ran what the hub posted to it
    loops_[1].call([] { return 0; });  // loop 1 too (posted before the first barrier returned)
  }
  void join(std::size_t shard, MemberId member, std::string_view room, std::string_view nick) {
    hub_.connect(shard, member, now_);
    hub_.receive(
        member,
        FlatJsonWriter().field("type", "join").field("room", room).field("nick", nick).str(), now_);
  }
  void say(MemberId member, std::string_view text) {
    hub_.receive(member, FlatJsonWriter().field("type", "say").field("text", text).str(), now_);
  }
  // The messages of `type` that `member` (on `shard`) got, on that loop's thread.
  std::vector<FlatObject> got(std::size_t shard, MemberId member, std::string_view type) {
    return loops_[shard].call([&] {
      std::vector<FlatObject> result;
      for (const std::string& text : recorders_[shard].inbox[member]) {
        FlatJsonError error;
        auto object = parse_flat_json(text, error);
        EXPECT_TRUE(object) << text;
        if (object && object->value_or_empty("type") == type) result.push_back(*object);
      }
      return result;
    });
  }
  static std::vector<std::string> texts(const std::vector<FlatObject>& messages) {
    std::vector<std::string> result;
    for (const FlatObject& message : messages) {
      result.emplace_back(message.value_or_empty("id"));
      result.back() += ":" + std::string(message.value_or_empty("text"));
    }
    return result;
  }

  testing::LoopThread loops_[2];
  LoopRecorder recorders_[2];
  ChatHub hub_{loops_[0].loop()};
  ChatHub::Clock::time_point now_ = ChatHub::Clock::now();
};

TEST_F(L11_ChatHub, AMessageReachesTheRoomOnEveryLoopInRoomOrder) {
  join(0, 1, "lobby", "ada");
  join(1, 2, "lobby", "bob");
  join(1, 3, "attic", "cy");
  say(1, "one");
  say(2, "two");
  say(1, "three");
  settle();
  std::vector<std::string> expected = {"1:one", "2:two", "3:three"};
  EXPECT_EQ(texts(got(0, 1, "message")), expected) << "the sender hears its own, in order";
  EXPECT_EQ(texts(got(1, 2, "message")), expected) << "the member on the other loop too";
  EXPECT_TRUE(got(1, 3, "message").empty()) << "another room hears nothing";
  EXPECT_EQ(got(0, 1, "joined").size(), 1U) << "ada on loop 0 heard bob join on loop 1";
  loops_[0].call([this] {
    EXPECT_EQ(hub_.rooms().nicks("lobby"), (std::vector<std::string>{"ada", "bob"}));
    return 0;
  });
}

TEST_F(L11_ChatHub, ANewcomerOnAnotherLoopGetsTheRoomsHistory) {
  join(0, 1, "lobby", "ada");
  for (int i = 1; i <= 3; ++i) say(1, "m" + std::to_string(i));
  join(1, 2, "lobby", "bob");
  settle();
  auto history = got(1, 2, "message");
  EXPECT_EQ(texts(history), (std::vector<std::string>{"1:m1", "2:m2", "3:m3"}));
  for (const FlatObject& message : history) EXPECT_EQ(message.value_or_empty("history"), "yes");
  // Leaving is heard on the other loop, and the hub forgets the member.
  hub_.disconnect(2);
  settle();
  EXPECT_EQ(got(0, 1, "left").size(), 1U);
  EXPECT_EQ(loops_[0].call([this] { return hub_.member_count(); }), 1U);
}

TEST_F(L11_ChatHub, TheRateLimitIsPerMemberWhateverItsLoop) {
  join(0, 1, "lobby", "ada");
  join(1, 2, "lobby", "bob");
  // The burst is 10 tokens and the join took one: ada's 10th say in the same instant is refused.
  for (int i = 1; i <= 10; ++i) say(1, "a" + std::to_string(i));
  say(2, "b1");
  settle();
  auto errors = got(0, 1, "error");
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0].value_or_empty("code"), "rate-limited");
  EXPECT_TRUE(got(1, 2, "error").empty()) << "bob's budget is his own";
  auto heard = texts(got(1, 2, "message"));
  ASSERT_EQ(heard.size(), 10U);
  EXPECT_EQ(heard.back(), "10:b1");
}

TEST_F(L11_ChatHub, AFlooderIsClosedOnItsOwnLoop) {
  join(1, 2, "lobby", "bob");
  ChatLimits limits;
  for (std::size_t i = 0; i < static_cast<std::size_t>(limits.burst) + limits.max_strikes + 1;
       ++i) {
    say(2, "spam");
  }
  settle();
  EXPECT_EQ(loops_[1].call([this] { return recorders_[1].closed.count(2); }), 1U);
  EXPECT_EQ(loops_[0].call([this] { return recorders_[0].closed.size(); }), 0U);
}

}  // namespace
}  // namespace duplex::app
