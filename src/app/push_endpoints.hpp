// The four ways of pushing the Ticker's events over plain HTTP (lesson 07).
//
//   GET /poll?since=N       short polling: answer at once with the events after N (maybe none)
//   GET /long-poll?since=N  long-polling: answer as soon as there is an event after N, or with
//                           none after long_poll_timeout; the client asks again at once
//   GET /stream[?count=K]   HTTP streaming: one response that never ends (or after K events),
//                           one chunk (RFC 9112 §7.1) per event, a JSON object per line
//   GET /events[?count=K]   Server-Sent Events (HTML Living Standard, "Server-sent events"):
//                           text/event-stream, "id:" and "data:" lines, and a client that
//                           reconnects sends Last-Event-ID to resume where it stopped
//
// Poll answers are JSON: {"last":12,"events":[{"id":11,"value":998},{"id":12,"value":1001}]}.
// @lesson 07
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "src/app/ticker.hpp"
#include "src/http/exchange.hpp"
#include "src/http/router.hpp"

namespace duplex::app {

struct PushOptions {
  // A long-poll with no news is answered (with no events) after this long, below the usual
  // 30-60 s idle timeouts of proxies. Default 20 s.
  std::chrono::milliseconds long_poll_timeout{20'000};
};

class PushEndpoints {
 public:
  explicit PushEndpoints(Ticker& ticker, PushOptions options = {});
  ~PushEndpoints();
  PushEndpoints(const PushEndpoints&) = delete;
  PushEndpoints& operator=(const PushEndpoints&) = delete;

  // Adds GET /poll, /long-poll, /stream and /events (this object must outlive the router).
  void install(http::Router& router);
  // The server is stopping: answer every waiting long-poll and end every stream.
  void shutdown();

  std::size_t waiting() const { return waiters_.size(); }  // long-polls held
  std::size_t streaming() const { return streams_.size(); }

  void poll(http::Exchange& exchange);
  void long_poll(http::Exchange& exchange);
  void stream(http::Exchange& exchange);
  void events(http::Exchange& exchange);

 private:
  struct Waiter {
    http::Exchange exchange;
    Ticker::SubscriptionId subscription = 0;
    net::TimerId timer = 0;
    std::uint64_t since = 0;
  };
  struct Stream {
    http::Exchange exchange;
    Ticker::SubscriptionId subscription = 0;
  };

  std::uint64_t since_of(const http::Exchange& exchange) const;
  void answer_waiter(std::uint64_t key);
  void end_stream(std::uint64_t key, bool finish);
  std::uint64_t open_stream(http::Exchange& exchange);

  Ticker& ticker_;
  PushOptions options_;
  std::map<std::uint64_t, Waiter> waiters_;
  std::map<std::uint64_t, Stream> streams_;
  std::uint64_t next_key_ = 1;
};

// {"last":12,"events":[...]}
std::string events_json(const std::vector<TickerEvent>& events, std::uint64_t last);

}  // namespace duplex::app
