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
  handlers.on_open = [&ticker](ws::WsConnection& connection) {
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
  endpoint_->install(router, path);
}

void TickerSocket::shutdown() {
  close_all_going_away(endpoint_->connections());
}

std::size_t TickerSocket::subscriber_count() const {
  return endpoint_->connection_count();
}

}  // namespace duplex::app
