// EchoTraceEndpoint (lesson 11): an echo that also sends back its frame trace. See
// echo_trace_endpoint.hpp.
// @lesson 11
#include "src/app/echo_trace_endpoint.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "src/app/chat_endpoint.hpp"
#include "src/app/flat_json.hpp"
#include "src/ws/ws_endpoint.hpp"

namespace duplex::app {

ws::WsOptions echo_trace_options() {
  ws::WsOptions options;
  options.limits.max_frame_size = 64 * 1024;
  options.limits.max_message_size = 64 * 1024;
  options.max_send_queue = 1024 * 1024;
  return options;
}

struct EchoTraceEndpoint::State {
  // Trace lines waiting to be sent, per connection id. A connection is here from on_open to
  // on_close; lines for any other id are dropped.
  std::map<std::uint64_t, std::string> pending;
  std::uint64_t quiet = 0;  // the connection whose trace message is being sent
  std::unique_ptr<ws::WsEndpoint> endpoint;

  // @anchor lesson11-echo-trace
  // Each line looks like "ws#12 > FIN=1 RSV=000 opcode=0x1 ..." (WsConnection's FrameTap):
  // the tag names the connection, and is dropped once it has done its job.
  void collect(std::string_view lines) {
    while (!lines.empty()) {
      std::size_t end = lines.find('\n');
      std::string_view line =
          lines.substr(0, end == std::string_view::npos ? lines.size() : end + 1);
      lines.remove_prefix(line.size());
      if (!line.starts_with("ws#")) continue;
      std::size_t space = line.find(' ');
      if (space == std::string_view::npos) continue;
      std::uint64_t id = 0;
      for (char c : line.substr(3, space - 3)) {
        if (c < '0' || c > '9') return;
        id = id * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (id == quiet) continue;
      if (auto found = pending.find(id); found != pending.end()) {
        // A bound of its own: a trace is only ever a few lines per frame.
        if (found->second.size() < 64 * 1024) found->second += line.substr(space + 1);
      }
    }
  }
};

EchoTraceEndpoint::EchoTraceEndpoint(ws::WsOptions options) : state_(std::make_shared<State>()) {
  std::weak_ptr<State> weak = state_;
  options.trace = true;
  options.log = [weak](std::string_view lines) {
    if (auto state = weak.lock()) state->collect(lines);
  };
  ws::WsHandlers handlers;
  handlers.on_open = [weak](ws::WsConnection& connection) {
    if (auto state = weak.lock()) state->pending[connection.id()];
  };
  handlers.on_message = [weak](ws::WsConnection& connection, ws::Message& message) {
    auto state = weak.lock();
    if (!state) return;
    if (message.is_text()) {
      connection.send_text(message.data);
    } else {
      connection.send_binary(message.data);
    }
    auto found = state->pending.find(connection.id());
    if (found == state->pending.end()) return;
    std::string trace = std::exchange(found->second, {});
    state->quiet = connection.id();
    connection.send_text(FlatJsonWriter().field("type", "trace").field("text", trace).str());
    state->quiet = 0;
  };
  handlers.on_close = [weak](ws::WsConnection& connection, ws::CloseCode, std::string_view) {
    if (auto state = weak.lock()) state->pending.erase(connection.id());
  };
  state_->endpoint = std::make_unique<ws::WsEndpoint>(std::move(handlers), std::move(options));
}

EchoTraceEndpoint::~EchoTraceEndpoint() = default;

void EchoTraceEndpoint::install(http::Router& router, std::string_view path) {
  state_->endpoint->install(router, path);
}

void EchoTraceEndpoint::shutdown() {
  close_all_going_away(state_->endpoint->connections());
}

}  // namespace duplex::app
