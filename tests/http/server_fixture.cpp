// TestServer (lessons 06 and 07). See server_fixture.hpp.
// @lesson 06
#include "tests/http/server_fixture.hpp"

#include <future>

#include "src/net/socket_address.hpp"
#include "src/net/tcp_listener.hpp"

namespace duplex::testing {

TestServer::TestServer(std::function<void(http::Router&)> setup, http::HttpServerOptions options)
    : TestServer([&setup](http::Router& router, net::EventLoop&) { setup(router); },
                 std::move(options)) {}

TestServer::TestServer(std::function<void(http::Router&, net::EventLoop&)> setup,
                       http::HttpServerOptions options) {
  if (!options.log) {
    options.log = [this](std::string_view lines) {
      std::lock_guard lock(log_mutex_);
      log_.append(lines);
    };
  }
  port_ = thread_.call([&] {
    setup(router_, thread_.loop());
    server_ = std::make_unique<http::HttpServer>(
        thread_.loop(), net::TcpListener::listen(net::SocketAddress::from_numeric("127.0.0.1", 0)),
        router_.handler(), options);
    server_->start();
    return server_->local_address().port();
  });
}

TestServer::~TestServer() {
  thread_.call([this] {
    server_.reset();
    return 0;
  });
  thread_.stop();
}

std::string TestServer::log() const {
  std::lock_guard lock(log_mutex_);
  return log_;
}

bool TestServer::stop() {
  auto stopped = std::make_shared<std::promise<void>>();
  auto done = stopped->get_future();
  call([this, stopped] {
    server_->stop([stopped] { stopped->set_value(); });
    return 0;
  });
  return done.wait_for(kLoopTimeout) == std::future_status::ready;
}

}  // namespace duplex::testing
