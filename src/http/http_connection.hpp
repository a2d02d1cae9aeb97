// HttpConnection: HTTP/1.1 on one net::Connection (lesson 06).
//
// The I/O glue between the sans-I/O RequestParser and BodyReader and the event loop: parse
// each request from the connection's input buffer, hand it to the handler as an Exchange, write
// the response in order, and decide whether the connection persists (RFC 9112 §9.3). It also
// enforces the deadlines of HttpServerOptions (head, body, keep-alive idle, send) and the request
// limit. One HttpConnection per accepted connection, created by HttpServer.
//
// States of the connection (the current request is `current_`):
//
//   kHead ──head complete──> kBody ──body complete──> kHandling ──response done──> kHead
//     │                        │                         │
//     └─ parse error, timeout ─┴──> error response, close └─ upgrade ──> detached
//
// In any state, output the client does not read for send_timeout aborts the connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "src/http/body_reader.hpp"
#include "src/http/chunked_encoder.hpp"
#include "src/http/exchange.hpp"
#include "src/http/request_parser.hpp"
#include "src/http/response.hpp"
#include "src/http/server_context.hpp"
#include "src/net/connection.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/fd.hpp"

namespace duplex::http {

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  // Creates the HTTP state for `connection` and installs its data and close handlers.
  static void attach(net::Connection& connection, ServerContext& context);

  HttpConnection(net::Connection& connection, ServerContext& context);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // The server is stopping: finish the request in progress (its response says
  // "Connection: close"), then close; close at once when no request is in progress.
  void drain();

  // The verbs of Exchange (see exchange.hpp); each does nothing unless `state` is the current
  // exchange and still unanswered (or streaming, for write and finish).
  void respond(ExchangeState& state, const Response& response);
  void start_stream(ExchangeState& state, const Response& head);
  bool write(ExchangeState& state, std::string_view data);
  void finish(ExchangeState& state);
  void send_file(ExchangeState& state, const Response& head, net::Fd file, std::uint64_t offset,
                 std::uint64_t length);
  void upgrade(ExchangeState& state, const Response& response,
               const Exchange::UpgradeHandler& take_over);

 private:
  enum class Phase { kHead, kBody, kHandling };
  enum class Deadline { kNone, kIdle, kHead, kBody };
  enum class Framing { kLength, kChunked, kUntilClose, kNoBody };

  void on_data();
  void on_closed();
  void process();
  void start_exchange(std::string_view input, std::size_t head_size);
  void dispatch();
  void exchange_done();
  void fail(int status, std::string_view reason);
  void write_head(const Response& response, Framing framing, std::uint64_t length);
  void emit();
  void update_deadline();
  void arm(Deadline deadline, std::chrono::milliseconds delay);
  void on_deadline();
  void watch_send();
  void on_send_deadline();
  std::uint64_t send_progress() const;
  bool is_current(const ExchangeState& state) const;
  void pump_file();
  void stop_file();
  void log_exchange(int status);
  bool output_backlogged() const;
  void wait_for_output();
  void on_output_drained();

  net::Connection* connection_;
  net::EventLoop& loop_;
  ServerContext& context_;
  RequestParser parser_;
  std::optional<BodyReader> body_reader_;
  std::shared_ptr<ExchangeState> current_;
  Phase phase_ = Phase::kHead;
  std::size_t requests_ = 0;
  bool keep_alive_ = true;      // the current exchange leaves the connection open
  bool chunked_stream_ = true;  // a stream uses chunked coding (false: close-delimited)
  bool processing_ = false;     // inside process(): output is collected, emitted at the end
  bool closing_ = false;        // we decided to close: no more requests are read
  bool closed_ = false;
  bool detached_ = false;         // upgraded: the connection belongs to another protocol now
  bool paused_ = false;           // reading paused while pipelined bytes wait
  bool in_data_handler_ = false;  // inside the connection's data handler (output is deferred)
  // Pipelined requests wait unparsed because the responses already queued reached high_water.
  bool backlogged_ = false;
  net::TimerId backlog_timer_ = 0;  // the re-check once this round's output has been written
  std::string out_;  // the bytes of responses produced in this round, sent in one send()
  ChunkedEncoder encoder_;
  Deadline deadline_ = Deadline::kNone;
  net::TimerId timer_ = 0;
  // The send deadline (HttpServerOptions::send_timeout), armed only while output is stuck.
  net::TimerId send_timer_ = 0;
  std::uint64_t send_progress_at_arm_ = 0;
  // For the access log.
  int status_ = 0;
  std::uint64_t body_bytes_ = 0;
  std::chrono::steady_clock::time_point started_;
  // A large file going out with sendfile().
  net::Fd file_;
  net::Fd socket_copy_;  // dup() of the socket, watched for writability while the file goes
  std::uint64_t file_offset_ = 0;
  std::uint64_t file_left_ = 0;
  std::uint64_t file_bytes_sent_ = 0;  // by sendfile, over the connection's life
};

}  // namespace duplex::http
