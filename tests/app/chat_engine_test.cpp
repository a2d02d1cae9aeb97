// Tests for the chat's engine seam (lesson 15): history_since (what a member that comes back is
// owed), the memory engine, and ChatRooms on an engine: offsets and epochs on every message, a
// resume that gets exactly what was missed, a lost history said so, and an engine that answers
// late (as Redis does) never letting a live message overtake a member's history.
// @lesson 15
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "src/app/chat_engine.hpp"
#include "src/app/chat_room.hpp"
#include "src/app/memory_chat_engine.hpp"
#include "tests/app/chat_recorder.hpp"

namespace duplex::app {
namespace {

std::vector<ChatEntry> entries(std::uint64_t first, std::uint64_t last) {
  std::vector<ChatEntry> result;
  for (std::uint64_t offset = first; offset <= last; ++offset) {
    result.push_back({offset, "ada", "m" + std::to_string(offset)});
  }
  return result;
}

std::vector<std::uint64_t> offsets(const std::vector<ChatEntry>& list) {
  std::vector<std::uint64_t> result;
  for (const ChatEntry& entry : list) result.push_back(entry.offset);
  return result;
}

TEST(L15_ChatEngine, HistorySinceAnOffset) {
  auto kept = entries(5, 9);  // 1-4 were trimmed
  auto fresh = history_since("e1", kept, std::nullopt);
  EXPECT_EQ(fresh.status, HistoryStatus::kComplete);
  EXPECT_EQ(offsets(fresh.entries), (std::vector<std::uint64_t>{5, 6, 7, 8, 9}));
  EXPECT_EQ(fresh.epoch, "e1");

  auto resumed = history_since("e1", kept, ChatResume{"e1", 7});
  EXPECT_EQ(resumed.status, HistoryStatus::kComplete);
  EXPECT_EQ(offsets(resumed.entries), (std::vector<std::uint64_t>{8, 9}));

  auto just_before = history_since("e1", kept, ChatResume{"e1", 4});
  EXPECT_EQ(just_before.status, HistoryStatus::kComplete);  // 5 is the next it needs: kept
  EXPECT_EQ(offsets(just_before.entries).size(), 5u);

  auto trimmed = history_since("e1", kept, ChatResume{"e1", 2});
  EXPECT_EQ(trimmed.status, HistoryStatus::kGap);  // 3 and 4 are gone
  EXPECT_EQ(offsets(trimmed.entries).size(), 5u);

  auto up_to_date = history_since("e1", kept, ChatResume{"e1", 9});
  EXPECT_EQ(up_to_date.status, HistoryStatus::kComplete);
  EXPECT_TRUE(up_to_date.entries.empty());

  auto lost = history_since("e2", kept, ChatResume{"e1", 7});
  EXPECT_EQ(lost.status, HistoryStatus::kGone);
  EXPECT_EQ(offsets(lost.entries).size(), 5u);
  EXPECT_EQ(lost.epoch, "e2");
}

// Keeps everything an engine reports.
struct SinkRecorder : ChatEngineSink {
  void on_message(std::string_view room, std::string_view epoch, const ChatEntry& entry) override {
    messages.push_back({std::string(room), std::string(epoch), entry});
  }
  void on_history(MemberId member, std::string_view, const ChatHistory& history) override {
    histories[member] = history;
  }
  void on_presence(std::string_view, const std::vector<std::string>&) override {}
  void on_gap(std::string_view, std::uint64_t, bool) override {}
  void on_status(bool, std::string_view) override {}
  void on_publish_failed(MemberId, std::string_view) override {}

  struct Delivered {
    std::string room;
    std::string epoch;
    ChatEntry entry;
  };
  std::vector<Delivered> messages;
  std::map<MemberId, ChatHistory> histories;
};

TEST(L15_MemoryChatEngine, OffsetsPerRoomAndABoundedHistory) {
  MemoryChatEngine engine({.history = 3, .max_rooms = 8, .epoch_seed = 100});
  SinkRecorder sink;
  engine.set_sink(&sink);
  for (int i = 0; i < 5; ++i) engine.publish(1, "lobby", "ada", "hi " + std::to_string(i));
  engine.publish(1, "other", "ada", "elsewhere");
  ASSERT_EQ(sink.messages.size(), 6u);
  EXPECT_EQ(sink.messages[4].entry.offset, 5u);
  EXPECT_EQ(sink.messages[4].entry.text, "hi 4");
  EXPECT_EQ(sink.messages[5].entry.offset, 1u);  // each room counts from 1
  EXPECT_NE(sink.messages[5].epoch, sink.messages[0].epoch);

  std::string epoch = sink.messages[0].epoch;
  engine.join(2, "lobby", "bob", std::nullopt);
  EXPECT_EQ(offsets(sink.histories[2].entries), (std::vector<std::uint64_t>{3, 4, 5}));
  engine.join(3, "lobby", "cy", ChatResume{epoch, 1});
  EXPECT_EQ(sink.histories[3].status, HistoryStatus::kGap);
  engine.join(4, "lobby", "di", ChatResume{epoch, 4});
  EXPECT_EQ(sink.histories[4].status, HistoryStatus::kComplete);
  EXPECT_EQ(offsets(sink.histories[4].entries), (std::vector<std::uint64_t>{5}));

  // Another process (another engine) has other epochs: an offset from this one is worth nothing.
  MemoryChatEngine restarted({.history = 3, .max_rooms = 8, .epoch_seed = 900});
  restarted.set_sink(&sink);
  restarted.join(5, "lobby", "ed", ChatResume{epoch, 5});
  EXPECT_EQ(sink.histories[5].status, HistoryStatus::kGone);
}

TEST(L15_MemoryChatEngine, ForgetsTheLeastRecentlyUsedRoom) {
  MemoryChatEngine engine({.history = 3, .max_rooms = 2, .epoch_seed = 7});
  SinkRecorder sink;
  engine.set_sink(&sink);
  engine.publish(1, "a", "ada", "1");
  engine.publish(1, "b", "ada", "1");
  engine.publish(1, "a", "ada", "2");
  engine.publish(1, "c", "ada", "1");  // b goes
  EXPECT_EQ(engine.room_count(), 2u);
  engine.join(2, "a", "bob", std::nullopt);
  EXPECT_EQ(sink.histories[2].entries.size(), 2u);
  engine.join(3, "b", "cy", std::nullopt);
  EXPECT_TRUE(sink.histories[3].entries.empty());
}

using Recorder = testing::ChatRecorder;

// The types of `messages`, with a message's text: "welcome", "message:hi", ...
std::vector<std::string> summary(const std::vector<FlatObject>& messages) {
  std::vector<std::string> result;
  for (const FlatObject& message : messages) {
    std::string line(message.value_or_empty("type"));
    if (line == "message") {
      line += ":" + std::string(message.value_or_empty("text"));
      if (!message.value_or_empty("history").empty()) line += "(h)";
    }
    if (line == "history" || line == "status")
      line += ":" + std::string(message.value_or_empty(line == "history" ? "status" : "state"));
    result.push_back(line);
  }
  return result;
}

class L15_ChatWithEngine : public ::testing::Test {
 protected:
  std::string join_text(std::string_view room, std::string_view nick, std::string_view epoch = {},
                        std::string_view offset = {}) {
    FlatJsonWriter writer;
    writer.field("type", "join").field("room", room).field("nick", nick);
    if (!epoch.empty()) writer.field("epoch", epoch).field("offset", offset);
    return writer.str();
  }
  void join(MemberId id, std::string_view room, std::string_view nick, std::string_view epoch = {},
            std::string_view offset = {}) {
    chat_.connect(id, now_);
    chat_.receive(id, join_text(room, nick, epoch, offset), now_);
  }
  void say(MemberId id, std::string_view text) {
    chat_.receive(id, FlatJsonWriter().field("type", "say").field("text", text).str(), now_);
  }

  Recorder out_;
  MemoryChatEngine engine_{{.history = 3, .max_rooms = 8, .epoch_seed = 42}};
  ChatRooms chat_{out_, engine_};
  ChatRooms::Clock::time_point now_ = ChatRooms::Clock::now();
};

TEST_F(L15_ChatWithEngine, MessagesCarryOffsetAndEpoch) {
  join(1, "lobby", "ada");
  join(2, "lobby", "bob");
  out_.take(1);
  EXPECT_EQ(summary(out_.take(2)), (std::vector<std::string>{"welcome"}));
  say(1, "hello");
  auto got = out_.take(2);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value_or_empty("offset"), "1");
  EXPECT_EQ(got[0].value_or_empty("id"), "1");
  EXPECT_FALSE(got[0].value_or_empty("epoch").empty());
  EXPECT_EQ(summary(out_.take(1)), (std::vector<std::string>{"message:hello"}));  // the sender too
}

TEST_F(L15_ChatWithEngine, AMemberThatComesBackGetsExactlyWhatItMissed) {
  join(1, "lobby", "ada");
  join(2, "lobby", "bob");
  say(1, "one");
  auto seen = out_.take(2);
  std::string epoch(seen.back().value_or_empty("epoch"));
  std::string offset(seen.back().value_or_empty("offset"));
  chat_.disconnect(2);
  say(1, "two");
  say(1, "three");
  join(3, "lobby", "bob", epoch, offset);
  EXPECT_EQ(summary(out_.take(3)),
            (std::vector<std::string>{"welcome", "message:two(h)", "message:three(h)"}));
  say(1, "four");
  EXPECT_EQ(summary(out_.take(3)), (std::vector<std::string>{"message:four"}));

  // Too long away: three are kept, so "one" after offset 0 is a gap.
  join(4, "lobby", "cy", epoch, "0");
  EXPECT_EQ(summary(out_.take(4)),
            (std::vector<std::string>{"welcome", "history:gap", "message:two(h)",
                                      "message:three(h)", "message:four(h)"}));
  // An epoch this server never made: the history the client knew is gone.
  join(5, "lobby", "di", "0123456789abcdef", "2");
  auto lost = summary(out_.take(5));
  ASSERT_GE(lost.size(), 2u);
  EXPECT_EQ(lost[1], "history:gone");
  EXPECT_EQ(lost.size(), 5u);
}

// An engine that answers joins only when the test says: Redis's round trip.
struct LateEngine : ChatEngine {
  void set_sink(ChatEngineSink* new_sink) override { sink = new_sink; }
  void publish(MemberId, std::string_view room, std::string_view nick,
               std::string_view text) override {
    published.push_back({std::string(room), {next++, std::string(nick), std::string(text)}});
  }
  void join(MemberId member, std::string_view room, std::string_view,
            const std::optional<ChatResume>&) override {
    joins.push_back({member, std::string(room)});
  }
  void leave(MemberId, std::string_view, std::string_view) override {}
  std::string_view name() const override { return "late"; }

  ChatEngineSink* sink = nullptr;
  std::uint64_t next = 1;
  std::vector<std::pair<std::string, ChatEntry>> published;
  std::vector<std::pair<MemberId, std::string>> joins;
};

TEST(L15_ChatWithLateEngine, NoLiveMessageOvertakesTheHistory) {
  Recorder out;
  LateEngine engine;
  {
    ChatRooms chat(out, engine);
    ASSERT_NE(engine.sink, nullptr);
    auto now = ChatRooms::Clock::now();
    chat.connect(1, now);
    chat.receive(1, R"({"type":"join","room":"r","nick":"ada"})", now);
    ASSERT_EQ(engine.joins.size(), 1u);
    engine.sink->on_message("r", "e", {1, "bob", "live"});  // before ada's history: not for her
    EXPECT_EQ(summary(out.take(1)), (std::vector<std::string>{"welcome"}));
    engine.sink->on_history(1, "r", {HistoryStatus::kComplete, "e", {{1, "bob", "live"}}});
    engine.sink->on_message("r", "e", {2, "bob", "next"});
    EXPECT_EQ(summary(out.take(1)), (std::vector<std::string>{"message:live(h)", "message:next"}));

    // A history that comes after the member left is dropped.
    chat.connect(2, now);
    chat.receive(2, R"({"type":"join","room":"r","nick":"bob"})", now);
    chat.disconnect(2);
    engine.sink->on_history(2, "r", {HistoryStatus::kComplete, "e", {}});
    EXPECT_EQ(summary(out.take(2)), (std::vector<std::string>{"welcome"}));
    EXPECT_EQ(summary(out.take(1)), (std::vector<std::string>{"joined", "left"}));

    // The engine's backend goes and comes back; a failed publish is said to its sender.
    engine.sink->on_status(false, "redis is unreachable");
    engine.sink->on_publish_failed(1, "redis is unreachable");
    engine.sink->on_status(true, "redis is back");
    EXPECT_EQ(summary(out.take(1)),
              (std::vector<std::string>{"status:down", "error", "status:up"}));
  }
  EXPECT_EQ(engine.sink, nullptr);  // ChatRooms detached itself
}

}  // namespace
}  // namespace duplex::app
