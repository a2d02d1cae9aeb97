// RedisChatEngine (lesson 15): see redis_chat_engine.hpp.
// @lesson 15
#include "src/app/redis_chat_engine.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <random>
#include <string>
#include <utility>

namespace duplex::app {

namespace {

// @anchor lesson15-publish-script
// One message, atomically: the room's epoch (made now if it is missing, and then the old
// counter and stream go: a missing epoch means they are not to be trusted), the next offset,
// the stream entry under that offset (trimmed to about ARGV[2] entries), and the Pub/Sub
// message. Redis runs a script alone, so offsets are in the order the messages are published.
// KEYS: seq, stream, epoch, channel. ARGV: epoch candidate, history, nick, text.
constexpr std::string_view kPublishScript = R"lua(
local epoch = redis.call('GET', KEYS[3])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[3], epoch)
  redis.call('DEL', KEYS[1], KEYS[2])
end
local offset = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], offset .. '-0', 'nick', ARGV[3], 'text', ARGV[4])
redis.call('PUBLISH', KEYS[4], epoch .. '\n' .. offset .. '\n' .. ARGV[3] .. '\n' .. ARGV[4])
return offset
)lua";

// A stream read with the epoch it belongs to ('' when the room has none: never used, or lost).
// KEYS: epoch, stream. ARGV: "newest", count | "range", from, to, count.
constexpr std::string_view kReadScript = R"lua(
local epoch = redis.call('GET', KEYS[1]) or ''
if ARGV[1] == 'newest' then
  return {epoch, redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', ARGV[2]), 'newest'}
end
return {epoch, redis.call('XRANGE', KEYS[2], ARGV[2], ARGV[3], 'COUNT', ARGV[4]), 'range'}
)lua";

constexpr std::string_view kPresencePing = "presence";

// @anchor lesson15-presence-clock
// Presence on one clock: Redis's. Each process stamping expiry times from its own clock would
// make a member's presence last longer or shorter depending on which machine wrote it and which
// one reads it (clocks drift; one set an hour wrong keeps its dead members listed for an hour).
// The scripts read TIME on the Redis server instead, so every expiry time is written and
// compared on the one clock they all share. (Since Redis 5 a script may call TIME before it
// writes: scripts are replicated by their effects, not re-run.)
// KEYS: presence. ARGV: ttl (ms), then the nicks to stamp. Stamps them, drops the expired.
constexpr std::string_view kPresenceStampScript = R"lua(
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local expiry = string.format('%.0f', now + tonumber(ARGV[1]))
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], expiry, ARGV[i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now))
return now
)lua";

// KEYS: presence. The nicks whose entry has not expired by Redis's clock, in nick order.
constexpr std::string_view kPresenceReadScript = R"lua(
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. string.format('%.0f', now), '+inf')
)lua";

std::uint64_t parse_offset(std::string_view text) {
  std::uint64_t offset = 0;
  for (char c : text) {
    if (c < '0' || c > '9') break;
    offset = offset * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return offset;
}

}  // namespace

RedisChatEngine::RedisChatEngine(net::EventLoop& loop, net::SocketAddress address,
                                 RedisEngineOptions options)
    : options_(std::move(options)), io_(std::make_unique<Io>(loop, address, options_.client)) {
  std::random_device random;
  random_.seed((std::uint64_t{random()} << 32) ^ random());

  // @anchor lesson15-redis-down
  // The command connection decides what members hear: it is the one publishes go through.
  // Its first report of an outage tells every member once; the reconnection tells them again.
  io_->commands.set_on_disconnected([this](const redis::Disconnect& disconnect) {
    if (!disconnect.was_connected || down_reported_) return;
    down_reported_ = true;
    if (sink_ != nullptr) {
      sink_->on_status(false, "the chat's Redis is unreachable (" + disconnect.describe() +
                                  "); messages cannot be sent until it is back");
    }
  });
  io_->commands.set_on_connected([this] {
    if (!down_reported_) return;
    down_reported_ = false;
    if (sink_ != nullptr) sink_->on_status(true, "the chat's Redis is back");
    refresh_presence();  // a Redis that restarted empty has lost the presence sets too
    for (auto& [room, state] : rooms_) ping_presence(room);
  });
  io_->subscriber.set_on_push([this](const redis::SessionEvent& event) { on_push(event); });
}

RedisChatEngine::~RedisChatEngine() = default;

void RedisChatEngine::close() {
  io_.reset();
}

void RedisChatEngine::start() {
  io_->commands.start();
  io_->subscriber.start();
  io_->presence_timer.start_every(options_.presence_ttl / 3, [this] { refresh_presence(); });
}

void RedisChatEngine::stop() {
  if (!io_) return;
  io_->presence_timer.cancel();
  io_->commands.stop();
  io_->subscriber.stop();
}

std::string RedisChatEngine::key(std::string_view room, std::string_view part) const {
  std::string result = options_.prefix;
  result += room;
  result += ':';
  result += part;
  return result;
}

std::string RedisChatEngine::channel(std::string_view room) const {
  return options_.prefix + std::string(room);
}

void RedisChatEngine::publish(MemberId from, std::string_view room, std::string_view nick,
                              std::string_view text) {
  if (!io_) {
    if (sink_ != nullptr) sink_->on_publish_failed(from, "not sent: the server is stopping");
    return;
  }
  std::string history = std::to_string(options_.history);
  // A fresh candidate each time: an epoch must never be made twice (after a restart this
  // process may be the one that makes the room's next epoch).
  std::string epoch_candidate;
  for (std::uint64_t value = random_(); epoch_candidate.size() < 16; value >>= 4) {
    epoch_candidate += "0123456789abcdef"[value & 15];
  }
  std::array<std::string, 11> args = {"EVAL",
                                      std::string(kPublishScript),
                                      "4",
                                      key(room, "seq"),
                                      key(room, "stream"),
                                      key(room, "epoch"),
                                      channel(room),
                                      epoch_candidate,
                                      history,
                                      std::string(nick),
                                      std::string(text)};
  io_->commands.command(std::span<const std::string>(args), [this, from](redis::Reply reply) {
    if (sink_ == nullptr) return;
    if (!reply.ok()) {
      sink_->on_publish_failed(from, "not sent: the chat's Redis is unreachable (" +
                                         std::string(redis::to_string(reply.error)) + ")");
    } else if (reply.value.is_error()) {
      sink_->on_publish_failed(from, "not sent: Redis said " + reply.value.string);
    }
    // Otherwise the message comes back through Pub/Sub, to this process's members too.
  });
}

std::optional<RedisChatEngine::StreamRead> RedisChatEngine::parse_read(const redis::Value& value) {
  if (value.type != redis::Type::kArray || value.elements.size() != 3) return std::nullopt;
  StreamRead read;
  read.epoch = value.elements[0].string;
  for (const redis::Value& item : value.elements[1].elements) {
    if (item.elements.size() != 2) return std::nullopt;
    ChatEntry entry;
    entry.offset = parse_offset(item.elements[0].string);
    const auto& fields = item.elements[1].elements;
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
      if (fields[i].string == "nick") entry.nick = fields[i + 1].string;
      if (fields[i].string == "text") entry.text = fields[i + 1].string;
    }
    read.entries.push_back(std::move(entry));
  }
  if (value.elements[2].string == "newest") {
    std::reverse(read.entries.begin(), read.entries.end());  // XREVRANGE: newest first
  }
  return read;
}

void RedisChatEngine::read_stream(std::string_view room, std::optional<FeedRead> range,
                                  std::function<void(bool ok, StreamRead read)> done) {
  std::vector<std::string> args = {"EVAL", std::string(kReadScript), "2", key(room, "epoch"),
                                   key(room, "stream")};
  std::string count = std::to_string(options_.history);
  if (range) {
    args.insert(args.end(), {"range", std::to_string(range->from) + "-0",
                             range->to == 0 ? "+" : std::to_string(range->to) + "-0", count});
  } else {
    args.insert(args.end(), {"newest", count});
  }
  io_->commands.command(std::span<const std::string>(args),
                        [done = std::move(done)](redis::Reply reply) {
                          std::optional<StreamRead> read;
                          if (reply.ok() && !reply.value.is_error()) read = parse_read(reply.value);
                          if (read) {
                            done(true, std::move(*read));
                          } else {
                            done(false, {});
                          }
                        });
}

void RedisChatEngine::apply(const std::string& room, FeedStep step) {
  auto found = rooms_.find(room);
  if (found == rooms_.end()) return;
  ChatFeed& feed = found->second.feed;
  if (sink_ != nullptr) {
    if (step.epoch_changed || step.lost != 0) sink_->on_gap(room, step.lost, step.epoch_changed);
    for (const ChatEntry& entry : step.deliver) sink_->on_message(room, feed.epoch(), entry);
  }
  if (step.read) {
    FeedRead range = *step.read;
    read_stream(room, range, [this, room, range](bool ok, StreamRead read) {
      auto again = rooms_.find(room);
      if (again == rooms_.end()) return;
      if (!ok) return again->second.feed.on_read_failed();
      apply(room, again->second.feed.on_read(read.epoch, std::move(read.entries), range));
    });
  }
}

// @anchor lesson15-join
// The member's history is the room's newest entries read from the stream, merged first into the
// room's feed (what it has that the feed had not delivered yet reaches the members already
// there, as it would have through Pub/Sub), and cut at the feed's last delivered offset: what
// comes after reaches the member live, once it has joined its group, and never twice.
//
// In a room this process does not hear yet, the read waits for Redis to confirm the
// subscription. A message (the member's own, said while its history loads) published before
// the read is then in the read, and one published after it is heard live; read before the
// subscription took, a message published in between would be in neither.
void RedisChatEngine::join(MemberId member, std::string_view room_name, std::string_view nick,
                           const std::optional<ChatResume>& resume) {
  if (!io_) return;
  std::string room(room_name);
  auto [found, fresh] =
      rooms_.try_emplace(room, Room{ChatFeed({.recent = options_.history}), {}, false, {}});
  found->second.members[member] = std::string(nick);
  if (fresh) {
    std::string name = channel(room);
    std::array<std::string_view, 1> channels = {name};
    io_->subscriber.subscribe(channels);
  }
  // @anchor lesson15-presence
  // Presence: the nick in the room's sorted set with an expiry time as its score (refreshed by
  // the presence timer), and a ping on the room's channel so that every process re-reads it.
  stamp_presence(room, {std::string(nick)});
  ping_presence(room);
  // Redis away: no confirmation will come soon; the read fails now and says so (live only).
  if (!found->second.subscribed && io_->subscriber.connected()) {
    found->second.waiting.emplace_back(member, resume);
    return;
  }
  read_history(member, room, resume);
}

void RedisChatEngine::read_history(MemberId member, const std::string& room,
                                   const std::optional<ChatResume>& resume) {
  read_stream(room, std::nullopt, [this, member, room, resume](bool ok, StreamRead read) {
    auto again = rooms_.find(room);
    if (again == rooms_.end() || !again->second.members.contains(member)) return;
    if (!ok) {
      if (sink_ != nullptr) {
        sink_->on_history(member, room, {HistoryStatus::kUnavailable, {}, {}});
      }
      return;
    }
    ChatFeed& feed = again->second.feed;
    std::vector<ChatEntry> entries = read.entries;
    apply(room, feed.on_read(read.epoch, std::move(read.entries), std::nullopt));
    auto still = rooms_.find(room);
    if (still == rooms_.end() || sink_ == nullptr) return;
    ChatFeed& current = still->second.feed;
    std::vector<ChatEntry> history;
    for (ChatEntry& entry : entries) {
      if (entry.offset <= current.last()) history.push_back(std::move(entry));
    }
    std::uint64_t newest = history.empty() ? 0 : history.back().offset;
    // No epoch in the read: the room was unused when Redis read it; anything the feed has
    // delivered since (the member's own first message) came after, and is owed.
    if (read.epoch.empty() || read.epoch == current.epoch()) {
      for (ChatEntry& entry : current.recent_after(newest)) {
        history.push_back(std::move(entry));
      }
    }
    if (history.size() > options_.history) {
      history.erase(history.begin(), history.end() - static_cast<std::ptrdiff_t>(options_.history));
    }
    sink_->on_history(member, room, history_since(current.epoch(), history, resume));
  });
}

void RedisChatEngine::leave(MemberId member, std::string_view room_name, std::string_view nick) {
  auto found = rooms_.find(room_name);
  if (found == rooms_.end() || !io_) return;
  found->second.members.erase(member);
  std::string room(room_name);
  io_->commands.command({"ZREM", key(room, "presence"), nick}, nullptr);
  ping_presence(room);
  if (found->second.members.empty()) {
    // No member here any more: stop hearing the room (its feed starts afresh on a new join).
    std::string name = channel(room);
    std::array<std::string_view, 1> channels = {name};
    io_->subscriber.unsubscribe(channels);
    rooms_.erase(found);
  }
}

void RedisChatEngine::ping_presence(const std::string& room) {
  if (!io_) return;
  io_->commands.command({"PUBLISH", channel(room), kPresencePing}, nullptr);
}

// Every process re-reads the room's set when pinged: the entries not expired, in nick order.
void RedisChatEngine::report_presence(const std::string& room) {
  io_->commands.command(
      {"EVAL", kPresenceReadScript, "1", key(room, "presence")}, [this, room](redis::Reply reply) {
        if (!reply.ok() || reply.value.type != redis::Type::kArray || sink_ == nullptr) return;
        if (!rooms_.contains(room)) return;
        std::vector<std::string> nicks;
        for (const redis::Value& nick : reply.value.elements) nicks.push_back(nick.string);
        sink_->on_presence(room, nicks);
      });
}

void RedisChatEngine::stamp_presence(const std::string& room, std::vector<std::string> nicks) {
  std::vector<std::string> args = {"EVAL", std::string(kPresenceStampScript), "1",
                                   key(room, "presence"),
                                   std::to_string(options_.presence_ttl.count())};
  for (std::string& nick : nicks) args.push_back(std::move(nick));
  io_->commands.command(std::span<const std::string>(args), nullptr);
}

void RedisChatEngine::refresh_presence() {
  for (const auto& [room, state] : rooms_) {
    std::vector<std::string> nicks;
    for (const auto& [member, nick] : state.members) nicks.push_back(nick);
    stamp_presence(room, std::move(nicks));
  }
}

void RedisChatEngine::on_push(const redis::SessionEvent& event) {
  if (event.channel.rfind(options_.prefix, 0) != 0) return;
  std::string room = event.channel.substr(options_.prefix.size());
  auto found = rooms_.find(room);
  if (found == rooms_.end()) return;
  if (event.kind == redis::SessionEvent::Kind::kSubscribed) {
    // Subscribed again after an outage: what was published meanwhile is only in the stream.
    found->second.subscribed = true;
    auto waiting = std::exchange(found->second.waiting, {});
    apply(room, found->second.feed.on_reconnected());
    for (const auto& [member, resume] : waiting) read_history(member, room, resume);
  } else if (event.kind == redis::SessionEvent::Kind::kMessage) {
    on_live(room, event.payload);
  }
}

void RedisChatEngine::on_live(const std::string& room, std::string_view payload) {
  if (payload == kPresencePing) return report_presence(room);
  // "<epoch>\n<offset>\n<nick>\n<text>": the text comes last and may hold newlines.
  std::size_t first = payload.find('\n');
  std::size_t second = first == std::string_view::npos ? first : payload.find('\n', first + 1);
  std::size_t third = second == std::string_view::npos ? second : payload.find('\n', second + 1);
  if (third == std::string_view::npos) return;  // not ours: ignored
  ChatEntry entry{parse_offset(payload.substr(first + 1, second - first - 1)),
                  std::string(payload.substr(second + 1, third - second - 1)),
                  std::string(payload.substr(third + 1))};
  if (entry.offset == 0) return;
  apply(room, rooms_.find(room)->second.feed.on_live(payload.substr(0, first), std::move(entry)));
}

}  // namespace duplex::app
