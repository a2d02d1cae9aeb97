// The echo endpoint of the demo server (lesson 10): every message comes back as it was sent.
//
//   GET /echo  (WebSocket) text stays text, binary stays binary; messages up to 16 MiB
//
// It is the server the conformance tests (tests/ws/conformance_test.cpp) and the Autobahn
// test suite drive: all the RFC 6455 behaviour is in ws::WsConnection, the echo is one line.
// @lesson 10
#pragma once

#include <cstddef>
#include <string_view>

#include "src/http/router.hpp"
#include "src/ws/ws_endpoint.hpp"
#include "src/ws/ws_options.hpp"

namespace duplex::app {

// 16 MiB: the largest message the conformance suites send.
inline constexpr std::size_t kEchoMaxMessage = std::size_t{16} << 20;

// WsOptions for an echo: frames and messages up to kEchoMaxMessage, and a send queue that holds
// two of them (a reader that falls further behind is closed with 1008).
ws::WsOptions echo_options();

// The echo: each message is sent back, text as text, binary as binary.
ws::WsEndpoint echo_endpoint(ws::WsOptions options = echo_options());

// Adds the WebSocket route `path` (default /echo) to `router`. The endpoint returned is a handle
// the caller may keep: endpoint.close_all() says 1001 (going away) to every client when the
// server stops. Dropping it changes nothing: the route keeps the endpoint alive.
ws::WsEndpoint install_echo_endpoint(http::Router& router, ws::WsOptions options = echo_options(),
                                     std::string_view path = "/echo");

}  // namespace duplex::app
