// TickerSocket (lesson 11): ticks to WebSocket subscribers. See ticker_socket.hpp.
// @lesson 11
#include "src/app/ticker_socket.hpp"

#include <utility>

#include "src/app/chat_endpoint.hpp"
#include "src/ws/ws_endpoint.hpp"

namespace duplex::app {

ws::WsOptions ticker_socket_options() {
  ws::WsOptions options;
  options.limits.max_frame_size = 1024;
  options.limits.max_message_size = 1024;
  options.max_send_queue = 64 * 1024;
  return options;
}

TickerSocket::TickerSocket(Ticker& ticker, ws::WsOptions options) : ticker_(ticker) {
  ws::WsHandlers handlers;
#if DUPLEX_LESSON >= 15
  handlers.on_open = [this, &ticker](ws::WsConnection& connection) {
    // @anchor lesson15-ticker-resume
    // A resume: every kept event after N, in order, queued before any live one can be (live
    // events come from the loop later), so the client continues without a gap or a repeat.
    if (resume_) {
      for (const TickerEvent& missed : ticker.since(*resume_)) connection.send_text(missed.json());
      return;
    }
#else
  handlers.on_open = [&ticker](ws::WsConnection& connection) {
#endif
    if (ticker.last_id() == 0) return;
    auto latest = ticker.since(ticker.last_id() - 1);
    if (!latest.empty()) connection.send_text(latest.back().json());
  };
  endpoint_ = std::make_unique<ws::WsEndpoint>(std::move(handlers), std::move(options));
  // @anchor lesson11-ticker-fan-out
  // Fan-out: one JSON text and one frame per tick, whatever the number of subscribers; each
  // subscriber costs a copy into its send queue, which leaves with the round's one write.
  subscription_ = ticker_.subscribe(
      [this](const TickerEvent& event) { endpoint_->connections().broadcast_text(event.json()); });
}

TickerSocket::~TickerSocket() {
  ticker_.unsubscribe(subscription_);
}

void TickerSocket::install(http::Router& router, std::string_view path) {
#if DUPLEX_LESSON >= 15
  // The handshake's query is seen here, not in on_open: keep it for the on_open that the
  // endpoint's handling runs before it returns (RFC 9110 §7.8: the upgrade happens in the
  // handler). A `since` that is not a number is ignored: the latest event, as without one.
  router.get(path, [this](http::Exchange& exchange) {
    resume_.reset();
    if (auto since = exchange.query("since"); since && !since->empty() && since->size() <= 19) {
      std::uint64_t value = 0;
      bool digits = true;
      for (char c : *since) {
        digits = digits && c >= '0' && c <= '9';
        if (digits) value = value * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (digits) resume_ = value;
    }
    endpoint_->handle(exchange);
    resume_.reset();
  });
#else
  endpoint_->install(router, path);
#endif
}

void TickerSocket::shutdown() {
  close_all_going_away(endpoint_->connections());
}

std::size_t TickerSocket::subscriber_count() const {
  return endpoint_->connection_count();
}

}  // namespace duplex::app
