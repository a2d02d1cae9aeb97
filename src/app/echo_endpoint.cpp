// The /echo WebSocket endpoint (lesson 10). See echo_endpoint.hpp.
#include "app/echo_endpoint.hpp"

#include <utility>

#include "src/ws/frame_header.hpp"
#include "src/ws/ws_endpoint.hpp"

namespace duplex::app {

ws::WsOptions echo_options() {
  ws::WsOptions options;
  options.limits.max_frame_size = kEchoMaxMessage;
  options.limits.max_message_size = kEchoMaxMessage;
  options.max_send_queue = 2 * kEchoMaxMessage + 2 * ws::kMaxFrameHeaderSize;
  return options;
}

// @anchor lesson10-echo
void install_echo_endpoint(http::Router& router, ws::WsOptions options, std::string_view path) {
  ws::WsHandlers handlers;
  handlers.on_message = [](ws::WsConnection& connection, ws::Message& message) {
    if (message.is_text()) {
      connection.send_text(message.data);
    } else {
      connection.send_binary(message.data);
    }
  };
  ws::WsEndpoint endpoint(std::move(handlers), std::move(options));
  endpoint.install(router, path);
}

}  // namespace duplex::app
