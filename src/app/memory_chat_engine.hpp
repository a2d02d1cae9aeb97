// MemoryChatEngine: the rooms' history in this process, as in lesson 11 (lesson 15).
// @lesson 15
//
// The default engine (duplex-server without --redis): one process, so publishing is delivering,
// at once, to this process's members. Each room keeps its last `history` messages and an epoch
// made when the room is first used; a new process (or a room forgotten to make room for
// another) has a new epoch, so a client that comes back with an old offset is told its history
// is gone instead of being handed someone else's messages under the same numbers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>

#include "src/app/chat_engine.hpp"

namespace duplex::app {

struct MemoryEngineOptions {
  // Messages a room keeps (ChatLimits::history). Default 50.
  std::size_t history = 50;
  // Rooms whose history is kept; past this the one least recently used is forgotten. 256.
  std::size_t max_rooms = 256;
  // Starts the epochs' names; a process picks a random one (tests pass a fixed one).
  std::uint64_t epoch_seed = 0;
};

class MemoryChatEngine : public ChatEngine {
 public:
  explicit MemoryChatEngine(MemoryEngineOptions options = {});

  void set_sink(ChatEngineSink* sink) override { sink_ = sink; }
  void publish(MemberId from, std::string_view room, std::string_view nick,
               std::string_view text) override;
  void join(MemberId member, std::string_view room, std::string_view nick,
            const std::optional<ChatResume>& resume) override;
  void leave(MemberId member, std::string_view room, std::string_view nick) override;
  std::string_view name() const override { return "memory"; }

  std::size_t room_count() const { return rooms_.size(); }

 private:
  struct Room {
    std::string epoch;
    std::deque<ChatEntry> history;
    std::uint64_t next_offset = 1;
    std::uint64_t used = 0;  // when it was last used, for forgetting the least recently used
  };
  Room& room_for(std::string_view name);

  MemoryEngineOptions options_;
  ChatEngineSink* sink_ = nullptr;
  std::map<std::string, Room, std::less<>> rooms_;
  std::uint64_t epochs_made_ = 0;
  std::uint64_t clock_ = 0;
};

}  // namespace duplex::app
