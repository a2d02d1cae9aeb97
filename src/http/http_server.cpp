// HttpServer (lesson 06): accepting, the connection limit, and the graceful stop.
// @lesson 06
#include "src/http/http_server.hpp"

#include <unistd.h>

#include <ctime>
#include <vector>

#include "src/http/access_log.hpp"
#include "src/http/http_connection.hpp"

namespace duplex::http {

namespace {

net::TcpServerLimits tcp_limits(const HttpServerOptions& options) {
  net::TcpServerLimits limits;
  limits.max_connections = options.max_connections;
  return limits;
}

}  // namespace

void ServerContext::log(std::string_view lines) const {
  if (options.log) {
    options.log(lines);
  } else {
    // One write() per batch of lines, so lines from one response never interleave.
    std::size_t done = 0;
    while (done < lines.size()) {
      ssize_t n = ::write(STDERR_FILENO, lines.data() + done, lines.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
  }
}

void ServerContext::log_access(std::string_view method, std::string_view target, int status,
                               std::uint64_t body_bytes,
                               std::chrono::steady_clock::time_point started) const {
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  std::string line;
  append_access_line(line, method, target, status, body_bytes, elapsed.count());
  log(line);
}

void ServerContext::trace(std::string_view prefix, std::string_view head) const {
  std::string lines;
  append_trace(lines, prefix, head);
  log(lines);
}

void ServerContext::notify_if_drained() {
  if (!stopping || !connections.empty() || !on_drained) return;
  auto drained = std::move(on_drained);
  on_drained = nullptr;
  drained();
}

ServerProtocolOptions ServerContext::protocol_options(std::size_t output_high_water) {
  ServerProtocolOptions out;
  out.server_name = options.server_name;
#if DUPLEX_LESSON >= 12
  out.date = [this] { return date.now(); };
#else
  out.date = [this] { return write_http_date(std::time(nullptr), date_text); };
#endif
  out.parser = options.parser;
  out.max_requests_per_connection = options.max_requests_per_connection;
  out.max_pipelined_bytes = options.max_pipelined_bytes;
  out.output_high_water = output_high_water;
  return out;
}

HttpServer::HttpServer(net::EventLoop& loop, net::TcpListener listener, Handler handler,
                       HttpServerOptions options)
    : loop_(loop),
      context_(std::make_unique<ServerContext>()),
      tcp_(loop, std::move(listener), tcp_limits(options)),
      stop_timer_(loop) {
  context_->options = std::move(options);
  context_->handler = std::move(handler);
  ServerContext* context = context_.get();
  tcp_.set_on_connect([context](net::Connection& connection) {
    if (context->stopping) {
      connection.close();
      return;
    }
    HttpConnection::attach(connection, *context);
  });
  // @anchor lesson06-overload
  // Past max_connections the client still gets an answer it understands (RFC 9110 §15.6.4:
  // 503, with Retry-After), and the clients already connected are not affected.
  tcp_.set_on_reject([](net::Connection& connection) {
    connection.send(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: 32\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
        "503 Service Unavailable: busy.\r\n");
    connection.close();
  });
}

HttpServer::~HttpServer() {
  // tcp_ is destroyed first and aborts what is open; nothing may call back into it then.
  context_->on_drained = nullptr;
}

void HttpServer::start() {
  tcp_.start();
}

// @anchor lesson06-graceful-stop
void HttpServer::stop(std::function<void()> on_stopped) {
  if (context_->stopping) return;
  context_->stopping = true;
  on_stopped_ = std::move(on_stopped);
  context_->on_drained = [this] { close_listener_and_rest(); };
  // Copy first: stop() may close a connection, which erases it from the map.
  std::vector<std::shared_ptr<HttpConnection>> open;
  for (auto& [raw, weak] : context_->connections) {
    if (auto connection = weak.lock()) open.push_back(connection);
  }
  for (auto& connection : open) connection->stop();
  if (context_->connections.empty()) {
    close_listener_and_rest();
    return;
  }
  stop_timer_.start(context_->options.stop_timeout, [this] { close_listener_and_rest(); });
}

void HttpServer::close_listener_and_rest() {
  if (tcp_stopped_) return;
  tcp_stopped_ = true;
  context_->on_drained = nullptr;
  stop_timer_.cancel();
  // TcpServer::stop closes the listener and whatever is left (long-polls, streams, upgraded
  // connections) gracefully, and reports when the last one is gone.
  auto done = std::move(on_stopped_);
  on_stopped_ = nullptr;
  tcp_.stop([done] {
    if (done) done();
  });
}

}  // namespace duplex::http
