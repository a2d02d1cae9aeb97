// WsEndpoint (lesson 10): the handshake on a route, then the switch to WsConnection.
// RFC 6455 §4.2; RFC 9110 §7.8. See ws_endpoint.hpp.
// @lesson 10
#include "src/ws/ws_endpoint.hpp"

#include <string>
#include <utility>

#include "src/ws/handshake.hpp"

namespace duplex::ws {

WsEndpoint::WsEndpoint(WsHandlers handlers, WsOptions options) : state_(std::make_shared<State>()) {
  state_->config =
      std::make_shared<const WsConfig>(WsConfig{std::move(handlers), std::move(options)});
}

void WsEndpoint::handle(http::Exchange& exchange) const {
  accept(state_, exchange);
}

http::Router::Handler WsEndpoint::handler() const {
  std::shared_ptr<State> state = state_;
  return [state](http::Exchange& exchange) { accept(state, exchange); };
}

void WsEndpoint::install(http::Router& router, std::string_view path) const {
  router.get(path, handler());
}

// @anchor lesson10-endpoint-upgrade
// The 101 and the switch happen inside the request handler, so the bytes the client sent right
// after its handshake (an eager first frame, in the same packet) are still in the connection's
// input buffer: net::Connection hands them to the WebSocket data handler when this returns.
void WsEndpoint::accept(const std::shared_ptr<State>& state, http::Exchange& exchange) {
  HandshakeResult result = validate_handshake(exchange.request(), state->config->options.handshake);
  if (!result.accepted()) {
    exchange.respond(std::move(result.response));
    return;
  }
  std::weak_ptr<State> weak = state;
#if DUPLEX_LESSON >= 14
  exchange.upgrade(std::move(result.response),
                   [weak, config = state->config, subprotocol = std::move(result.subprotocol),
                    deflate = result.deflate](net::Connection& transport) {
                     std::shared_ptr<State> alive = weak.lock();
                     WsConnection::adopt(transport, config, subprotocol,
                                         alive ? &alive->connections : nullptr, deflate);
                   });
  return;
#endif
  exchange.upgrade(std::move(result.response), [weak, config = state->config,
                                                subprotocol = std::move(result.subprotocol)](
                                                   net::Connection& transport) {
    std::shared_ptr<State> alive = weak.lock();
    WsConnection::adopt(transport, config, subprotocol, alive ? &alive->connections : nullptr);
  });
}

void WsEndpoint::close_all(CloseCode code, std::string_view reason) {
  state_->connections.for_each([&](WsConnection& connection) { connection.close(code, reason); });
}

}  // namespace duplex::ws
