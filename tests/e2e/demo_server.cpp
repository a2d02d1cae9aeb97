// DemoServer (the e2e suite). See demo_server.hpp.
// @lesson 11
#include "tests/e2e/demo_server.hpp"

#include <optional>

#include "src/app/chat_endpoint.hpp"
#include "src/app/echo_trace_endpoint.hpp"
#include "src/app/push_endpoints.hpp"
#include "src/app/ticker.hpp"
#include "src/app/ticker_socket.hpp"
#include "src/http/http_server.hpp"
#include "src/http/router.hpp"
#include "src/http/static_files.hpp"
#include "src/net/resolve.hpp"

namespace duplex::e2e {

struct DemoServer::Parts {
  explicit Parts(net::EventLoop& loop)
      : files(DUPLEX_SOURCE_DIR "/src/www"), ticker(loop), push(ticker), ticker_socket(ticker) {}

  http::StaticFiles files;
  http::Router router;
  app::Ticker ticker;
  app::PushEndpoints push;
  app::ChatEndpoint chat;
  app::TickerSocket ticker_socket;
  app::EchoTraceEndpoint echo_trace;
  std::optional<http::HttpServer> server;
};

DemoServer::DemoServer() {
  port_ = thread_.call([this] {
    parts_ = std::make_unique<Parts>(thread_.loop());
    Parts& p = *parts_;
    p.push.install(p.router);
    p.chat.install(p.router);
    p.ticker_socket.install(p.router);
    p.echo_trace.install(p.router);
    p.router.fallback(p.files.handler());
    p.server.emplace(thread_.loop(), net::TcpListener::listen(net::resolve("127.0.0.1", 0).front()),
                     p.router.handler());
    p.server->start();
    p.ticker.start();
    return p.server->local_address().port();
  });
}

DemoServer::~DemoServer() {
  thread_.call([this] {
    parts_->ticker.stop();
    parts_->push.shutdown();
    parts_->chat.shutdown();
    parts_->ticker_socket.shutdown();
    parts_->echo_trace.shutdown();
    parts_.reset();
    return 0;
  });
}

}  // namespace duplex::e2e
