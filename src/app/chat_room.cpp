// ChatRooms (lesson 11): the chat protocol and its rules, without I/O. See chat_room.hpp.
// @lesson 11
#include "src/app/chat_room.hpp"

#include <algorithm>
#include <utility>

namespace duplex::app {

ChatRooms::ChatRooms(ChatOutput& output, ChatLimits limits)
    : output_(output), limits_(std::move(limits)) {}

#if DUPLEX_LESSON >= 15
ChatRooms::ChatRooms(ChatOutput& output, ChatEngine& engine, ChatLimits limits)
    : output_(output), limits_(std::move(limits)), engine_(&engine) {
  engine_->set_sink(&sink_);
}

ChatRooms::~ChatRooms() {
  if (engine_ != nullptr) engine_->set_sink(nullptr);
}
#endif

void ChatRooms::connect(MemberId member, Clock::time_point now) {
  members_.try_emplace(member, Member{TokenBucket(limits_.rate, limits_.burst, now), {}, {}});
}

// @anchor lesson11-rate-limit
// Every message costs a token before it is even parsed, so malformed messages cannot be used
// to flood either. A refused message gets one "rate-limited" error per run of refusals (an
// error per message would let the flooder make us send as much as it sends), and a strike;
// an accepted message takes a strike away. Strikes pile up only for a sender that keeps going
// faster than the rate, and past max_strikes it is closed with 1008 (policy violation).
bool ChatRooms::admit(MemberId id, Member& member, Clock::time_point now) {
  if (member.bucket.try_take(now)) {
    member.limited = false;
    if (member.strikes > 0) --member.strikes;
    return true;
  }
  if (++member.strikes > limits_.max_strikes) {
    leave(id, member);
    members_.erase(id);
    output_.close(id, ws::CloseCode::kPolicyViolation, "flooding: too many messages");
    return false;
  }
  if (!member.limited) {
    member.limited = true;
    error(id, "rate-limited",
          "too many messages: " + std::to_string(static_cast<int>(limits_.rate)) +
              " per second at most; messages are dropped until you slow down");
  }
  return false;
}

// @anchor lesson11-chat-receive
void ChatRooms::receive(MemberId id, std::string_view text, Clock::time_point now) {
  auto found = members_.find(id);
  if (found == members_.end()) return;
  Member& member = found->second;
  if (!admit(id, member, now)) return;
  FlatJsonError parse_error;
  auto message = parse_flat_json(text, parse_error, limits_.json);
  if (!message) {
    error(id, "bad-json",
          parse_error.what + " (at byte " + std::to_string(parse_error.offset) + ")");
    return;
  }
  std::string_view type = message->value_or_empty("type");
  if (type == "join") {
    join(id, member, *message);
  } else if (type == "say") {
    say(id, member, *message);
  } else if (type == "leave") {
    leave(id, member);
  } else {
    error(id, "bad-type", "\"type\" must be \"join\", \"say\" or \"leave\"");
  }
}

void ChatRooms::receive_binary(MemberId id, Clock::time_point now) {
  auto found = members_.find(id);
  if (found == members_.end() || !admit(id, found->second, now)) return;
  error(id, "binary", "the chat speaks JSON in text messages, not binary");
}

void ChatRooms::disconnect(MemberId id) {
  auto found = members_.find(id);
  if (found == members_.end()) return;
  leave(id, found->second);
  members_.erase(found);
}

bool ChatRooms::valid_name(std::string_view name, std::size_t max) const {
  if (name.empty() || name.size() > max) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

ChatRooms::Room* ChatRooms::room_for(const std::string& name) {
  if (auto found = rooms_.find(name); found != rooms_.end()) return &found->second;
  if (rooms_.size() >= limits_.max_rooms) {
    // Make room by forgetting an empty room (and its history); when none is empty, refuse.
    auto empty = std::find_if(rooms_.begin(), rooms_.end(),
                              [](const auto& entry) { return entry.second.members.empty(); });
    if (empty == rooms_.end()) return nullptr;
    rooms_.erase(empty);
  }
  return &rooms_[name];
}

std::string ChatRooms::member_list(const Room& room) const {
  std::string list;
  for (const auto& [id, nick] : room.members) {
    if (!list.empty()) list += ',';
    list += nick;
  }
  return list;
}

// @anchor lesson11-join
// The newcomer gets a welcome (with who is there), then the room's history, oldest first, then
// live messages; the others get a "joined" notice. Switching rooms is a leave and a join.
void ChatRooms::join(MemberId id, Member& member, const FlatObject& message) {
  std::string room_name(message.value_or_empty("room"));
  std::string nick(message.value_or_empty("nick"));
  if (!valid_name(room_name, limits_.max_room)) {
    return error(id, "bad-room",
                 "a room name is 1 to " + std::to_string(limits_.max_room) +
                     " letters, digits, '-', '_' or '.'");
  }
  if (!valid_name(nick, limits_.max_nick)) {
    return error(id, "bad-nick",
                 "a nickname is 1 to " + std::to_string(limits_.max_nick) +
                     " letters, digits, '-', '_' or '.'");
  }
  if (member.room == room_name && member.nick == nick) return;
  if (auto found = rooms_.find(room_name); found != rooms_.end()) {
    for (const auto& [other, other_nick] : found->second.members) {
      if (other != id && other_nick == nick) {
        return error(id, "nick-taken", "\"" + nick + "\" is already in " + room_name);
      }
    }
  }
  leave(id, member);
  Room* room = room_for(room_name);
  if (room == nullptr) return error(id, "too-many-rooms", "no room for another room; try later");
  member.room = room_name;
  member.nick = nick;
  room->members.emplace_back(id, nick);
#if DUPLEX_LESSON >= 15
  if (engine_ != nullptr) {
    // @anchor lesson15-join-resume
    // The member joins its room's group only once its history is here (EngineSink::on_history):
    // live messages before that would overtake it. The engine answers at once (memory) or
    // after a round trip (Redis); either way after the welcome below.
    std::string members = member_list(*room);
    output_.send(id, FlatJsonWriter()
                         .field("type", "welcome")
                         .field("room", room_name)
                         .field("nick", nick)
                         .field("members", members)
                         .field("engine", engine_->name())
                         .str());
    output_.broadcast(room_name,
                      FlatJsonWriter()
                          .field("type", "joined")
                          .field("nick", nick)
                          .field("members", members)
                          .str(),
                      id);
    std::optional<ChatResume> resume;
    if (auto epoch = message.value_or_empty("epoch"); !epoch.empty()) {
      std::uint64_t offset = 0;
      for (char c : message.value_or_empty("offset")) {
        if (c < '0' || c > '9' || offset > (UINT64_MAX - 9) / 10) break;
        offset = offset * 10 + static_cast<std::uint64_t>(c - '0');
      }
      resume = ChatResume{std::string(epoch), offset};
    }
    member.catching_up = true;
    engine_->join(id, room_name, nick, resume);
    return;
  }
#endif
  output_.joined(id, room_name);
  std::string members = member_list(*room);
  output_.send(id, FlatJsonWriter()
                       .field("type", "welcome")
                       .field("room", room_name)
                       .field("nick", nick)
                       .field("members", members)
                       .str());
  for (const Said& said : room->history) {
    output_.send(id, FlatJsonWriter()
                         .field("type", "message")
                         .field("id", std::to_string(said.id))
                         .field("nick", said.nick)
                         .field("text", said.text)
                         .field("history", "yes")
                         .str());
  }
  output_.broadcast(
      room_name,
      FlatJsonWriter().field("type", "joined").field("nick", nick).field("members", members).str(),
      id);
}

void ChatRooms::say(MemberId id, Member& member, const FlatObject& message) {
  if (member.room.empty()) return error(id, "not-joined", "join a room before saying anything");
  std::string_view text = message.value_or_empty("text");
  if (text.empty()) return error(id, "empty", "\"text\" is missing or empty");
  if (text.size() > limits_.max_text) {
    return error(id, "too-long",
                 "a message is at most " + std::to_string(limits_.max_text) + " bytes");
  }
#if DUPLEX_LESSON >= 15
  // With an engine the message comes back through EngineSink::on_message, with its offset, to
  // the sender too (and, with Redis, to every process with members in the room).
  if (engine_ != nullptr) return engine_->publish(id, member.room, member.nick, text);
#endif
  Room& room = rooms_[member.room];
  Said said{room.next_id++, member.nick, std::string(text)};
  // Everyone hears it, the sender too: its own copy says the server took it, in room order.
  output_.broadcast(member.room,
                    FlatJsonWriter()
                        .field("type", "message")
                        .field("id", std::to_string(said.id))
                        .field("nick", said.nick)
                        .field("text", said.text)
                        .str(),
                    0);
  room.history.push_back(std::move(said));
  if (room.history.size() > limits_.history) room.history.pop_front();
}

void ChatRooms::leave(MemberId id, Member& member) {
  if (member.room.empty()) return;
  std::string room_name = std::exchange(member.room, {});
  std::string nick = std::exchange(member.nick, {});
  auto found = rooms_.find(room_name);
  if (found == rooms_.end()) return;
  auto& members = found->second.members;
  std::erase_if(members, [id](const auto& entry) { return entry.first == id; });
#if DUPLEX_LESSON >= 15
  member.catching_up = false;
  if (engine_ != nullptr) engine_->leave(id, room_name, nick);
#endif
  output_.left(id, room_name);
  output_.broadcast(room_name,
                    FlatJsonWriter()
                        .field("type", "left")
                        .field("nick", nick)
                        .field("members", member_list(found->second))
                        .str(),
                    id);
}

void ChatRooms::error(MemberId id, std::string_view code, std::string_view text) {
  output_.send(
      id, FlatJsonWriter().field("type", "error").field("code", code).field("text", text).str());
}

std::vector<std::string> ChatRooms::nicks(std::string_view room) const {
  std::vector<std::string> result;
  if (auto found = rooms_.find(room); found != rooms_.end()) {
    for (const auto& [id, nick] : found->second.members) result.push_back(nick);
  }
  return result;
}

std::size_t ChatRooms::history_size(std::string_view room) const {
  auto found = rooms_.find(room);
  return found == rooms_.end() ? 0 : found->second.history.size();
}

#if DUPLEX_LESSON >= 15
std::string ChatRooms::entry_message(std::string_view epoch, const ChatEntry& entry, bool history) {
  FlatJsonWriter writer;
  writer.field("type", "message")
      .field("id", std::to_string(entry.offset))
      .field("nick", entry.nick)
      .field("text", entry.text)
      .field("offset", std::to_string(entry.offset))
      .field("epoch", epoch);
  if (history) writer.field("history", "yes");
  return writer.str();
}

// The engine delivers each offset once and in order; the room's group holds exactly the members
// whose history is done, so one broadcast reaches everyone owed it.
void ChatRooms::EngineSink::on_message(std::string_view room, std::string_view epoch,
                                       const ChatEntry& entry) {
  if (chat_.rooms_.find(room) == chat_.rooms_.end()) return;
  chat_.output_.broadcast(room, entry_message(epoch, entry, false), 0);
}

void ChatRooms::EngineSink::on_history(MemberId id, std::string_view room,
                                       const ChatHistory& history) {
  auto found = chat_.members_.find(id);
  if (found == chat_.members_.end()) return;
  Member& member = found->second;
  if (!member.catching_up || member.room != room) return;  // it left or moved on meanwhile
  member.catching_up = false;
  if (history.status != HistoryStatus::kComplete) {
    std::string_view text =
        history.status == HistoryStatus::kGap ? "some messages you missed are no longer kept"
        : history.status == HistoryStatus::kGone
            ? "the history you knew is gone (the server lost it); here is the room's"
            : "the history cannot be read now; live messages only";
    chat_.output_.send(id, FlatJsonWriter()
                               .field("type", "history")
                               .field("status", to_string(history.status))
                               .field("epoch", history.epoch)
                               .field("text", text)
                               .str());
  }
  for (const ChatEntry& entry : history.entries) {
    chat_.output_.send(id, entry_message(history.epoch, entry, true));
  }
  chat_.output_.joined(id, room);
}

void ChatRooms::EngineSink::on_presence(std::string_view room,
                                        const std::vector<std::string>& nicks) {
  std::string list;
  for (const std::string& nick : nicks) {
    if (!list.empty()) list += ',';
    list += nick;
  }
  chat_.output_.broadcast(
      room,
      FlatJsonWriter().field("type", "presence").field("room", room).field("members", list).str(),
      0);
}

void ChatRooms::EngineSink::on_gap(std::string_view room, std::uint64_t lost, bool epoch_changed) {
  std::string text =
      epoch_changed ? std::string("the room's history was lost (Redis restarted); offsets restart")
                    : std::to_string(lost) + " messages could not be recovered";
  chat_.output_.broadcast(room,
                          FlatJsonWriter()
                              .field("type", "history")
                              .field("status", epoch_changed ? "gone" : "gap")
                              .field("text", text)
                              .str(),
                          0);
}

void ChatRooms::EngineSink::on_status(bool up, std::string_view text) {
  std::string message = FlatJsonWriter()
                            .field("type", "status")
                            .field("state", up ? "up" : "down")
                            .field("text", text)
                            .str();
  for (const auto& [id, member] : chat_.members_) {
    if (!member.room.empty()) chat_.output_.send(id, message);
  }
}

void ChatRooms::EngineSink::on_publish_failed(MemberId member, std::string_view text) {
  if (chat_.members_.contains(member)) chat_.error(member, "not-sent", text);
}
#endif

}  // namespace duplex::app
