// HttpServerOptions: every limit and switch of the HTTP server, with its default (lesson 06).
//
// A server without limits belongs to whoever connects first: a client that never finishes its
// head (slowloris), one that keeps a connection idle forever, or ten thousand that connect at
// once. Each limit below names the attack it answers; docs/http.md lists them all.
// @lesson 06
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "src/http/parser_limits.hpp"

namespace duplex::http {

struct HttpServerOptions {
  // Sent in the Server field of every response (RFC 9110 §10.2.4); empty: no Server field.
  std::string server_name = "duplex";

  // A request head must arrive completely within this time of its first byte, or the server
  // answers 408 and closes (slowloris: a client that dribbles one byte a second would otherwise
  // hold a connection forever, and the idle timeout never fires because bytes keep coming).
  std::chrono::milliseconds head_timeout{10'000};
  // The body must arrive completely within this time of the end of the head (408 otherwise).
  std::chrono::milliseconds body_timeout{30'000};
  // A persistent connection with no request in progress is closed after this long
  // (RFC 9112 §9.5: a server may close an idle connection at any time).
  std::chrono::milliseconds keep_alive_timeout{15'000};
  // While response bytes wait for the client to read them and not one byte could be sent for
  // this long, the connection is aborted: a client that sends requests but never reads the
  // answers would otherwise hold a connection, its file and its buffers forever (reading from
  // it stops at the backpressure limit, so nothing else would ever close it). There is no
  // one to send a status to. 0: no limit.
  std::chrono::milliseconds send_timeout{30'000};
  // The n-th request on one connection is answered with "Connection: close" (RFC 9112 §9.3),
  // which spreads a long-lived client's requests over fresh connections. 0: no limit.
  std::size_t max_requests_per_connection = 1000;
  // Connections open at once; one more is answered 503 and closed while the rest are served.
  std::size_t max_connections = 10'000;
  // Bytes received but not yet processed while a response is pending (pipelined requests
  // wait in order). Above it the server stops reading from that client until it catches up.
  std::size_t max_pipelined_bytes = 64 * 1024;
  // On stop(), in-flight responses get this long to finish before their connections close.
  std::chrono::milliseconds stop_timeout{5'000};
  // Request line, header and body limits (parser_limits.hpp); max_body is the request body limit.
  ParserLimits parser;

  // One line per request: method, target, status, body bytes, microseconds. Off by default
  // (benchmarks measure the server, not the terminal).
  bool access_log = false;
  // Every request head and response head as it crosses the wire, like curl -v.
  bool trace = false;
  // Where access-log and trace lines go (each call gets whole lines). Empty: stderr.
  std::function<void(std::string_view lines)> log;
};

}  // namespace duplex::http
