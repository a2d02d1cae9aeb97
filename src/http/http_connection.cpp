// HttpConnection (lesson 06): requests in, responses out, in order, on one connection.
#include "src/http/http_connection.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <exception>

#include "src/http/access_log.hpp"
#include "src/http/syntax.hpp"

namespace duplex::http {

namespace {

// File bodies up to this size are read into the output buffer with the head: one write, no
// extra round of the loop. Larger ones go with sendfile().
constexpr std::uint64_t kInlineFileBytes = 64 * 1024;
// One sendfile() call moves at most this much, so one download cannot hold the loop long.
constexpr std::size_t kSendfileChunk = 256 * 1024;
// Output queued inside the data handler is written after it returns, out of our sight. A round
// that produced at least this much arms the send deadline anyway; a smaller one does only when
// earlier output is still waiting.
constexpr std::size_t kWatchSendAbove = 64 * 1024;

bool status_has_no_body(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

// Rebuilds a view of `from` (which points into `old_base`) into `new_base`.
std::string_view rebase(std::string_view view, const char* old_base, const char* new_base) {
  if (view.empty()) return {};
  return {new_base + (view.data() - old_base), view.size()};
}

}  // namespace

void HttpConnection::attach(net::Connection& connection, ServerContext& context) {
  auto http = std::make_shared<HttpConnection>(connection, context);
  context.connections.emplace(http.get(), http);
  // The connection's handlers own the HttpConnection: it lives as long as the connection
  // speaks HTTP, and dies when the connection closes or is handed to another protocol.
  connection.set_on_data([http](net::Connection&, net::Buffer&) { http->on_data(); });
  connection.set_on_close([http](net::Connection&, net::CloseReason, int) { http->on_closed(); });
  std::weak_ptr<HttpConnection> weak = http;
  connection.set_on_drain([weak](net::Connection&) {
    if (auto self = weak.lock()) self->on_output_drained();
  });
  http->update_deadline();
}

HttpConnection::HttpConnection(net::Connection& connection, ServerContext& context)
    : connection_(&connection),
      loop_(connection.loop()),
      context_(context),
      parser_(context.options.parser) {}

HttpConnection::~HttpConnection() {
  stop_file();
  if (timer_ != 0) loop_.cancel(timer_);
  if (send_timer_ != 0) loop_.cancel(send_timer_);
  if (backlog_timer_ != 0) loop_.cancel(backlog_timer_);
}

bool HttpConnection::is_current(const ExchangeState& state) const {
  return !closed_ && !detached_ && current_.get() == &state && phase_ == Phase::kHandling;
}

void HttpConnection::on_data() {
  in_data_handler_ = true;
  process();
  in_data_handler_ = false;
}

// @anchor lesson06-process
// The request pipeline. Each round parses as many requests as the input holds and answers
// them in order; a request whose response is not finished (a long-poll, a stream, a file)
// stops the loop, and the bytes behind it stay in the input buffer, unparsed, until
// exchange_done() resumes the loop. Nothing the client sent is dropped or reordered.
void HttpConnection::process() {
  if (processing_ || closed_ || detached_) return;
  auto self = shared_from_this();
  processing_ = true;
  net::Buffer& input = connection_->input();
  while (!closed_ && !detached_ && !closing_ && phase_ != Phase::kHandling) {
    if (phase_ == Phase::kHead) {
      if (input.empty()) break;
      if (output_backlogged()) {
        backlogged_ = true;
        break;
      }
      ParseResult result = parser_.parse(input.view());
      if (result.need_more()) break;
      if (result.failed()) {
        fail(result.error.status, result.error.reason);
        break;
      }
      start_exchange(input.view(), result.consumed);
      input.consume(result.consumed);
      parser_.reset();
      if (current_->head.body.kind == BodyFraming::Kind::kNone) {
        dispatch();
        continue;
      }
      body_reader_.emplace(current_->head.body, context_.options.parser);
      phase_ = Phase::kBody;
      // RFC 9110 §10.1.1: a client that sent "Expect: 100-continue" may wait for this interim
      // response before sending the body. If the body is already here, it did not wait.
      if (current_->head.expects_continue() && input.empty() && !body_reader_->done()) {
        out_ += "HTTP/1.1 100 Continue\r\n\r\n";
      }
    }
    if (phase_ == Phase::kBody) {
      if (input.empty() && !body_reader_->done()) break;
      ParseResult result = body_reader_->feed(input.view(), current_->body);
      if (result.failed()) {
        fail(result.error.status, result.error.reason);
        break;
      }
      input.consume(result.need_more() ? input.size() : result.consumed);
      if (result.need_more()) break;
      body_reader_.reset();
      dispatch();
    }
  }
  processing_ = false;
  if (closed_ || detached_) return;
  // Backpressure for pipelining: while a response is pending, at most max_pipelined_bytes
  // wait in the buffer; beyond that the kernel buffers, then the client's TCP window closes.
  bool too_much = phase_ == Phase::kHandling && input.size() > context_.options.max_pipelined_bytes;
  if (too_much && !paused_) {
    connection_->pause_reading();
    paused_ = true;
  } else if (!too_much && paused_) {
    connection_->resume_reading();
    paused_ = false;
  }
  update_deadline();
  emit();
  if (backlogged_) wait_for_output();
}

// @anchor lesson06-output-backlog
// Pipelining without a bound on output is a memory attack: 64 KiB of "GET /big" lines, all
// read at once, would make 1,800 responses of 1 MiB before a single byte is written. So a
// round stops parsing requests once the responses queued reach the connection's high_water
// (lesson 03's backpressure mark); the rest of the requests wait in the input buffer, where
// max_pipelined_bytes bounds them. Parsing resumes when the output has gone: on the next loop
// round if the socket took it all when this round ended, or on the connection's drain event.
bool HttpConnection::output_backlogged() const {
  return connection_->bytes_queued() + out_.size() >= connection_->limits().high_water;
}

void HttpConnection::wait_for_output() {
  if (backlog_timer_ != 0 || closed_ || detached_) return;
  std::weak_ptr<HttpConnection> weak = weak_from_this();
  backlog_timer_ = loop_.run_after(std::chrono::milliseconds(0), [weak] {
    if (auto self = weak.lock()) {
      self->backlog_timer_ = 0;
      self->on_output_drained();
    }
  });
}

void HttpConnection::on_output_drained() {
  if (!backlogged_ || closed_ || detached_ || output_backlogged()) return;
  backlogged_ = false;
  process();
}

// Copies the head's bytes out of the input buffer, so the handler may keep the request after
// the buffer has moved on, and points the parsed views at the copy.
void HttpConnection::start_exchange(std::string_view input, std::size_t head_size) {
  // An Exchange the handler no longer holds is recycled with its string capacity: no heap
  // allocation per request once a connection has warmed up.
  if (!current_ || current_.use_count() > 1) current_ = std::make_shared<ExchangeState>();
  ExchangeState& state = *current_;
  const RequestHead& parsed = parser_.head();
  state.connection = weak_from_this();
  state.loop = &loop_;
  state.raw_head.assign(input.data(), head_size);
  state.body.clear();
  state.params.clear();
  state.phase = ExchangeState::Phase::kHandling;
  state.client_gone = false;
  state.on_close = nullptr;
  const char* old_base = input.data();
  const char* new_base = state.raw_head.data();
  RequestHead& head = state.head;
  head.method = rebase(parsed.method, old_base, new_base);
  head.method_id = parsed.method_id;
  head.target = rebase(parsed.target, old_base, new_base);
  head.form = parsed.form;
  head.path = parsed.path;
  head.query = rebase(parsed.query, old_base, new_base);
  head.has_query = parsed.has_query;
  head.authority = rebase(parsed.authority, old_base, new_base);
  head.version_major = parsed.version_major;
  head.version_minor = parsed.version_minor;
  head.body = parsed.body;
  head.headers.clear();
  for (const Field& field : parsed.headers) {
    head.headers.add(rebase(field.name, old_base, new_base),
                     rebase(field.value, old_base, new_base));
  }
  state.head_request = head.method_id == Method::kHead;
  started_ = std::chrono::steady_clock::now();
  status_ = 0;
  body_bytes_ = 0;
  if (context_.options.trace) {
    std::string lines;
    append_trace(lines, "> ", state.raw_head);
    context_.log(lines);
  }
}

// @anchor lesson06-dispatch
void HttpConnection::dispatch() {
  phase_ = Phase::kHandling;
  ++requests_;
  std::size_t max_requests = context_.options.max_requests_per_connection;
  // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive".
  keep_alive_ = current_->head.keep_alive() && !context_.stopping &&
                (max_requests == 0 || requests_ < max_requests);
  chunked_stream_ = current_->head.version_minor >= 1;
  Exchange exchange(current_);
  try {
    context_.handler(exchange);
  } catch (const std::exception&) {
    // A handler bug costs this request, never the server or the other clients.
    if (!exchange.started() && is_current(*current_)) {
      respond(*current_, Response(500, "500 Internal Server Error\n"));
    }
  }
}

// The current response is complete: log it, then either close or go on with the next request.
void HttpConnection::exchange_done() {
  current_->phase = ExchangeState::Phase::kDone;
  current_->on_close = nullptr;
  log_exchange(status_);
  phase_ = Phase::kHead;
  if (!keep_alive_) {
    closing_ = true;
    emit();
    connection_->close();
    return;
  }
  if (!processing_) process();
}

void HttpConnection::respond(ExchangeState& state, const Response& response) {
  if (!is_current(state) || state.phase != ExchangeState::Phase::kHandling) return;
  write_head(response, Framing::kLength, response.body.size());
  if (!state.head_request && !status_has_no_body(response.status)) {
    out_ += response.body;
    body_bytes_ = response.body.size();
  }
  if (response.status == 101) {
    // Switching protocols is upgrade()'s business; a bare 101 would leave the client waiting.
    keep_alive_ = false;
  }
  exchange_done();
  if (!processing_) emit();
}

void HttpConnection::start_stream(ExchangeState& state, const Response& head) {
  if (!is_current(state) || state.phase != ExchangeState::Phase::kHandling) return;
  // RFC 9112 §6.3 rule 8: an HTTP/1.0 client knows no chunked coding; the body then ends when
  // the connection closes.
  if (!chunked_stream_) keep_alive_ = false;
  write_head(head, chunked_stream_ ? Framing::kChunked : Framing::kUntilClose, 0);
  encoder_ = ChunkedEncoder();
  if (state.head_request || status_has_no_body(head.status)) {
    exchange_done();
  } else {
    state.phase = ExchangeState::Phase::kStreaming;
  }
  if (!processing_) emit();
}

bool HttpConnection::write(ExchangeState& state, std::string_view data) {
  if (closed_ || detached_ || current_.get() != &state ||
      state.phase != ExchangeState::Phase::kStreaming) {
    return false;
  }
  if (chunked_stream_) {
    encoder_.encode(data, out_);
  } else {
    out_ += data;
  }
  body_bytes_ += data.size();
  if (!processing_) emit();
  return true;
}

void HttpConnection::finish(ExchangeState& state) {
  if (closed_ || detached_ || current_.get() != &state ||
      state.phase != ExchangeState::Phase::kStreaming) {
    return;
  }
  if (chunked_stream_) encoder_.finish(out_);
  exchange_done();
  if (!processing_) emit();
}

void HttpConnection::send_file(ExchangeState& state, const Response& head, net::Fd file,
                               std::uint64_t offset, std::uint64_t length) {
  if (!is_current(state) || state.phase != ExchangeState::Phase::kHandling) return;
  write_head(head, Framing::kLength, length);
  if (state.head_request || status_has_no_body(head.status) || length == 0) {
    exchange_done();
    if (!processing_) emit();
    return;
  }
  if (length <= kInlineFileBytes) {
    std::size_t at = out_.size();
    out_.resize(at + static_cast<std::size_t>(length));
    std::size_t got = 0;
    while (got < length) {
      ssize_t n = ::pread(file.get(), out_.data() + at + got,
                          static_cast<std::size_t>(length) - got, static_cast<off_t>(offset + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    if (got < length) {
      // The file shrank or failed under us after the head promised `length` bytes: the
      // only honest thing left is to close (the client sees a short body, not a wrong one).
      out_.resize(at + got);
      body_bytes_ = got;
      keep_alive_ = false;
    } else {
      body_bytes_ = length;
    }
    exchange_done();
    if (!processing_) emit();
    return;
  }
  // @anchor lesson06-sendfile
  // A large body goes from the page cache to the socket with sendfile(): no copy through user
  // space, no buffer the size of the file. The head is still in the output buffer, so the
  // body waits until it has gone. Connection watches its own descriptor; to learn when the
  // socket can take more, we watch a dup() of it (epoll registers each descriptor separately).
  state.phase = ExchangeState::Phase::kFile;
  file_ = std::move(file);
  file_offset_ = offset;
  file_left_ = length;
  socket_copy_.reset(::fcntl(connection_->fd(), F_DUPFD_CLOEXEC, 0));
  if (!socket_copy_) {
    connection_->abort();
    return;
  }
  std::weak_ptr<HttpConnection> weak = weak_from_this();
  loop_.watch(socket_copy_.get(), net::kWritable, [weak](std::uint32_t) {
    if (auto self = weak.lock()) self->pump_file();
  });
  // The body may never start if the client reads nothing: the deadline watches it from here.
  watch_send();
  if (!processing_) emit();
}

void HttpConnection::pump_file() {
  if (closed_ || !file_) return;
  auto self = shared_from_this();
  // The head (or an earlier response) is still queued: the connection's own EPOLLOUT sends
  // it; we come back on the next round.
  if (connection_->bytes_queued() > 0) return;
  while (file_left_ > 0) {
    off_t offset = static_cast<off_t>(file_offset_);
    std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(file_left_, kSendfileChunk));
    // Through the connection's transport, so injected faults (lesson 13) reach file bodies too.
    net::Transport& transport =
        connection_->transport() ? *connection_->transport() : net::system_transport();
    ssize_t n = transport.sendfile(connection_->fd(), file_.get(), &offset, want);
    if (n > 0) {
      file_offset_ += static_cast<std::uint64_t>(n);
      file_left_ -= static_cast<std::uint64_t>(n);
      body_bytes_ += static_cast<std::uint64_t>(n);
      file_bytes_sent_ += static_cast<std::uint64_t>(n);
      if (static_cast<std::size_t>(n) == want)
        return;  // fair share done; the socket may take more next round
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      watch_send();
      return;
    }
    // n == 0: the file is shorter than promised; an error: the peer is gone. Either way the
    // response cannot be completed, so the connection ends.
    stop_file();
    connection_->abort();
    return;
  }
  stop_file();
  if (current_ && current_->phase == ExchangeState::Phase::kFile) {
    current_->phase = ExchangeState::Phase::kHandling;
    exchange_done();
    if (!processing_) emit();
  }
}

void HttpConnection::stop_file() {
  if (socket_copy_) {
    loop_.unwatch(socket_copy_.get());
    socket_copy_.reset();
  }
  file_.reset();
  file_left_ = 0;
}

// @anchor lesson06-upgrade
// RFC 9110 §7.8: after the 101 the connection speaks the new protocol from the next byte on.
// Only the head (and body) of this request were consumed: whatever the client sent after it
// is the new protocol's first bytes and stays in the input buffer. Connection hands it to the
// new data handler as soon as ours returns (it calls a handler that replaced itself again).
void HttpConnection::upgrade(ExchangeState& state, const Response& response,
                             const Exchange::UpgradeHandler& take_over) {
  if (!is_current(state) || state.phase != ExchangeState::Phase::kHandling) return;
  auto self = shared_from_this();
  write_head(response, Framing::kNoBody, 0);
  state.phase = ExchangeState::Phase::kDone;
  log_exchange(response.status);
  detached_ = true;
  if (timer_ != 0) loop_.cancel(timer_);
  if (send_timer_ != 0) loop_.cancel(send_timer_);
  if (backlog_timer_ != 0) loop_.cancel(backlog_timer_);
  timer_ = send_timer_ = backlog_timer_ = 0;
  connection_->set_on_drain(nullptr);
  if (paused_) connection_->resume_reading();
  paused_ = false;
  emit();
  context_.connections.erase(this);
  net::Connection& connection = *connection_;
  take_over(connection);
  if (context_.stopping && context_.connections.empty() && context_.on_drained) {
    auto drained = std::move(context_.on_drained);
    context_.on_drained = nullptr;
    drained();
  }
}

void HttpConnection::fail(int status, std::string_view reason) {
  // RFC 9112 §9.6 and §11.2: after a malformed request the framing of what follows cannot be
  // trusted, so the answer is the error and a close. The body is short plain text naming the
  // problem, for the human reading curl's output.
  if (!current_ || current_.use_count() > 1) current_ = std::make_shared<ExchangeState>();
  current_->raw_head.clear();
  current_->head = RequestHead{};
  current_->head.method = "-";
  started_ = std::chrono::steady_clock::now();
  Response response(status, std::to_string(status) + " " + std::string(status_reason(status)) +
                                ": " + std::string(reason) + "\n");
  response.add("Content-Type", "text/plain; charset=utf-8");
  keep_alive_ = false;
  write_head(response, Framing::kLength, response.body.size());
  out_ += response.body;
  body_bytes_ = response.body.size();
  log_exchange(status);
  phase_ = Phase::kHead;
  closing_ = true;
  emit();
  connection_->close();
}

// @anchor lesson06-response-head
// The status line and fields go straight into out_, which keeps its capacity from one response
// to the next. Date and Server are added here (RFC 9110 §6.6.1, §10.2.4), and Connection says
// what happens next: "close" when this response ends the connection (RFC 9112 §9.6), and
// "keep-alive" for an HTTP/1.0 client that asked for it (RFC 9112 §C.2.2).
void HttpConnection::write_head(const Response& response, Framing framing, std::uint64_t length) {
  int status = response.status < 100 || response.status > 999 ? 500 : response.status;
  status_ = status;
  if (response.connection_close() && status != 101) keep_alive_ = false;
  std::size_t head_at = out_.size();
  out_ += "HTTP/1.1 ";
  out_ += std::to_string(status);
  out_ += ' ';
  std::string_view reason = response.reason.empty() ? status_reason(status) : response.reason;
  for (char c : reason) out_ += is_field_value_char(c) ? c : ' ';
  out_ += "\r\nDate: ";
  out_ += context_.date.now();
  out_ += "\r\n";
  if (!context_.options.server_name.empty()) {
    out_ += "Server: ";
    out_ += context_.options.server_name;
    out_ += "\r\n";
  }
  out_ += response.field_lines();
  if (status != 101 && !response.has_connection_field()) {
    if (!keep_alive_) {
      out_ += "Connection: close\r\n";
    } else if (current_ && current_->head.version_minor == 0) {
      out_ += "Connection: keep-alive\r\n";
    }
  }
  if (!status_has_no_body(status)) {
    if (framing == Framing::kLength) {
      out_ += "Content-Length: ";
      out_ += std::to_string(length);
      out_ += "\r\n";
    } else if (framing == Framing::kChunked) {
      out_ += "Transfer-Encoding: chunked\r\n";
    }
  }
  out_ += "\r\n";
  if (context_.options.trace) {
    std::string lines;
    append_trace(lines, "< ", std::string_view(out_).substr(head_at));
    context_.log(lines);
  }
}

// @anchor lesson06-cork
// Everything produced while processing one read (ten pipelined responses, say) was appended
// to out_; it leaves in one send(), and inside the data handler Connection writes it with one
// write() when the handler returns.
void HttpConnection::emit() {
  if (out_.empty() || closed_) return;
  std::size_t size = out_.size();
  connection_->send(out_);
  out_.clear();
  // Inside the data handler the bytes leave when it returns; elsewhere send() has already
  // written what the socket would take.
  bool stuck = in_data_handler_ ? connection_->waiting_to_write() || size >= kWatchSendAbove
                                : connection_->bytes_queued() > 0;
  if (stuck) watch_send();
}

void HttpConnection::drain() {
  if (closed_ || detached_) return;
  if (phase_ == Phase::kHandling) {
    // The response under way finishes, then the connection closes.
    keep_alive_ = false;
    return;
  }
  closing_ = true;
  emit();
  connection_->close();
}

// @anchor lesson06-deadlines
// One timer per connection, re-armed only when the kind of wait changes:
//  - waiting for a request with nothing buffered: keep_alive_timeout, then a silent close;
//  - part of a head buffered: head_timeout from its FIRST byte, so dribbling more bytes does
//    not extend it (the slowloris defence), then 408;
//  - receiving a body: body_timeout from the end of the head, then 408;
//  - a handler holds the request: no deadline here (a long-poll decides its own).
void HttpConnection::update_deadline() {
  if (closed_ || detached_ || closing_) return;
  const HttpServerOptions& options = context_.options;
  switch (phase_) {
    case Phase::kHead:
      if (backlogged_) {
        // Whole requests wait for our output to leave: send_timeout watches that, not us.
        if (deadline_ != Deadline::kNone) arm(Deadline::kNone, {});
      } else if (connection_->input().empty()) {
        if (deadline_ != Deadline::kIdle) arm(Deadline::kIdle, options.keep_alive_timeout);
      } else if (deadline_ != Deadline::kHead) {
        arm(Deadline::kHead, options.head_timeout);
      }
      break;
    case Phase::kBody:
      if (deadline_ != Deadline::kBody) arm(Deadline::kBody, options.body_timeout);
      break;
    case Phase::kHandling:
      if (deadline_ != Deadline::kNone) arm(Deadline::kNone, {});
      break;
  }
}

void HttpConnection::arm(Deadline deadline, std::chrono::milliseconds delay) {
  net::EventLoop& loop = loop_;
  if (timer_ != 0) loop.cancel(timer_);
  timer_ = 0;
  deadline_ = deadline;
  if (deadline == Deadline::kNone || delay.count() <= 0) return;
  std::weak_ptr<HttpConnection> weak = weak_from_this();
  timer_ = loop.run_after(delay, [weak] {
    if (auto self = weak.lock()) self->on_deadline();
  });
}

void HttpConnection::on_deadline() {
  timer_ = 0;
  Deadline expired = deadline_;
  deadline_ = Deadline::kNone;
  if (closed_ || detached_ || closing_) return;
  if (expired == Deadline::kIdle) {
    closing_ = true;
    connection_->close();
  } else if (expired == Deadline::kHead) {
    fail(408, "request head not received in time");
  } else if (expired == Deadline::kBody) {
    fail(408, "request body not received in time");
  }
}

// @anchor lesson06-send-deadline
// A client that sends requests and never reads the answers: its responses pile up until
// backpressure stops reading from it (lesson 03), and then nothing happens on the connection
// ever again. The send deadline ends that. It is armed only when output is seen waiting for
// the socket, so a response the socket takes at once costs no timer at all. When it fires it
// compares how many bytes have left since it was armed: some did, so the client is slow but
// reading, and it waits another period; none did, so the connection is aborted. There is no
// one to send a status to, and a graceful close would wait for the same unread bytes.
void HttpConnection::watch_send() {
  std::chrono::milliseconds timeout = context_.options.send_timeout;
  if (send_timer_ != 0 || closed_ || detached_ || timeout.count() <= 0) return;
  send_progress_at_arm_ = send_progress();
  std::weak_ptr<HttpConnection> weak = weak_from_this();
  send_timer_ = loop_.run_after(timeout, [weak] {
    if (auto self = weak.lock()) self->on_send_deadline();
  });
}

std::uint64_t HttpConnection::send_progress() const {
  return connection_->bytes_written() + file_bytes_sent_;
}

void HttpConnection::on_send_deadline() {
  send_timer_ = 0;
  if (closed_ || detached_) return;
  if (connection_->bytes_queued() == 0 && file_left_ == 0) return;  // everything went
  if (send_progress() != send_progress_at_arm_) {
    watch_send();
    return;
  }
  connection_->abort();
}

void HttpConnection::on_closed() {
  if (closed_) return;
  auto self = shared_from_this();
  closed_ = true;
  stop_file();
  if (timer_ != 0) loop_.cancel(timer_);
  if (send_timer_ != 0) loop_.cancel(send_timer_);
  if (backlog_timer_ != 0) loop_.cancel(backlog_timer_);
  timer_ = send_timer_ = backlog_timer_ = 0;
  if (current_ && current_->phase != ExchangeState::Phase::kDone && !detached_) {
    // The client went away (or the server stopped) before the response finished: tell the
    // handler, so a long-poll or a stream stops producing for nobody.
    current_->phase = ExchangeState::Phase::kDone;
    current_->client_gone = true;
    auto callback = std::move(current_->on_close);
    current_->on_close = nullptr;
    if (phase_ == Phase::kHandling) log_exchange(status_ == 0 ? 499 : status_);
    if (callback) callback();
  }
  context_.connections.erase(this);
  if (context_.stopping && context_.connections.empty() && context_.on_drained) {
    auto drained = std::move(context_.on_drained);
    context_.on_drained = nullptr;
    drained();
  }
}

void HttpConnection::log_exchange(int status) {
  if (!context_.options.access_log) return;
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started_);
  std::string line;
  const RequestHead& head = current_->head;
  append_access_line(line, head.method, head.target, status, body_bytes_, elapsed.count());
  context_.log(line);
}

}  // namespace duplex::http
