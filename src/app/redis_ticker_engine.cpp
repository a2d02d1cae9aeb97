// RedisTickerEngine (lesson 15): see redis_ticker_engine.hpp.
// @lesson 15
#include "src/app/redis_ticker_engine.hpp"

#include <algorithm>
#include <array>
#include <random>
#include <span>
#include <string_view>
#include <utility>

namespace duplex::app {

namespace {

// @anchor lesson15-tick-script
// One interval of one process, atomically (Redis runs a script alone). The lease: held by
// another token, nothing happens; free or ours, it is ours for another lease period. Then the
// last tick: the stream's newest entry, or the floor if that is higher (a Redis that lost the
// stream). A proposal that is not the very next tick is answered with the last one, so that the
// producer continues from it; the next tick is appended and published.
// KEYS: lease, stream, floor, channel. ARGV: token, lease (ms), id, value, history.
// Answers: {0} held elsewhere, {1} produced, {2, last id, last value} out of step.
constexpr std::string_view kTickScript = R"lua(
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return {0} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local last_id, last_value = 0, 0
local top = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if #top > 0 then
  last_id = tonumber(string.match(top[1][1], '^(%d+)'))
  last_value = tonumber(top[1][2][2])
end
local floor = redis.call('GET', KEYS[3])
if floor then
  local id, value = string.match(floor, '^(%d+) (-?%d+)$')
  if id and tonumber(id) > last_id then last_id, last_value = tonumber(id), tonumber(value) end
end
if tonumber(ARGV[3]) ~= last_id + 1 then
  return {2, string.format('%d', last_id), string.format('%d', last_value)}
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], ARGV[3] .. '-0', 'value', ARGV[4])
redis.call('PUBLISH', KEYS[4], ARGV[3] .. ' ' .. ARGV[4])
return {1}
)lua";

// KEYS: floor. ARGV: id, value. Raises the floor to this tick if it is higher.
constexpr std::string_view kFloorScript = R"lua(
local floor = redis.call('GET', KEYS[1])
if floor then
  local id = tonumber(string.match(floor, '^(%d+)'))
  if id and id >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. ARGV[2])
return 1
)lua";

// The feed is the chat's (chat_feed.hpp): a tick is an entry whose offset is its id and whose
// text is its value, in one epoch that never changes (the floor keeps the ids going up).
constexpr std::string_view kEpoch = "ticks";

bool parse_number(std::string_view text, std::int64_t& out) {
  bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty() || text.size() > 18) return false;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = negative ? -value : value;
  return true;
}

// "<id> <value>" (the channel), or an id "<id>-0" and a value (the stream).
std::optional<ChatEntry> tick_entry(std::string_view id, std::string_view value) {
  std::int64_t number = 0;
  std::int64_t ignored = 0;
  if (auto dash = id.find('-'); dash != std::string_view::npos) id = id.substr(0, dash);
  if (!parse_number(id, number) || number <= 0 || !parse_number(value, ignored)) {
    return std::nullopt;
  }
  return ChatEntry{static_cast<std::uint64_t>(number), {}, std::string(value)};
}

std::string random_token() {
  std::random_device random;
  std::string token;
  for (int i = 0; i < 4; ++i) {
    std::uint32_t value = random();
    for (int j = 0; j < 8; ++j, value >>= 4) token += "0123456789abcdef"[value & 15];
  }
  return token;
}

}  // namespace

RedisTickerEngine::RedisTickerEngine(net::EventLoop& loop, net::SocketAddress address,
                                     Ticker& ticker, RedisTickerOptions options)
    : options_(std::move(options)),
      ticker_(ticker),
      io_(std::make_unique<Io>(loop, address, options_.client)),
      token_(random_token()),
      feed_({.recent = 1, .max_held = options_.history}) {
  io_->commands.set_on_connected([this] {
    raise_floor();
    if (prime_wanted_ && !primed_) read(std::nullopt);
  });
  io_->subscriber.set_on_push([this](const redis::SessionEvent& event) {
    if (event.channel != options_.prefix + "ticks") return;
    if (event.kind == redis::SessionEvent::Kind::kSubscribed) on_subscribed();
    if (event.kind == redis::SessionEvent::Kind::kMessage) on_live(event.payload);
  });
}

RedisTickerEngine::~RedisTickerEngine() = default;

void RedisTickerEngine::start() {
  io_->commands.start();
  io_->subscriber.start();
  std::string channel = options_.prefix + "ticks";
  std::array<std::string_view, 1> channels = {channel};
  io_->subscriber.subscribe(channels);
  io_->timer.start_every(options_.interval, [this] { on_timer(); });
}

void RedisTickerEngine::stop() {
  if (!io_) return;
  io_->timer.cancel();
  io_->commands.stop();
  io_->subscriber.stop();
}

void RedisTickerEngine::close() {
  io_.reset();
}

// Each (re)connection: the highest tick this process has seen becomes the floor, so that a
// Redis that restarted empty continues above it rather than from 1.
void RedisTickerEngine::raise_floor() {
  if (!io_ || ticker_.last_id() == 0) return;
  auto last = ticker_.since(ticker_.last_id() - 1);
  if (last.empty()) return;
  std::array<std::string, 6> args = {"EVAL",
                                     std::string(kFloorScript),
                                     "1",
                                     options_.prefix + "floor",
                                     std::to_string(last.back().id),
                                     std::to_string(last.back().value)};
  io_->commands.command(std::span<const std::string>(args), nullptr);
}

void RedisTickerEngine::on_timer() {
  if (auto proposal = producer_.on_timer()) send(*proposal);
}

// @anchor lesson15-tick-send
void RedisTickerEngine::send(const TickerEvent& proposal) {
  std::array<std::string, 12> args = {"EVAL",
                                      std::string(kTickScript),
                                      "4",
                                      options_.prefix + "lease",
                                      options_.prefix + "stream",
                                      options_.prefix + "floor",
                                      options_.prefix + "ticks",
                                      token_,
                                      std::to_string(options_.lease.count()),
                                      std::to_string(proposal.id),
                                      std::to_string(proposal.value),
                                      std::to_string(options_.history)};
  io_->commands.command(std::span<const std::string>(args), [this](redis::Reply reply) {
    const redis::Value& value = reply.value;
    if (!reply.ok() || value.type != redis::Type::kArray || value.elements.empty()) {
      return producer_.on_no_answer();  // Redis away, or an error reply: ask again next time
    }
    TickAnswer answer;
    std::int64_t kind = value.elements[0].integer;
    if (kind == 1) {
      answer.kind = TickAnswer::Kind::kProduced;
    } else if (kind == 2 && value.elements.size() == 3) {
      std::int64_t id = 0;
      if (!parse_number(value.elements[1].string, id) ||
          !parse_number(value.elements[2].string, answer.last.value)) {
        return producer_.on_no_answer();
      }
      answer.kind = TickAnswer::Kind::kOutOfStep;
      answer.last.id = static_cast<std::uint64_t>(id);
    }
    if (auto again = producer_.on_answer(answer); again && io_) send(*again);
  });
}

// @anchor lesson15-ticker-prime
// The first subscription: the stream's recent ticks go to the Ticker first (its catch-up
// history), read only now, so that every tick published after the read is heard live. Later
// ones (after an outage): what was published meanwhile is read from the stream.
void RedisTickerEngine::on_subscribed() {
  if (primed_) return apply(feed_.on_reconnected());
  prime_wanted_ = true;
  read(std::nullopt);
}

void RedisTickerEngine::on_live(std::string_view payload) {
  if (!primed_) {
    // After the recent ticks, not before them. Past `history` of them the oldest go: the feed
    // reads that hole back from the stream.
    early_.emplace_back(payload);
    if (early_.size() > options_.history) early_.erase(early_.begin());
    return;
  }
  std::size_t space = payload.find(' ');
  if (space == std::string_view::npos) return;
  if (auto entry = tick_entry(payload.substr(0, space), payload.substr(space + 1))) {
    apply(feed_.on_live(kEpoch, std::move(*entry)));
  }
}

void RedisTickerEngine::apply(FeedStep step) {
  // A tick lost for good (trimmed before it could be read) is a gap in ids the clients see;
  // the Ticker takes the next one as it comes.
  for (const ChatEntry& entry : step.deliver) {
    if (entry.offset <= ticker_.last_id()) continue;  // the Ticker's ids only go up
    std::int64_t value = 0;
    parse_number(entry.text, value);
    ticker_.publish(TickerEvent{entry.offset, value});
  }
  if (step.read) read(step.read);
}

void RedisTickerEngine::read(std::optional<FeedRead> range) {
  if (!io_) return;
  std::string stream = options_.prefix + "stream";
  std::string count = std::to_string(options_.history);
  std::vector<std::string> args;
  if (range) {
    args = {"XRANGE",
            stream,
            std::to_string(range->from) + "-0",
            range->to == 0 ? "+" : std::to_string(range->to) + "-0",
            "COUNT",
            count};
  } else {
    args = {"XREVRANGE", stream, "+", "-", "COUNT", count};
  }
  io_->commands.command(std::span<const std::string>(args), [this, range](redis::Reply reply) {
    bool ok = reply.ok() && reply.value.type == redis::Type::kArray;
    std::vector<ChatEntry> entries;
    if (ok) {
      for (const redis::Value& item : reply.value.elements) {
        if (item.elements.size() != 2 || item.elements[1].elements.size() != 2) continue;
        if (auto entry = tick_entry(item.elements[0].string, item.elements[1].elements[1].string)) {
          entries.push_back(std::move(*entry));
        }
      }
      if (!range) std::reverse(entries.begin(), entries.end());  // XREVRANGE: newest first
    }
    if (range) {
      if (!ok) return feed_.on_read_failed();
      return apply(feed_.on_read(kEpoch, std::move(entries), range));
    }
    // The first read. Failed (the command connection is not up yet, or went away): again when
    // it connects; the live ticks wait meanwhile.
    if (!ok) return;
    primed_ = true;
    // An empty stream says nothing: the first tick heard starts the feed.
    if (!entries.empty()) apply(feed_.on_read(kEpoch, std::move(entries), std::nullopt));
    for (const std::string& payload : std::exchange(early_, {})) on_live(payload);
  });
}

}  // namespace duplex::app
