// The /echo WebSocket endpoint (lesson 10). See echo_endpoint.hpp.
// @lesson 10
#include "src/app/echo_endpoint.hpp"

#include <utility>

#include "src/ws/frame_header.hpp"

namespace duplex::app {

ws::WsOptions echo_options() {
  ws::WsOptions options;
  options.limits.max_frame_size = kEchoMaxMessage;
  options.limits.max_message_size = kEchoMaxMessage;
  options.max_send_queue = 2 * kEchoMaxMessage + 2 * ws::kMaxFrameHeaderSize;
  return options;
}

// @anchor lesson10-echo
ws::WsEndpoint echo_endpoint(ws::WsOptions options) {
  ws::WsHandlers handlers;
#if DUPLEX_LESSON >= 12
  // Lesson 12: the connection's own echo, which sends a whole frame back from the receive
  // buffer (WsHandlers::echo) instead of building a message and copying it out again.
  handlers.echo = true;
#else
  handlers.on_message = [](ws::WsConnection& connection, ws::Message& message) {
    if (message.is_text()) {
      connection.send_text(message.data);
    } else {
      connection.send_binary(message.data);
    }
  };
#endif
  return ws::WsEndpoint(std::move(handlers), std::move(options));
}

ws::WsEndpoint install_echo_endpoint(http::Router& router, ws::WsOptions options,
                                     std::string_view path) {
  ws::WsEndpoint endpoint = echo_endpoint(std::move(options));
  endpoint.install(router, path);
  return endpoint;
}

}  // namespace duplex::app
