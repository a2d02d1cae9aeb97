// MemoryChatEngine (lesson 15): see memory_chat_engine.hpp.
// @lesson 15
#include "src/app/memory_chat_engine.hpp"

#include <algorithm>
#include <random>
#include <vector>

namespace duplex::app {

namespace {

std::string hex(std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text(16, '0');
  for (int i = 15; i >= 0; --i, value >>= 4)
    text[static_cast<std::size_t>(i)] = kDigits[value & 15];
  return text;
}

}  // namespace

MemoryChatEngine::MemoryChatEngine(MemoryEngineOptions options) : options_(options) {
  if (options_.epoch_seed == 0) options_.epoch_seed = std::random_device{}() | 1;
}

MemoryChatEngine::Room& MemoryChatEngine::room_for(std::string_view name) {
  auto found = rooms_.find(name);
  if (found == rooms_.end()) {
    if (rooms_.size() >= options_.max_rooms && !rooms_.empty()) {
      rooms_.erase(std::min_element(rooms_.begin(), rooms_.end(), [](const auto& a, const auto& b) {
        return a.second.used < b.second.used;
      }));
    }
    found = rooms_.emplace(std::string(name), Room{}).first;
    found->second.epoch = hex(options_.epoch_seed + epochs_made_++);
  }
  found->second.used = ++clock_;
  return found->second;
}

void MemoryChatEngine::publish(MemberId, std::string_view room_name, std::string_view nick,
                               std::string_view text) {
  Room& room = room_for(room_name);
  room.history.push_back({room.next_offset++, std::string(nick), std::string(text)});
  if (room.history.size() > options_.history) room.history.pop_front();
  if (sink_ != nullptr) sink_->on_message(room_name, room.epoch, room.history.back());
}

void MemoryChatEngine::join(MemberId member, std::string_view room_name, std::string_view,
                            const std::optional<ChatResume>& resume) {
  Room& room = room_for(room_name);
  std::vector<ChatEntry> history(room.history.begin(), room.history.end());
  if (sink_ != nullptr) {
    sink_->on_history(member, room_name, history_since(room.epoch, history, resume));
  }
}

// One process: ChatRooms' own member list is the whole presence.
void MemoryChatEngine::leave(MemberId, std::string_view, std::string_view) {}

}  // namespace duplex::app
