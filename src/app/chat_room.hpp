// ChatRooms: the chat of the demo as a sans-I/O state machine (lesson 11).
//
// Members (one per WebSocket connection) join rooms under a nickname and say things; everyone
// in the room hears it, and a newcomer first gets the room's last messages. ChatRooms knows the
// protocol (flat JSON objects, see lessons/11-real-time-apps/README.md) and the rules (names,
// sizes, a rate limit per member), but no socket: it takes messages and the time, and tells a
// ChatOutput what to send to whom. The WebSocket glue is ChatEndpoint; the tests are a
// recording ChatOutput.
//
//   client -> server  {"type":"join","room":"lobby","nick":"ada"}
//                     {"type":"say","text":"hello"}
//                     {"type":"leave"}
//   server -> client  welcome, message (live or "history":"yes"), joined, left, error
// @lesson 11
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/app/flat_json.hpp"
#include "src/app/token_bucket.hpp"
#include "src/ws/close_code.hpp"
#if DUPLEX_LESSON >= 15
#include "src/app/chat_engine.hpp"
#endif

namespace duplex::app {

using MemberId = std::uint64_t;

struct ChatLimits {
  // Bytes of a said text. Default 1000.
  std::size_t max_text = 1000;
  // Bytes of a nickname and of a room name: letters, digits, '-', '_' and '.'. Defaults 24, 32.
  std::size_t max_nick = 24;
  std::size_t max_room = 32;
  // Messages a room keeps and replays to a newcomer. Default 50.
  std::size_t history = 50;
  // Rooms that exist at once (an empty room keeps its history until room is needed). 256.
  std::size_t max_rooms = 256;
  // The rate limit of each member (TokenBucket): `rate` messages per second sustained, bursts
  // of `burst`. Defaults 5/s and 10.
  double rate = 5;
  double burst = 10;
  // A member whose refused messages outnumber its accepted ones by this much is closed with
  // 1008: it is flooding, not typing fast. Default 50.
  std::size_t max_strikes = 50;
  FlatJsonLimits json;
};

// What ChatRooms asks of the transport. `room` names stay valid only during the call.
class ChatOutput {
 public:
  virtual ~ChatOutput() = default;
  virtual void send(MemberId to, std::string_view message) = 0;
  // To every member of `room` but `except` (0: nobody is left out).
  virtual void broadcast(std::string_view room, std::string_view message, MemberId except) = 0;
  virtual void joined(MemberId member, std::string_view room) = 0;
  virtual void left(MemberId member, std::string_view room) = 0;
  // End this member's connection with `code`; ChatRooms has already forgotten it.
  virtual void close(MemberId member, ws::CloseCode code, std::string_view reason) = 0;
};

class ChatRooms {
 public:
  using Clock = TokenBucket::Clock;

  explicit ChatRooms(ChatOutput& output, ChatLimits limits = {});

  void connect(MemberId member, Clock::time_point now);
  // One text message from `member`.
  void receive(MemberId member, std::string_view text, Clock::time_point now);
  // A binary message: the chat speaks text only.
  void receive_binary(MemberId member, Clock::time_point now);
  // The connection is gone: leave the room (the others hear it).
  void disconnect(MemberId member);

  std::size_t member_count() const { return members_.size(); }
  std::size_t room_count() const { return rooms_.size(); }
  // The nicknames in `room`, in the order they joined.
  std::vector<std::string> nicks(std::string_view room) const;
  std::size_t history_size(std::string_view room) const;
  const ChatLimits& limits() const { return limits_; }

#if DUPLEX_LESSON >= 15
  // Lesson 15: the rooms' messages, history and presence live in `engine` (chat_engine.hpp),
  // which must outlive this object. Messages then carry "offset" and "epoch", and a join may
  // carry the "epoch" and "offset" a client last saw to get what it missed.
  ChatRooms(ChatOutput& output, ChatEngine& engine, ChatLimits limits = {});
  ~ChatRooms();
  ChatRooms(const ChatRooms&) = delete;
  ChatRooms& operator=(const ChatRooms&) = delete;
#endif

 private:
  struct Said {
    std::uint64_t id = 0;
    std::string nick;
    std::string text;
  };
  struct Room {
    std::vector<std::pair<MemberId, std::string>> members;  // in joining order
    std::deque<Said> history;
    std::uint64_t next_id = 1;
  };
  struct Member {
    TokenBucket bucket;
    std::string room;  // empty: in no room
    std::string nick;
    std::size_t strikes = 0;
    bool limited = false;  // the last message was refused: "rate-limited" was said once
#if DUPLEX_LESSON >= 15
    bool catching_up = false;  // joined, its history not here yet: live messages wait too
#endif
  };
#if DUPLEX_LESSON >= 15
  // The engine's answers, turned into messages for this process's members.
  class EngineSink : public ChatEngineSink {
   public:
    explicit EngineSink(ChatRooms& chat) : chat_(chat) {}
    void on_message(std::string_view room, std::string_view epoch, const ChatEntry& entry) override;
    void on_history(MemberId member, std::string_view room, const ChatHistory& history) override;
    void on_presence(std::string_view room, const std::vector<std::string>& nicks) override;
    void on_gap(std::string_view room, std::uint64_t lost, bool epoch_changed) override;
    void on_status(bool up, std::string_view text) override;
    void on_publish_failed(MemberId member, std::string_view text) override;

   private:
    ChatRooms& chat_;
  };
  static std::string entry_message(std::string_view epoch, const ChatEntry& entry, bool history);
#endif

  bool admit(MemberId id, Member& member, Clock::time_point now);
  void join(MemberId id, Member& member, const FlatObject& message);
  void say(MemberId id, Member& member, const FlatObject& message);
  void leave(MemberId id, Member& member);
  Room* room_for(const std::string& name);
  void error(MemberId id, std::string_view code, std::string_view text);
  std::string member_list(const Room& room) const;
  bool valid_name(std::string_view name, std::size_t max) const;

  ChatOutput& output_;
  ChatLimits limits_;
  std::map<MemberId, Member> members_;
  std::map<std::string, Room, std::less<>> rooms_;
#if DUPLEX_LESSON >= 15
  ChatEngine* engine_ = nullptr;
  EngineSink sink_{*this};
#endif
};

}  // namespace duplex::app
