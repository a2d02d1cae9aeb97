// ServerContext: what every connection of one HttpServer shares (lesson 06).
//
// The options, the handler, the cached Date value, the log sink, and the set of live
// connections (so a graceful stop can reach each of them). One per server, owned by it, used
// only on the loop thread.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "src/http/exchange.hpp"
#include "src/http/http_date.hpp"
#include "src/http/server_options.hpp"

namespace duplex::http {

class HttpConnection;

struct ServerContext {
  HttpServerOptions options;
  std::function<void(Exchange&)> handler;
  DateCache date;
  std::unordered_map<HttpConnection*, std::weak_ptr<HttpConnection>> connections;
  bool stopping = false;
  // Runs when the last HTTP connection has left while stopping.
  std::function<void()> on_drained;

  void log(std::string_view lines) const;
};

}  // namespace duplex::http
