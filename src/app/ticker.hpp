// Ticker: the small event source of lesson 07, one value every 100 ms.
//
// Each tick publishes an event with a sequence number (its id) and a value (a deterministic
// random walk, like a price). The last few hundred events are kept, so a client that polls
// with "since=N", or reconnects with Last-Event-ID: N, gets what it missed. The four push
// techniques of lesson 07 all read from this one source, so they can be compared fairly.
// @lesson 07
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "src/net/event_loop.hpp"

namespace duplex::app {

struct TickerEvent {
  std::uint64_t id = 0;  // 1, 2, 3, ...
  std::int64_t value = 0;

  // {"id":7,"value":1003}
  std::string json() const;
};

class Ticker {
 public:
  using Subscriber = std::function<void(const TickerEvent& event)>;
  using SubscriptionId = std::uint64_t;

  // `history`: how many recent events are kept for catching up. Defaults: 100 ms, 600 (a
  // minute of ticks).
  explicit Ticker(net::EventLoop& loop,
                  std::chrono::milliseconds interval = std::chrono::milliseconds(100),
                  std::size_t history = 600);
  ~Ticker();
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

  void start();  // publishes every interval from now on
  void stop();
  // Publishes the next event now (the timer calls it; tests call it directly).
  const TickerEvent& publish();

  std::uint64_t last_id() const { return next_id_ - 1; }
  // The kept events with an id above `id`, oldest first.
  std::vector<TickerEvent> since(std::uint64_t id) const;

  // Subscribers run on the loop thread for each event. A subscriber may unsubscribe itself
  // (or another) while it runs.
  SubscriptionId subscribe(Subscriber subscriber);
  void unsubscribe(SubscriptionId id);
  std::size_t subscriber_count() const { return subscribers_.size(); }
  net::EventLoop& loop() const { return loop_; }
#if DUPLEX_LESSON >= 11
  // Publishes an event another loop's Ticker made (a follower fed by a TickerRelay): kept and
  // handed to the subscribers as if it were this ticker's own, with the same id and value.
  void publish(const TickerEvent& event);
#endif

 private:
  net::EventLoop& loop_;
  std::chrono::milliseconds interval_;
  std::size_t history_size_;
  std::deque<TickerEvent> history_;
  std::map<SubscriptionId, Subscriber> subscribers_;
  SubscriptionId next_subscription_ = 1;
  std::uint64_t next_id_ = 1;
  std::int64_t value_ = 1000;
  std::uint64_t random_ = 0x2545F4914F6CDD1DULL;
  net::TimerId timer_ = 0;

  void notify(const TickerEvent& event);
};

}  // namespace duplex::app
