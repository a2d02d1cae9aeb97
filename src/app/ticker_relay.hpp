// TickerRelay: one Ticker's events copied to Tickers on other event loops (lessons 11-12).
//
// With one event loop per core (duplex-server --threads N) each loop serves its own clients
// and must not touch another loop's objects. So each loop gets a follower Ticker of its own,
// and one source Ticker, on the first loop, makes the events: the relay subscribes to it and
// posts (EventLoop::post, the one thread-safe call) a copy of each event to every follower's
// loop, where the follower publishes it to its subscribers with the same id and value. A loop
// receives posted tasks in the order they were posted, so every follower sees every event in
// order. A task that throws is reported to its loop's error sink; that loop goes on.
//
//   loop 0: Ticker (source) --subscriber--> TickerRelay --post--> loop 1: Ticker (follower)
//                                                       \--post--> loop 2: Ticker (follower)
// @lesson 11
#pragma once

#include <vector>

#include "src/app/ticker.hpp"

namespace duplex::app {

class TickerRelay {
 public:
  // On the source's loop thread. Followers are added before the source starts ticking.
  explicit TickerRelay(Ticker& source);
  ~TickerRelay();
  TickerRelay(const TickerRelay&) = delete;
  TickerRelay& operator=(const TickerRelay&) = delete;

  // `follower` lives on another loop (follower.loop()). It and its loop must outlive every event
  // posted to them: the server destroys them only once every loop thread has ended.
  void add(Ticker& follower);
  std::size_t follower_count() const { return followers_.size(); }

 private:
  Ticker& source_;
  Ticker::SubscriptionId subscription_ = 0;
  std::vector<Ticker*> followers_;
};

}  // namespace duplex::app
