// WsEndpoint: a WebSocket route on the HTTP server (lesson 10).
//
// One port serves HTTP and WebSocket on the same event loop: the endpoint is a Router handler.
// For each request it runs the opening handshake checks (lesson 08, validate_handshake), answers
// the error response when they fail, and otherwise answers 101 and turns the connection into a
// WsConnection with this endpoint's handlers and options.
//
//   ws::WsHandlers handlers;
//   handlers.on_message = [](ws::WsConnection& ws, ws::Message& m) { ws.send_text(m.data); };
//   ws::WsEndpoint chat(handlers);
//   chat.install(router, "/chat");
//
// RFC 6455 §4.2.1-§4.2.2 (via validate_handshake), RFC 9110 §7.8 (switching protocols).
// @lesson 10
#pragma once

#include <memory>
#include <string_view>

#include "src/http/exchange.hpp"
#include "src/http/router.hpp"
#include "src/ws/close_code.hpp"
#include "src/ws/group.hpp"
#include "src/ws/ws_connection.hpp"
#include "src/ws/ws_options.hpp"

namespace duplex::ws {

class WsEndpoint {
 public:
  explicit WsEndpoint(WsHandlers handlers, WsOptions options = {});
  // A handle: copies share the same handlers, options and connections.
  WsEndpoint(const WsEndpoint&) = default;
  WsEndpoint& operator=(const WsEndpoint&) = default;

  // Answers one request: the handshake's error response, or 101 and a new WsConnection.
  void handle(http::Exchange& exchange) const;
  // A Router handler. It shares the endpoint's state, so it may outlive this object.
  http::Router::Handler handler() const;
  // router.get(path, handler()): GET is the only method of a handshake (RFC 6455 §4.1).
  void install(http::Router& router, std::string_view path) const;

  // Every open connection of this endpoint (a Group: broadcast to all of them).
  Group& connections() { return state_->connections; }
  std::size_t connection_count() const { return state_->connections.size(); }
  // Starts the closing handshake on every connection: the server is going away (1001).
  void close_all(CloseCode code = CloseCode::kGoingAway, std::string_view reason = {});
  const WsOptions& options() const { return state_->config->options; }

 private:
  struct State {
    std::shared_ptr<const WsConfig> config;
    Group connections;
  };
  static void accept(const std::shared_ptr<State>& state, http::Exchange& exchange);

  std::shared_ptr<State> state_;
};

}  // namespace duplex::ws
