// TickerSocket: lesson 07's Ticker pushed over WebSocket (lesson 11).
// @lesson 11
//
//   GET /ticker  (WebSocket) one text message per tick, {"id":7,"value":1003}, the same JSON
//                as /poll, /long-poll, /stream and /events; the latest event on connect
#if DUPLEX_LESSON >= 15
//   GET /ticker?since=N  the same, but the kept events after N first instead of the latest one
//                (lesson 15: the WebSocket twin of Last-Event-ID, for a client that reconnects,
//                perhaps to another process serving the same ticks)
#endif
//
// One subscription to the Ticker for all subscribers: each tick is framed once and queued on
// every open connection (ws::Group::broadcast_text). The client sends nothing; anything it
// sends is ignored.
#pragma once

#include <memory>
#include <string_view>
#if DUPLEX_LESSON >= 15
#include <cstdint>
#include <optional>
#endif

#include "src/app/ticker.hpp"
#include "src/http/router.hpp"
#include "src/ws/ws_options.hpp"

namespace duplex::ws {
class WsEndpoint;
}

namespace duplex::app {

// WsOptions for the ticker: clients send nothing worth more than 1 KiB; a subscriber that
// falls 64 KiB (about a minute of ticks) behind is closed with 1008.
ws::WsOptions ticker_socket_options();

class TickerSocket {
 public:
  explicit TickerSocket(Ticker& ticker, ws::WsOptions options = ticker_socket_options());
  ~TickerSocket();
  TickerSocket(const TickerSocket&) = delete;
  TickerSocket& operator=(const TickerSocket&) = delete;

  void install(http::Router& router, std::string_view path = "/ticker");
  // The server is stopping: close every subscriber with 1001 (going away).
  void shutdown();
  std::size_t subscriber_count() const;

 private:
  Ticker& ticker_;
  std::unique_ptr<ws::WsEndpoint> endpoint_;
  Ticker::SubscriptionId subscription_ = 0;
#if DUPLEX_LESSON >= 15
  // The `since` of the handshake being answered: set around the endpoint's handling of it, which
  // opens the connection (on_open) before it returns.
  std::optional<std::uint64_t> resume_;
#endif
};

}  // namespace duplex::app
