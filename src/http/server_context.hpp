// ServerContext: what every connection of one HttpServer shares (lesson 06).
//
// The options, the handler, the cached Date value, the log sink, and the set of live
// connections (so a graceful stop can reach each of them). One per server, owned by it, used
// only on the loop thread.
// @lesson 06
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "src/http/exchange.hpp"
#include "src/http/http_date.hpp"
#include "src/http/server_options.hpp"
#include "src/http/server_protocol.hpp"

namespace duplex::http {

class HttpConnection;

struct ServerContext {
  HttpServerOptions options;
  std::function<void(Exchange&)> handler;
#if DUPLEX_LESSON >= 12
  DateCache date;  // lesson 12: formatted once per second
#else
  char date_text[kHttpDateSize] = {};  // the Date value, written afresh for each response
#endif
  std::unordered_map<HttpConnection*, std::weak_ptr<HttpConnection>> connections;
  bool stopping = false;
  // Runs when the last HTTP connection has left while stopping.
  std::function<void()> on_drained;

  void log(std::string_view lines) const;
  // One access-log line (access_log.hpp), timed from `started`.
  void log_access(std::string_view method, std::string_view target, int status,
                  std::uint64_t body_bytes, std::chrono::steady_clock::time_point started) const;
  // A head as it crosses the wire ("> " in, "< " out), like curl -v.
  void trace(std::string_view prefix, std::string_view head) const;
  // While stopping, runs on_drained (once) when no HTTP connection is left.
  void notify_if_drained();
  // The options of one connection's ServerProtocol: these options, this Date, the
  // connection's high-water mark for the output backlog.
  ServerProtocolOptions protocol_options(std::size_t output_high_water);
};

}  // namespace duplex::http
