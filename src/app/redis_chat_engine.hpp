// RedisChatEngine: the chat's rooms shared by several processes through Redis (lesson 15).
// @lesson 15
//
//   duplex-server --redis 127.0.0.1:6379
//
// One command connection and one subscriber connection per process (redis::RedisClient), however
// many members. For each room R (keys under RedisEngineOptions::prefix, "duplex:chat:" by default):
//
//   R:seq       INCR'd for every message: the offset
//   R:stream    a Redis Stream of the last ~history messages, entry ID "<offset>-0"
//   R:epoch     made once (a random name); when it is missing the stream was lost: new epoch
//   R:presence  a sorted set: nick -> the time (ms, Redis's clock) its entry expires unless
//               refreshed
//   channel R   Pub/Sub: every message ("<epoch>\n<offset>\n<nick>\n<text>") and presence pings
//
// A message is published by one EVAL script (epoch, INCR, XADD MAXLEN ~, PUBLISH): atomic, so
// offsets are in publish order, and every subscriber hears a room's messages in that order.
// Each process merges what it hears with stream reads in a ChatFeed (chat_feed.hpp), so a message
// Pub/Sub lost while the subscriber was away is read back from the stream, or reported gone.
//
// Faults: while Redis is unreachable a publish fails at once ("not-sent" to its member), members
// are told "down" and "up" (status messages), joins get live messages only, and on reconnection
// each room reads what was published meanwhile. A Redis that comes back empty has new epochs:
// members are told the history is gone.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/app/chat_engine.hpp"
#include "src/app/chat_feed.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/socket_address.hpp"
#include "src/net/timer.hpp"
#include "src/redis/redis_client.hpp"

namespace duplex::app {

struct RedisEngineOptions {
  // Every key and channel starts with this, so that several chats can share one Redis.
  std::string prefix = "duplex:chat:";
  // Messages a room's stream keeps (XADD MAXLEN ~: at least this many). Default 50.
  std::size_t history = 50;
  // A member's presence entry lives this long unless refreshed (every third of it), so the
  // members of a process that died leave the list by themselves. Default 30 s.
  std::chrono::milliseconds presence_ttl{30000};
  redis::ClientOptions client;  // both connections: timeouts, backoff
};

class RedisChatEngine : public ChatEngine {
 public:
  RedisChatEngine(net::EventLoop& loop, net::SocketAddress address,
                  RedisEngineOptions options = {});
  ~RedisChatEngine() override;

  // Connects both clients (and keeps reconnecting); stop() ends that. close() destroys the
  // clients, which belong to the loop: the server calls it once its loops have ended, before the
  // loop goes; the engine itself may then outlive the loop (the rooms detach from it later).
  void start();
  void stop();
  void close();

  void set_sink(ChatEngineSink* sink) override { sink_ = sink; }
  void publish(MemberId from, std::string_view room, std::string_view nick,
               std::string_view text) override;
  void join(MemberId member, std::string_view room, std::string_view nick,
            const std::optional<ChatResume>& resume) override;
  void leave(MemberId member, std::string_view room, std::string_view nick) override;
  std::string_view name() const override { return "redis"; }

  bool connected() const { return io_ && io_->commands.connected() && io_->subscriber.connected(); }

 private:
  struct Room {
    ChatFeed feed;
    std::map<MemberId, std::string> members;  // this process's
    // Redis has confirmed the room's subscription: a message published from now on is heard.
    bool subscribed = false;
    // Joins whose history is read once it is (join() says why).
    std::vector<std::pair<MemberId, std::optional<ChatResume>>> waiting;
  };
  struct StreamRead {
    std::string epoch;
    std::vector<ChatEntry> entries;  // oldest first
  };

  std::string key(std::string_view room, std::string_view part) const;
  std::string channel(std::string_view room) const;
  void read_stream(std::string_view room, std::optional<FeedRead> range,
                   std::function<void(bool ok, StreamRead read)> done);
  void apply(const std::string& room, FeedStep step);
  void read_history(MemberId member, const std::string& room,
                    const std::optional<ChatResume>& resume);
  void on_push(const redis::SessionEvent& event);
  void on_live(const std::string& room, std::string_view payload);
  void refresh_presence();
  void stamp_presence(const std::string& room, std::vector<std::string> nicks);
  void report_presence(const std::string& room);
  void ping_presence(const std::string& room);
  static std::optional<StreamRead> parse_read(const redis::Value& value);

  // What belongs to the loop.
  struct Io {
    Io(net::EventLoop& loop, const net::SocketAddress& address, const redis::ClientOptions& options)
        : commands(loop, address, options),
          subscriber(loop, address, options),
          presence_timer(loop) {}
    redis::RedisClient commands;
    redis::RedisClient subscriber;
    net::Timer presence_timer;
  };

  RedisEngineOptions options_;
  std::unique_ptr<Io> io_;
  ChatEngineSink* sink_ = nullptr;
  std::map<std::string, Room, std::less<>> rooms_;
  std::mt19937_64 random_;  // epoch names
  bool down_reported_ = false;
};

}  // namespace duplex::app
