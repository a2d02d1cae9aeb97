// ChatEngine: where a chat room's messages, history and presence live (lesson 15).
// @lesson 15
//
// Lesson 11's ChatRooms keeps everything in the process: a message said by a member is heard by
// the members connected to the same process, and by nobody else. The engine is the seam that
// lets the rooms span processes. ChatRooms still owns the members (connections, nicknames, rate
// limits, validation); the engine owns what the room shares:
//
//   publish  a said message gets an offset and reaches every process with members in the room
//   join     a member's presence, and the history it is owed (since the offset it last saw)
//   leave    the end of its presence
//
// and it reports back through a ChatEngineSink, always on the engine's own thread and never from
// inside a call into the engine for the asynchronous ones (the memory engine answers at once).
//
// Every message of a room carries an offset (1, 2, 3, ... in the room's order) and the room's
// epoch, a name that changes when the history is lost (a Redis restart without persistence, a
// memory engine in a new process): an offset means something only within its epoch. A client
// that comes back with {epoch, offset} gets exactly what it missed, or is told that part or all
// of it is gone. Two engines: MemoryChatEngine (one process, the default) and RedisChatEngine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace duplex::app {

using MemberId = std::uint64_t;

// One said message, as the room's history holds it.
struct ChatEntry {
  std::uint64_t offset = 0;
  std::string nick;
  std::string text;
};

// What a member that comes back says it last saw.
struct ChatResume {
  std::string epoch;
  std::uint64_t offset = 0;
};

enum class HistoryStatus {
  kComplete,     // everything after the member's offset (or the room's last messages)
  kGap,          // same epoch, but some messages after its offset were trimmed: the rest follows
  kGone,         // another epoch: the history it knew is lost; the room's last messages follow
  kUnavailable,  // the engine cannot read the history now (Redis down): live messages only
};
std::string_view to_string(HistoryStatus status);

struct ChatHistory {
  HistoryStatus status = HistoryStatus::kComplete;
  std::string epoch;
  std::vector<ChatEntry> entries;  // oldest first, offsets increasing
};

// @anchor lesson15-engine-seam
class ChatEngineSink {
 public:
  virtual ~ChatEngineSink() = default;
  // A message of `room` for the members of this process, each offset once and in order.
  virtual void on_message(std::string_view room, std::string_view epoch,
                          const ChatEntry& entry) = 0;
  // The answer to join(): after it, on_message brings only offsets after the last entry here.
  virtual void on_history(MemberId member, std::string_view room, const ChatHistory& history) = 0;
  // Who is in `room` across every process (engines that know more than this process does).
  virtual void on_presence(std::string_view room, const std::vector<std::string>& nicks) = 0;
  // This process missed messages of `room` that are gone for good (`lost` of them), or the room's
  // history was lost and its offsets restarted (`epoch_changed`): its members are told.
  virtual void on_gap(std::string_view room, std::uint64_t lost, bool epoch_changed) = 0;
  // The engine lost or regained its backend: every member is told.
  virtual void on_status(bool up, std::string_view text) = 0;
  // publish() from `member` failed (the message was not sent): the member is told.
  virtual void on_publish_failed(MemberId member, std::string_view text) = 0;
};

class ChatEngine {
 public:
  virtual ~ChatEngine() = default;
  // Where the answers go; nullptr detaches (ChatRooms does so in its destructor).
  virtual void set_sink(ChatEngineSink* sink) = 0;
  virtual void publish(MemberId from, std::string_view room, std::string_view nick,
                       std::string_view text) = 0;
  virtual void join(MemberId member, std::string_view room, std::string_view nick,
                    const std::optional<ChatResume>& resume) = 0;
  virtual void leave(MemberId member, std::string_view room, std::string_view nick) = 0;
  virtual std::string_view name() const = 0;
};

// The entries of `history` (oldest first) a member that resumes from `resume` is owed, and how
// complete they are. Both engines keep a room's last N messages and answer a resume with this
// one function, so that they answer alike.
ChatHistory history_since(std::string_view epoch, const std::vector<ChatEntry>& history,
                          const std::optional<ChatResume>& resume);

}  // namespace duplex::app
