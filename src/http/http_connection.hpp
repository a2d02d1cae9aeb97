// HttpConnection: HTTP/1.1 on one net::Connection (lesson 06).
//
// Thin glue between the sans-I/O ServerProtocol and the connection. Every HTTP decision
// (keep-alive, pipelining order, 100-continue, HEAD, framing, error responses, the output
// backlog) is the protocol's; what is left here is what needs the loop: handing each request
// to the handler as an Exchange, the head, body and keep-alive deadlines (RFC 9112 §9.5, 408),
// pausing reads, the access log and --trace, the upgrade hand-off, and the graceful stop. The
// cork, file bodies, the send timeout and close notifications are net::Connection's: a
// response is queued with send() or send_file() and leaves at the end of the loop's round.
//
//   kReady ──request complete──> kInHandler ──handler returns──> kReady
//     │                                                            │
//     └── close, peer gone ──> kClosed           upgrade ──> kHandedOff
// @lesson 06
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "src/http/exchange.hpp"
#include "src/http/response.hpp"
#include "src/http/server_context.hpp"
#include "src/http/server_protocol.hpp"
#include "src/net/connection.hpp"
#include "src/net/fd.hpp"
#include "src/net/timer.hpp"

namespace duplex::http {

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  // Creates the HTTP state for `connection` and installs its data, drain and close handlers.
  static void attach(net::Connection& connection, ServerContext& context);

  HttpConnection(net::Connection& connection, ServerContext& context);
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // The server is stopping: the response in progress finishes (saying "Connection: close"),
  // then the connection closes; with no request in progress it closes at once.
  void stop();

  // The verbs of Exchange (see exchange.hpp); each does nothing unless `state` is the current
  // exchange and still unanswered (or streaming, for write and finish).
  void respond(ExchangeState& state, const Response& response);
#if DUPLEX_LESSON >= 12
  void respond(ExchangeState& state, const Response& head, std::string_view body);
  void respond_shared(ExchangeState& state, const Response& head,
                      std::shared_ptr<const std::string> body);
#endif
  void start_stream(ExchangeState& state, const Response& head);
  bool write(ExchangeState& state, std::string_view data);
  void finish(ExchangeState& state);
  void send_file(ExchangeState& state, const Response& head, net::Fd file, std::uint64_t offset,
                 std::uint64_t length);
  void upgrade(ExchangeState& state, const Response& response,
               const Exchange::UpgradeHandler& take_over);

 private:
  // kInHandler: the handler runs; a response it gives lets process() go on with the next
  // request when the handler returns, instead of starting a nested process() from inside it.
  enum class State { kReady, kInHandler, kClosed, kHandedOff };
  enum class Deadline { kNone, kIdle, kHead, kBody };

  void process();
  bool handle_events();
  void dispatch();
  void response_step();
  void flush();
  void after_input();
  void update_deadline();
  void on_deadline();
  void on_closed();
  void log_exchange(std::string_view method, std::string_view target, int status);
  // When the exchange began, for the access log's elapsed time.
  void note_start();
  bool is_current(const ExchangeState& state, ExchangeState::Phase phase) const;

  net::Connection& connection_;
  ServerContext& context_;
  ServerProtocol protocol_;
  State state_ = State::kReady;
  std::vector<ServerEvent> events_;  // reused: no allocation per request
  std::shared_ptr<ExchangeState> current_;
  std::chrono::steady_clock::time_point started_;
  Deadline deadline_ = Deadline::kNone;
  bool reading_paused_ = false;  // what after_input() last told the connection
  net::Timer deadline_timer_;
  net::Timer backlog_timer_;  // re-checks the output backlog on the next round
};

}  // namespace duplex::http
