// Tests for the sans-I/O chat (lesson 11): joining, history replay, broadcast, leaving, and
// every kind of bad input (malformed JSON, bad names, oversized text, floods) answered with an
// error or a close, while the others chat on. A recording ChatOutput stands in for the sockets.
// @lesson 11
#include "src/app/chat_room.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/app/chat_recorder.hpp"

namespace duplex::app {
namespace {

using std::chrono::milliseconds;

using Recorder = testing::ChatRecorder;

class L11_ChatRooms : public ::testing::Test {
 protected:
  void join(MemberId id, std::string_view room, std::string_view nick) {
    chat_.connect(id, now_);
    chat_.receive(
        id, FlatJsonWriter().field("type", "join").field("room", room).field("nick", nick).str(),
        now_);
  }
  void say(MemberId id, std::string_view text) {
    chat_.receive(id, FlatJsonWriter().field("type", "say").field("text", text).str(), now_);
  }
  std::string error_code(MemberId id) {
    auto got = out_.take(id);
    if (got.size() != 1) return "expected one message, got " + std::to_string(got.size());
    EXPECT_EQ(got[0].value_or_empty("type"), "error");
    EXPECT_FALSE(got[0].value_or_empty("text").empty()) << "an error says what went wrong";
    return std::string(got[0].value_or_empty("code"));
  }
  void tick(milliseconds step) { now_ += step; }

  Recorder out_;
  ChatRooms chat_{out_};
  ChatRooms::Clock::time_point now_{};
};

TEST_F(L11_ChatRooms, JoinWelcomesTheNewcomerAndTellsTheOthers) {
  join(1, "lobby", "ada");
  auto ada = out_.take(1);
  ASSERT_EQ(ada.size(), 1U);
  EXPECT_EQ(ada[0].value_or_empty("type"), "welcome");
  EXPECT_EQ(ada[0].value_or_empty("room"), "lobby");
  EXPECT_EQ(ada[0].value_or_empty("members"), "ada");
  join(2, "lobby", "bob");
  auto bob = out_.take(2);
  ASSERT_EQ(bob.size(), 1U);
  EXPECT_EQ(bob[0].value_or_empty("members"), "ada,bob");
  ada = out_.take(1);
  ASSERT_EQ(ada.size(), 1U);
  EXPECT_EQ(ada[0].value_or_empty("type"), "joined");
  EXPECT_EQ(ada[0].value_or_empty("nick"), "bob");
  EXPECT_EQ(chat_.nicks("lobby"), (std::vector<std::string>{"ada", "bob"}));
}

TEST_F(L11_ChatRooms, MessagesGoToEveryoneInTheRoomAndNoOneElse) {
  join(1, "lobby", "ada");
  join(2, "lobby", "bob");
  join(3, "kitchen", "cy");
  out_.take(1), out_.take(2), out_.take(3);
  say(2, "hello \"all\"");
  for (MemberId id : {1, 2}) {
    auto got = out_.take(id);
    ASSERT_EQ(got.size(), 1U) << id;
    EXPECT_EQ(got[0].value_or_empty("type"), "message");
    EXPECT_EQ(got[0].value_or_empty("nick"), "bob");
    EXPECT_EQ(got[0].value_or_empty("text"), "hello \"all\"");
    EXPECT_EQ(got[0].value_or_empty("id"), "1");
  }
  EXPECT_TRUE(out_.take(3).empty()) << "another room hears nothing";
}

TEST_F(L11_ChatRooms, ANewcomerGetsTheLast50MessagesOldestFirst) {
  join(1, "lobby", "ada");
  for (int i = 1; i <= 60; ++i) {
    say(1, "m" + std::to_string(i));
    tick(milliseconds(1000));
  }
  EXPECT_EQ(chat_.history_size("lobby"), 50U);
  join(2, "lobby", "bob");
  auto got = out_.take(2);
  ASSERT_EQ(got.size(), 51U);
  EXPECT_EQ(got[0].value_or_empty("type"), "welcome");
  EXPECT_EQ(got[1].value_or_empty("text"), "m11");
  EXPECT_EQ(got[1].value_or_empty("history"), "yes");
  EXPECT_EQ(got[50].value_or_empty("text"), "m60");
  EXPECT_EQ(got[50].value_or_empty("id"), "60");
}

TEST_F(L11_ChatRooms, LeavingAndDisconnectingAreAnnounced) {
  join(1, "lobby", "ada");
  join(2, "lobby", "bob");
  out_.take(1);
  chat_.disconnect(2);
  auto got = out_.take(1);
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0].value_or_empty("type"), "left");
  EXPECT_EQ(got[0].value_or_empty("nick"), "bob");
  EXPECT_EQ(got[0].value_or_empty("members"), "ada");
  EXPECT_EQ(chat_.member_count(), 1U);
  chat_.receive(1, R"({"type":"leave"})", now_);
  EXPECT_TRUE(chat_.nicks("lobby").empty());
  say(1, "anyone?");
  EXPECT_EQ(error_code(1), "not-joined");
  chat_.disconnect(99);  // unknown members are ignored
}

TEST_F(L11_ChatRooms, SwitchingRoomsLeavesTheOldOne) {
  join(1, "lobby", "ada");
  join(2, "lobby", "bob");
  out_.take(2);
  chat_.receive(1, R"({"type":"join","room":"kitchen","nick":"ada"})", now_);
  auto got = out_.take(2);
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0].value_or_empty("type"), "left");
  EXPECT_EQ(chat_.nicks("kitchen"), (std::vector<std::string>{"ada"}));
  EXPECT_EQ(chat_.nicks("lobby"), (std::vector<std::string>{"bob"}));
}

TEST_F(L11_ChatRooms, BadInputGetsAPreciseErrorAndTheRoomGoesOn) {
  join(1, "lobby", "ada");
  join(2, "lobby", "bob");
  out_.take(1), out_.take(2);
  struct Case {
    std::string message;
    std::string code;
    std::string why;
  };
  const std::vector<Case> cases = {
      {"hello", "bad-json", "plain text instead of JSON"},
      {R"({"type":"say","text":1})", "bad-json", "a number where a string goes"},
      {R"({"type":"dance"})", "bad-type", "an unknown message type"},
      {R"({"text":"no type"})", "bad-type", "no type at all"},
      {R"({"type":"say"})", "empty", "nothing to say"},
      {R"({"type":"say","text":")" + std::string(1001, 'x') + "\"}", "too-long",
       "a text over max_text"},
      {R"({"type":"join","room":"lobby","nick":"ada"})", "nick-taken",
       "two members may not share a name in a room"},
      {R"({"type":"join","room":"lobby","nick":"<b>x</b>"})", "bad-nick", "markup in a nickname"},
      {R"({"type":"join","room":"lobby","nick":""})", "bad-nick", "an empty nickname"},
      {R"({"type":"join","room":")" + std::string(33, 'r') + R"(","nick":"z"})", "bad-room",
       "a room name over max_room"},
  };
  for (const Case& c : cases) {
    tick(milliseconds(1000));  // stay under the rate limit: this test is about content
    chat_.receive(2, c.message, now_);
    EXPECT_EQ(error_code(2), c.code) << c.why;
  }
  chat_.receive_binary(2, now_);
  EXPECT_EQ(error_code(2), "binary");
  EXPECT_TRUE(out_.take(1).empty()) << "nobody else heard any of it";
  say(1, "still here");
  EXPECT_EQ(out_.take(2).size(), 1U);
  EXPECT_TRUE(out_.closed.empty());
}

TEST_F(L11_ChatRooms, AFloodIsRateLimitedThenClosedWith1008) {
  join(1, "lobby", "ada");
  join(2, "lobby", "eve");
  out_.take(1), out_.take(2);
  // A burst of 9 more (the join took one token of ten) goes through...
  for (int i = 0; i < 9; ++i) say(2, "spam");
  EXPECT_EQ(out_.take(1).size(), 9U);
  out_.take(2);
  // ...then one "rate-limited" error for the whole run of refusals, not one per message.
  for (int i = 0; i < 20; ++i) say(2, "spam");
  EXPECT_EQ(error_code(2), "rate-limited");
  EXPECT_TRUE(out_.take(1).empty());
  // At the sustained rate it gets through again.
  tick(milliseconds(200));
  say(2, "calm");
  EXPECT_EQ(out_.take(1).size(), 1U);
  // Keeping on past max_strikes refusals closes it; the rest of the room goes on.
  for (int i = 0; i < 100 && out_.closed.empty(); ++i) say(2, "spam");
  ASSERT_EQ(out_.closed.count(2), 1U);
  EXPECT_EQ(out_.closed[2].first, ws::CloseCode::kPolicyViolation);
  EXPECT_EQ(chat_.nicks("lobby"), (std::vector<std::string>{"ada"}));
  auto left = out_.take(1);
  ASSERT_FALSE(left.empty());
  EXPECT_EQ(left.back().value_or_empty("type"), "left");
  say(1, "peace");
  EXPECT_EQ(out_.take(1).size(), 1U);
}

TEST_F(L11_ChatRooms, RoomsAreBoundedAndEmptyOnesAreRecycled) {
  ChatLimits limits;
  limits.max_rooms = 2;
  Recorder out;
  ChatRooms chat(out, limits);
  auto join_as = [&](MemberId id, std::string room) {
    chat.connect(id, now_);
    chat.receive(
        id, FlatJsonWriter().field("type", "join").field("room", room).field("nick", "n").str(),
        now_);
  };
  join_as(1, "a");
  join_as(2, "b");
  join_as(3, "c");
  // Creating rooms without end would grow the server's memory without end.
  auto got = out.take(3);
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0].value_or_empty("code"), "too-many-rooms");
  chat.disconnect(1);
  chat.receive(3, R"({"type":"join","room":"c","nick":"n"})", now_);
  EXPECT_EQ(chat.nicks("c"), (std::vector<std::string>{"n"}));
  EXPECT_EQ(chat.room_count(), 2U);
}

}  // namespace
}  // namespace duplex::app
