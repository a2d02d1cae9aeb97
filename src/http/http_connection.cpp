// HttpConnection (lesson 06): ServerProtocol on a net::Connection. See http_connection.hpp.
// @lesson 06
#include "src/http/http_connection.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>

namespace duplex::http {

namespace {

// File bodies up to this size are copied in behind the head; larger ones go with sendfile().
constexpr std::uint64_t kInlineFileBytes = 64 * 1024;
#if DUPLEX_LESSON >= 12
// Shared bodies below this size are copied in behind the head: copying a few kilobytes costs
// less than the queue entry that would carry them apart (Exchange::respond_shared).
constexpr std::size_t kShareBodiesFrom = 4 * 1024;
#endif

}  // namespace

void HttpConnection::attach(net::Connection& connection, ServerContext& context) {
  auto http = std::make_shared<HttpConnection>(connection, context);
  context.connections.emplace(http.get(), http);
  // @anchor lesson06-send-deadline
  // A client that sends requests and never reads the answers would hold its connection
  // forever once backpressure stops reading from it (lesson 03). The connection's send timeout
  // ends that: output waiting send_timeout without one byte leaving aborts it. Nobody is left
  // to send a status to, and a graceful close would wait for the same unread bytes.
  connection.set_send_timeout(context.options.send_timeout);
  // The connection's handlers own the HttpConnection: it lives while the connection speaks HTTP.
  connection.set_on_data([http](net::Connection&, net::Buffer&) { http->process(); });
  std::weak_ptr<HttpConnection> weak = http;
  connection.set_on_drain([weak](net::Connection&) {
    if (auto self = weak.lock()) self->process();
  });
  connection.set_on_close([http](net::Connection&, net::CloseReason, int) { http->on_closed(); });
  http->update_deadline();
}

HttpConnection::HttpConnection(net::Connection& connection, ServerContext& context)
    : connection_(connection),
      context_(context),
      protocol_(context.protocol_options(connection.limits().high_water)),
      deadline_timer_(connection),
      backlog_timer_(connection) {}

// @anchor lesson06-process
// Offers the protocol every unconsumed byte until nothing moves: each turn parses at most one
// request, and dispatch() hands it to the handler. A request whose response is not finished (a
// long-poll, a stream) leaves the protocol in kResponding, and the bytes behind it wait in the
// input buffer until response_step() calls process() again.
void HttpConnection::process() {
  if (state_ != State::kReady) return;
  // An upgrade replaces the handlers that own this object; it must outlive this call.
  auto self = shared_from_this();
  net::Buffer& input = connection_.input();
  while (state_ == State::kReady) {
    protocol_.set_output_queued(connection_.bytes_queued());
    std::size_t used = protocol_.receive_data(input.view());
    input.consume(used);
    bool moved = handle_events();
    flush();
    if (used == 0 && !moved) break;
  }
  after_input();
}

bool HttpConnection::handle_events() {
  protocol_.events_received(events_);
  for (const ServerEvent& event : events_) {
    if (event.kind == ServerEvent::Kind::kRequestHead) {
      // An Exchange the handler no longer holds is recycled with its string capacity.
      if (!current_ || current_.use_count() > 1) current_ = std::make_shared<ExchangeState>();
      current_->begin(weak_from_this(), connection_.loop());
      protocol_.take_request(current_->raw_head, current_->head);
      current_->head_request = current_->head.method_id == Method::kHead;
      note_start();
      if (context_.options.trace) context_.trace("> ", current_->raw_head);
    } else if (event.kind == ServerEvent::Kind::kRequestEnd) {
      current_->body.swap(protocol_.body());  // kBodyData went there, piece by piece
      dispatch();
    } else if (event.kind == ServerEvent::Kind::kFailure && event.status != 0) {
      note_start();
      flush();
      log_exchange("-", "", event.status);
    }
  }
  return !events_.empty();
}

// @anchor lesson06-dispatch
// One error policy: a handler that throws costs its request and its connection, never the
// server or the other clients. Before its response started, the client gets a 500 and the
// connection closes; after, nothing honest can be added to the response, so it just closes.
void HttpConnection::dispatch() {
  Exchange exchange(current_);
  state_ = State::kInHandler;
  try {
    context_.handler(exchange);
  } catch (...) {
    bool answered = current_->phase == ExchangeState::Phase::kDone;
    answered ? protocol_.close() : protocol_.fail(500, "the handler failed");
    response_step();
  }
  if (state_ == State::kInHandler) state_ = State::kReady;
}

bool HttpConnection::is_current(const ExchangeState& state, ExchangeState::Phase phase) const {
  return (state_ == State::kReady || state_ == State::kInHandler) && current_.get() == &state &&
         state.phase == phase;
}

// After each verb: log a finished response, queue its bytes, and go on with the requests that
// waited behind it (unless the handler is still running: process() goes on when it returns).
void HttpConnection::response_step() {
  ExchangeState& state = *current_;
  bool responding = protocol_.state() == ServerProtocol::State::kResponding;
  bool finished = !responding && state.phase != ExchangeState::Phase::kDone;
  if (responding && protocol_.response_started()) state.phase = ExchangeState::Phase::kStreaming;
  flush();  // before the log line, so --trace shows the head first
  if (finished) {
    state.phase = ExchangeState::Phase::kDone;
    state.on_close = nullptr;
    log_exchange(state.head.method, state.head.target, protocol_.response_status());
  }
  if (state_ == State::kReady) process();
}

void HttpConnection::respond(ExchangeState& state, const Response& response) {
  if (!is_current(state, ExchangeState::Phase::kHandling)) return;
  protocol_.send_response(response);
  response_step();
}

#if DUPLEX_LESSON >= 12
void HttpConnection::respond(ExchangeState& state, const Response& head, std::string_view body) {
  if (!is_current(state, ExchangeState::Phase::kHandling)) return;
  protocol_.send_response(head, body);
  response_step();
}

// @anchor lesson12-respond-shared
// The head through the protocol, the body beside it: the connection queues the caller's bytes
// by reference (net::Connection::send_shared) and writes both with one sendmsg. The shape of
// send_file() below, with memory in place of the file.
void HttpConnection::respond_shared(ExchangeState& state, const Response& head,
                                    std::shared_ptr<const std::string> body) {
  if (!is_current(state, ExchangeState::Phase::kHandling)) return;
  if (!body || body->size() < kShareBodiesFrom) {
    protocol_.send_response(head, body ? std::string_view(*body) : std::string_view());
  } else if (protocol_.send_head(head, body->size())) {
    std::uint64_t length = body->size();
    flush();
    connection_.send_shared(std::move(body));
    protocol_.end_response(length);
  }
  response_step();
}

#endif
void HttpConnection::start_stream(ExchangeState& state, const Response& head) {
  if (!is_current(state, ExchangeState::Phase::kHandling)) return;
  protocol_.start_stream(head);
  response_step();
}

bool HttpConnection::write(ExchangeState& state, std::string_view data) {
  bool sent = is_current(state, ExchangeState::Phase::kStreaming) && protocol_.send_body(data);
  if (sent) flush();
  return sent;
}

void HttpConnection::finish(ExchangeState& state) {
  if (!is_current(state, ExchangeState::Phase::kStreaming)) return;
  protocol_.end_response();
  response_step();
}

// @anchor lesson06-sendfile
// A large body goes from the page cache to the socket with sendfile(): no copy through user
// space, no buffer the size of the file. The connection queues it as a file segment behind the
// head and drains it on its own writability, so the response is complete for us at once; the
// next responses queue behind it, in order. A file that turns out shorter than promised makes
// the connection abort: the client sees a short body, never a wrong one.
void HttpConnection::send_file(ExchangeState& state, const Response& head, net::Fd file,
                               std::uint64_t offset, std::uint64_t length) {
  if (!is_current(state, ExchangeState::Phase::kHandling)) return;
  if (protocol_.send_head(head, length)) {
    if (length <= kInlineFileBytes) {
      std::string bytes(static_cast<std::size_t>(length), '\0');
      std::size_t got = 0;
      for (ssize_t n = 1; got < length && (n > 0 || errno == EINTR); got += n > 0 ? n : 0) {
        n = ::pread(file.get(), bytes.data() + got, bytes.size() - got, offset + got);
      }
      protocol_.send_body(std::string_view(bytes).substr(0, got));
      got < length ? protocol_.abort_response() : protocol_.end_response();
    } else {
      flush();
      connection_.send_file(std::move(file), offset, length);
      protocol_.end_response(length);
    }
  }
  response_step();
}

// RFC 9110 §7.8 (ServerProtocol::send_upgrade): the bytes after this request stay in the input
// buffer; the connection hands them to the new data handler as soon as ours returns.
void HttpConnection::upgrade(ExchangeState& state, const Response& response,
                             const Exchange::UpgradeHandler& take_over) {
  if (!is_current(state, ExchangeState::Phase::kHandling)) return;
  protocol_.send_upgrade(response);
  state.phase = ExchangeState::Phase::kDone;
  flush();
  log_exchange(state.head.method, state.head.target, protocol_.response_status());
  state_ = State::kHandedOff;  // our timers, if they fire before we are gone, do nothing
  connection_.set_on_drain(nullptr);
  connection_.resume_reading();
  context_.connections.erase(this);
  take_over(connection_);
  context_.notify_if_drained();
}

// Queues what the protocol wrote (it leaves at the end of the round with everything else queued
// on this connection: the one cork is net::Connection's); closes once the protocol says so.
void HttpConnection::flush() {
  if (state_ == State::kClosed) return;
  std::string_view out = protocol_.pending_output();
  if (!out.empty()) {
    if (context_.options.trace && !protocol_.last_response_head().empty()) {
      context_.trace("< ", protocol_.last_response_head());
    }
    connection_.send(out);
    protocol_.consume_output(out.size());
  }
  if (protocol_.should_close()) {
    state_ = State::kClosed;  // the timers, bound to the connection, check this when they fire
#if DUPLEX_LESSON >= 12
    // @anchor lesson12-client-done
    // Lesson 12: a client that said "close" sends nothing more (RFC 9112 §9.6): no lingering
    // close, which saves a shutdown, a read and a wake-up per connection.
    if (protocol_.client_done_sending()) {
      connection_.close_without_linger();
      return;
    }
#endif
    connection_.close();
  }
}

// @anchor lesson06-output-backlog
// When the protocol paused for output (ServerProtocol, lesson06-backlog-pause), parsing goes on
// once the output has gone: on the connection's drain event if it waits for the socket, or on
// the next round, after this round's write, if the socket may take it all.
void HttpConnection::after_input() {
  if (state_ != State::kReady) return;
  // Backpressure for pipelining: at most max_pipelined_bytes wait behind a response; beyond
  // that the kernel buffers, then the client's TCP window closes.
  bool read_more = protocol_.wants_input(connection_.input().size());
  // @anchor lesson06-pause-on-change
  // Only a change is passed on: after almost every request reading simply goes on, and each
  // call recomputes the connection's epoll interest (lesson 12 counts the epoll_ctl calls).
  if (read_more == reading_paused_) {
    reading_paused_ = !read_more;
    read_more ? connection_.resume_reading() : connection_.pause_reading();
  }
  if (protocol_.paused_for_output() && !connection_.waiting_to_write()) {
    backlog_timer_.start(std::chrono::milliseconds(0), [this] { process(); });
  }
  update_deadline();
}

// @anchor lesson06-deadlines
// One timer per connection, re-armed only when the kind of wait changes:
//  - waiting for a request with nothing buffered: keep_alive_timeout, then a silent close;
//  - part of a head buffered: head_timeout from its FIRST byte, so dribbling more bytes does
//    not extend it (the slowloris defence), then 408;
//  - receiving a body: body_timeout from the end of the head, then 408;
//  - a handler holds the request, or whole requests wait for our output to leave: no deadline
//    here (a long-poll decides its own; the connection's send timeout watches the output).
void HttpConnection::update_deadline() {
  if (state_ != State::kReady) return;
  Deadline next = Deadline::kNone;
  if (protocol_.state() == ServerProtocol::State::kBody) next = Deadline::kBody;
  if (protocol_.state() == ServerProtocol::State::kHead && !protocol_.paused_for_output()) {
    next = connection_.input().empty() ? Deadline::kIdle : Deadline::kHead;
  }
  if (next == deadline_) return;
  deadline_ = next;
  const HttpServerOptions& options = context_.options;
  std::chrono::milliseconds delay = next == Deadline::kIdle   ? options.keep_alive_timeout
                                    : next == Deadline::kHead ? options.head_timeout
                                                              : options.body_timeout;
  deadline_timer_.cancel();
  if (next != Deadline::kNone && delay.count() > 0) {
    deadline_timer_.start(delay, [this] { on_deadline(); });
  }
}

void HttpConnection::on_deadline() {
  Deadline expired = deadline_;
  deadline_ = Deadline::kNone;
  if (state_ != State::kReady) return;
  if (expired == Deadline::kIdle) {
    protocol_.close();
  } else {
    protocol_.fail(408, expired == Deadline::kHead ? "request head not received in time"
                                                   : "request body not received in time");
    note_start();
  }
  flush();
  if (expired != Deadline::kIdle) log_exchange("-", "", 408);
}

void HttpConnection::stop() {
  if (state_ == State::kClosed || state_ == State::kHandedOff) return;
  protocol_.stop();
  flush();
}

void HttpConnection::on_closed() {
  state_ = State::kClosed;
  if (current_ && current_->phase != ExchangeState::Phase::kDone &&
      (protocol_.state() == ServerProtocol::State::kResponding || protocol_.response_started())) {
    // The client went away (or the server stopped) before the response finished: tell the
    // handler, so a long-poll or a stream stops producing for nobody.
    current_->phase = ExchangeState::Phase::kDone;
    current_->client_gone = true;
    auto callback = std::move(current_->on_close);
    current_->on_close = nullptr;
    int status = protocol_.response_status();
    log_exchange(current_->head.method, current_->head.target, status == 0 ? 499 : status);
    if (callback) callback();
  }
  context_.connections.erase(this);
  context_.notify_if_drained();
}

// @anchor lesson06-note-start
void HttpConnection::note_start() {
#if DUPLEX_LESSON >= 12
  // Lesson 12: the loop's clock, read once per round right after epoll_wait returned, is when
  // this request's bytes were seen; reading the clock again for every request was 3% of the
  // server's user time under 50 connections. And only when the access log will use it.
  if (context_.options.access_log) started_ = connection_.loop().now();
#else
  started_ = std::chrono::steady_clock::now();
#endif
}

void HttpConnection::log_exchange(std::string_view method, std::string_view target, int status) {
  if (context_.options.access_log) {
    context_.log_access(method, target, status, protocol_.response_body_bytes(), started_);
  }
}

}  // namespace duplex::http
