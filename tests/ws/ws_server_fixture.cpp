// WsTestServer and Recorder (lesson 10). See ws_server_fixture.hpp.
// @lesson 10
#include "tests/ws/ws_server_fixture.hpp"

#include <algorithm>
#include <condition_variable>
#include <stdexcept>
#include <utility>

#include "src/net/socket_address.hpp"
#include "src/net/tcp_listener.hpp"

namespace duplex::testing {

WsTestServer::WsTestServer(std::function<void(http::Router&)> setup) {
  thread_.call([&] {
    setup(router_);
    server_ = std::make_unique<http::HttpServer>(
        thread_.loop(), net::TcpListener::listen(net::SocketAddress::from_numeric("127.0.0.1", 0)),
        router_.handler());
    server_->start();
    port_ = server_->local_address().port();
    return 0;
  });
}

WsTestServer::~WsTestServer() {
  thread_.call([&] {
    server_.reset();
    return 0;
  });
  thread_.stop();
}

ws::WsHandlers Recorder::handlers(std::function<void(ws::WsConnection&, ws::Message&)> on_message) {
  ws::WsHandlers handlers;
  handlers.on_open = [this](ws::WsConnection& connection) {
    {
      std::lock_guard lock(mutex_);
      last_ = connection.shared_from_this();
    }
    add("open");
  };
  handlers.on_message = [this, on_message](ws::WsConnection& connection, ws::Message& message) {
    add(std::string("message ") + (message.is_text() ? "text " : "binary ") +
        std::to_string(message.data.size()));
    if (on_message) on_message(connection, message);
  };
  handlers.on_close = [this](ws::WsConnection&, ws::CloseCode code, std::string_view reason) {
    add("close " + std::to_string(ws::to_int(code)) + " " + std::string(reason));
  };
  handlers.on_error = [this](ws::WsConnection&, const ws::WsError& error) {
    add("error " + std::to_string(ws::to_int(error.code)) + " " + error.what);
  };
  return handlers;
}

void Recorder::add(std::string line) {
  std::lock_guard lock(mutex_);
  lines_.push_back(std::move(line));
  changed_.notify_all();
}

std::vector<std::string> Recorder::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

std::string Recorder::wait_for(const std::string& prefix, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  std::string found;
  changed_.wait_for(lock, timeout, [&] {
    auto it = std::find_if(lines_.begin(), lines_.end(),
                           [&](const std::string& line) { return line.rfind(prefix, 0) == 0; });
    if (it == lines_.end()) return false;
    found = *it;
    return true;
  });
  return found;
}

std::shared_ptr<ws::WsConnection> Recorder::last_connection() const {
  std::lock_guard lock(mutex_);
  return last_.lock();
}

}  // namespace duplex::testing
