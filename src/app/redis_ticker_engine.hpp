// RedisTickerEngine: one tick sequence for every process, made in Redis (lesson 15).
// @lesson 15
//
//   duplex-server --redis 127.0.0.1:6379
//
// Every process serves the same ticks, same ids and values, so that a client moving from one
// process to another (WebSocket, SSE with Last-Event-ID, long-poll with since=N) continues
// without a gap or a duplicate. Keys under RedisTickerOptions::prefix ("duplex:ticker:"):
//
//   lease    who makes the ticks: a process's token, with an expiry (SET ... PX)
//   stream   a Redis Stream of the last ~history ticks, entry ID "<id>-0", field value
//   floor    "<id> <value>": the highest tick any process had when it (re)connected, so that a
//            Redis that came back empty does not restart the ids below what clients have seen
//   channel  duplex:ticker:ticks, Pub/Sub: every tick as "<id> <value>"
//
// Every interval, each process runs one script (the tick script) with its proposal: the lease
// decides who produces (TickerProducer, ticker_producer.hpp), the script appends the producer's
// tick to the stream and publishes it. Each process hears the ticks through Pub/Sub, merges them
// with stream reads in a ChatFeed (each id once, in order, holes read back from the stream), and
// publishes them to its Ticker as a TickerRelay's follower would (Ticker::publish(event)).
// When the process starts, its Ticker first gets the stream's recent ticks, so that a client
// that comes from another process with an older id catches up here too.
//
// Faults: while Redis is unreachable nobody can run the script, so the ticks pause everywhere
// (a paused ticker, not a broken one: the clients see no event until Redis is back, then the
// sequence continues). A producer that dies or loses Redis stops renewing its lease; after at
// most lease + interval another process takes over from the stream's last tick.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/app/chat_feed.hpp"
#include "src/app/ticker.hpp"
#include "src/app/ticker_engine.hpp"
#include "src/app/ticker_producer.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/socket_address.hpp"
#include "src/net/timer.hpp"
#include "src/redis/redis_client.hpp"

namespace duplex::app {

struct RedisTickerOptions {
  // Every key and the channel start with this.
  std::string prefix = "duplex:ticker:";
  // How often each process runs the tick script: the ticks' interval (the Ticker's, 100 ms).
  std::chrono::milliseconds interval{100};
  // How long the lease outlives the producer's last tick. Longer: a dead producer is replaced
  // later; shorter: a producer whose loop is slow for that long loses the lease to another
  // (harmless: the script lets only the holder append). Ten intervals, 1 s.
  std::chrono::milliseconds lease{1000};
  // Ticks the stream keeps for catching up (XADD MAXLEN ~: at least this many): the Ticker's
  // own history, a minute of ticks. 600.
  std::size_t history = 600;
  redis::ClientOptions client;  // both connections
};

class RedisTickerEngine : public TickerEngine {
 public:
  // `ticker` is fed, never started: its events come from Redis. It lives on `loop`.
  RedisTickerEngine(net::EventLoop& loop, net::SocketAddress address, Ticker& ticker,
                    RedisTickerOptions options = {});
  ~RedisTickerEngine() override;

  void start() override;
  void stop() override;
  // Destroys the clients, which belong to the loop (the server calls it once its loops ended).
  void close();
  std::string_view name() const override { return "redis"; }

  bool connected() const { return io_ && io_->commands.connected() && io_->subscriber.connected(); }
  bool producing() const { return producer_.producing(); }
  std::uint64_t produced() const { return producer_.produced(); }
  // The process token the lease holds while this process produces.
  const std::string& token() const { return token_; }

 private:
  void on_timer();
  void send(const TickerEvent& proposal);
  void raise_floor();
  void on_subscribed();
  void on_live(std::string_view payload);
  void apply(FeedStep step);
  void read(std::optional<FeedRead> range);

  struct Io {
    Io(net::EventLoop& loop, const net::SocketAddress& address, const redis::ClientOptions& options)
        : commands(loop, address, options), subscriber(loop, address, options), timer(loop) {}
    redis::RedisClient commands;
    redis::RedisClient subscriber;
    net::Timer timer;
  };

  RedisTickerOptions options_;
  Ticker& ticker_;
  std::unique_ptr<Io> io_;
  std::string token_;
  TickerProducer producer_;
  ChatFeed feed_;
  bool prime_wanted_ = false;       // subscribed: the recent ticks are to be read
  bool primed_ = false;             // they have been, once
  std::vector<std::string> early_;  // live ticks heard before that, replayed after it
};

}  // namespace duplex::app
