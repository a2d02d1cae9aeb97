// EchoTraceEndpoint: the echo playground's server side (lesson 11).
//
//   GET /echo-trace  (WebSocket) every message comes back twice: first the echo (text stays
//                    text, binary stays binary), then a text message {"type":"trace","text":
//                    "..."} with the server's trace of the frames it received and sent for
//                    this connection since the last trace (ws::trace_frame, lesson 09)
//
// The trace is the one `duplex-server --trace` prints (ws::WsOptions::trace), routed by the
// "ws#N" tag of each line to connection N instead of stderr. The trace message's own frame is
// left out of the trace, or every trace would need another.
// @lesson 11
#pragma once

#include <memory>
#include <string_view>

#include "src/http/router.hpp"
#include "src/ws/ws_options.hpp"

namespace duplex::ws {
class WsEndpoint;
}

namespace duplex::app {

// WsOptions for the playground: messages and frames up to 64 KiB, a 1 MiB send queue.
ws::WsOptions echo_trace_options();

class EchoTraceEndpoint {
 public:
  explicit EchoTraceEndpoint(ws::WsOptions options = echo_trace_options());
  ~EchoTraceEndpoint();
  EchoTraceEndpoint(const EchoTraceEndpoint&) = delete;
  EchoTraceEndpoint& operator=(const EchoTraceEndpoint&) = delete;

  void install(http::Router& router, std::string_view path = "/echo-trace");
  void shutdown();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace duplex::app
