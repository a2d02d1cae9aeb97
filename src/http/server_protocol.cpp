// ServerProtocol (lesson 06): one HTTP/1.1 server connection, sans-I/O. See server_protocol.hpp.
// @lesson 06
#include "src/http/server_protocol.hpp"

#include <utility>

#include "src/http/syntax.hpp"

namespace duplex::http {

namespace {

// Rebuilds `view` (which points into `old_base`) to point at the same offset of `new_base`.
std::string_view rebase(std::string_view view, const char* old_base, const char* new_base) {
  if (view.empty()) return {};
  return {new_base + (view.data() - old_base), view.size()};
}

// Points every view of `head` into `new_base` instead of `old_base` (the same bytes).
void rebase_head(RequestHead& head, const char* old_base, const char* new_base) {
  if (old_base == new_base) return;
  head.method = rebase(head.method, old_base, new_base);
  head.target = rebase(head.target, old_base, new_base);
  head.query = rebase(head.query, old_base, new_base);
  head.authority = rebase(head.authority, old_base, new_base);
#if DUPLEX_LESSON >= 12
  head.headers.rebase(old_base, new_base);
#else
  Headers fields = std::move(head.headers);
  head.headers.clear();
  for (const Field& field : fields) {
    head.headers.add(rebase(field.name, old_base, new_base),
                     rebase(field.value, old_base, new_base));
  }
#endif
}

}  // namespace

ServerProtocol::ServerProtocol(ServerProtocolOptions options)
    : options_(std::move(options)), parser_(options_.parser) {}

// @anchor lesson06-receive
// At most one request per call: after its end the protocol waits in kResponding, and the
// bytes behind it (the next pipelined request) stay with the glue, unconsumed, until the
// response is complete. Nothing the client sent is dropped or reordered (RFC 9112 §9.3.2).
std::size_t ServerProtocol::receive_data(std::string_view buffered) {
  std::size_t used = 0;
  if (state_ == State::kHead) {
    if (buffered.empty()) return 0;
    // @anchor lesson06-backlog-pause
    // Pipelining without a bound on output is a memory attack: 64 KiB of "GET /big" lines,
    // all read at once, would make 1,800 responses of 1 MiB before a byte is written. So no
    // new request is parsed while the output queued reaches the high-water mark (lesson 03's
    // backpressure mark); the requests wait in the glue's buffer, where max_pipelined_bytes
    // bounds them, until the glue reports that its output went.
    paused_for_output_ = output_queued_ + output_.size() >= options_.output_high_water;
    if (paused_for_output_) return 0;
    ParseResult result = parser_.parse(buffered);
    if (result.need_more()) return 0;
    if (result.failed()) {
      fail_request(result.error);
      return 0;
    }
    start_request(buffered, result.consumed);
    used = result.consumed;
    parser_.reset();
    if (head_.body.kind == BodyFraming::Kind::kNone) {
      request_complete();
      return used;
    }
    body_reader_.emplace(head_.body, options_.parser);
    state_ = State::kBody;
    // RFC 9110 §10.1.1: a client that sent "Expect: 100-continue" may wait for this interim
    // response before sending the body. If the body has started to arrive, it did not wait.
    if (head_.expects_continue() && buffered.size() == used && !body_reader_->done()) {
      output_ += "HTTP/1.1 100 Continue\r\n\r\n";
    }
  }
  if (state_ == State::kBody) {
    std::string_view input = buffered.substr(used);
    if (input.empty() && !body_reader_->done()) return used;
    std::size_t before = body_.size();
    ParseResult result = body_reader_->feed(input, body_);
    if (result.failed()) {
      fail_request(result.error);
      return used;
    }
    if (body_.size() > before) {
      events_.push_back(
          {ServerEvent::Kind::kBodyData, std::string_view(body_).substr(before), 0, {}});
    }
    used += result.need_more() ? input.size() : result.consumed;
    if (result.done()) {
      body_reader_.reset();
      request_complete();
    }
  }
  return used;
}

void ServerProtocol::receive_eof() {
  if (state_ == State::kBody || state_ == State::kResponding) {
    // Mid-request, or before its response finished: there is no one left to answer.
    events_.push_back({ServerEvent::Kind::kFailure, {}, 0, "connection closed by the client"});
  }
  if (state_ != State::kUpgraded) state_ = State::kClosed;
}

std::vector<ServerEvent> ServerProtocol::events_received() {
  std::vector<ServerEvent> out;
  out.swap(events_);
  return out;
}

void ServerProtocol::events_received(std::vector<ServerEvent>& out) {
  out.clear();
  out.swap(events_);
}

// The head's bytes are copied out of the glue's buffer, so the request may be kept after the
// buffer has moved on; the parsed views are pointed at the copy.
void ServerProtocol::start_request(std::string_view buffered, std::size_t head_size) {
  raw_head_.assign(buffered.data(), head_size);
  const RequestHead& parsed = parser_.head();
  head_.method = parsed.method;
  head_.method_id = parsed.method_id;
  head_.target = parsed.target;
  head_.form = parsed.form;
  head_.path = parsed.path;
  head_.query = parsed.query;
  head_.has_query = parsed.has_query;
  head_.authority = parsed.authority;
  head_.version_major = parsed.version_major;
  head_.version_minor = parsed.version_minor;
  head_.body = parsed.body;
  head_.headers = parsed.headers;
  rebase_head(head_, buffered.data(), raw_head_.data());
  // What the rest of the exchange needs from the head is decided now: the glue may take the
  // head away (take_request) before the body has arrived.
  client_keep_alive_ = head_.keep_alive();
#if DUPLEX_LESSON >= 12
  request_read_ = false;
#endif
  head_method_ = head_.method_id == Method::kHead;
  version_minor_ = head_.version_minor;
  body_.clear();
  response_ = Body::kNone;
  status_ = 0;
  body_bytes_ = 0;
  events_.push_back({ServerEvent::Kind::kRequestHead, {}, 0, {}});
}

// @anchor lesson06-keep-alive
// RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive". The n-th
// request of max_requests_per_connection, and any request while the server stops, is the
// last: its response says "Connection: close".
void ServerProtocol::request_complete() {
  ++requests_;
#if DUPLEX_LESSON >= 12
  request_read_ = true;
#endif
  std::size_t max_requests = options_.max_requests_per_connection;
  keep_alive_ = client_keep_alive_ && !stopping_ && (max_requests == 0 || requests_ < max_requests);
  state_ = State::kResponding;
  events_.push_back({ServerEvent::Kind::kRequestEnd, {}, 0, {}});
}

void ServerProtocol::take_request(std::string& raw_head, RequestHead& head) {
  const char* old_base = raw_head_.data();
  raw_head.swap(raw_head_);
  std::swap(head, head_);
  rebase_head(head, old_base, raw_head.data());
  raw_head_.clear();
  head_.method = head_.target = head_.query = head_.authority = {};
  head_.headers.clear();
  head_.path.clear();
}

void ServerProtocol::response_complete() {
  response_ = Body::kNone;
  state_ = keep_alive_ ? State::kHead : State::kClosed;
}

bool ServerProtocol::no_body(int status) const {
  // RFC 9110 §9.3.2: the response to HEAD is the GET response's head without its content;
  // §6.4.1: 1xx, 204 and 304 never have content.
  return head_method_ || status_has_no_content(status);
}

void ServerProtocol::send_response(const Response& response) {
  send_response(response, response.body);
}

void ServerProtocol::send_response(const Response& head, std::string_view body) {
  if (state_ != State::kResponding || response_ != Body::kNone) return;
  // Switching protocols is send_upgrade()'s business; a bare 101 would leave the client
  // waiting, so the connection ends with it.
  if (head.status == 101) keep_alive_ = false;
  write_head(head, Body::kLength, body.size());
  if (!no_body(status_)) {
    output_ += body;
    body_bytes_ = body.size();
  }
  response_complete();
}

bool ServerProtocol::send_head(const Response& head, std::uint64_t length) {
  if (state_ != State::kResponding || response_ != Body::kNone) return false;
  write_head(head, Body::kLength, length);
  if (no_body(status_) || length == 0) {
    response_complete();
    return false;
  }
  response_ = Body::kLength;
  return true;
}

bool ServerProtocol::start_stream(const Response& head) {
  if (state_ != State::kResponding || response_ != Body::kNone) return false;
  // RFC 9112 §6.3 rule 8: an HTTP/1.0 client knows no chunked coding; the body then ends when
  // the connection closes.
  bool chunked = version_minor_ >= 1;
  if (!chunked) keep_alive_ = false;
  write_head(head, chunked ? Body::kChunked : Body::kUntilClose, 0);
  encoder_ = ChunkedEncoder();
  if (no_body(status_)) {
    response_complete();
    return false;
  }
  response_ = chunked ? Body::kChunked : Body::kUntilClose;
  return true;
}

bool ServerProtocol::send_body(std::string_view data) {
  if (state_ != State::kResponding || response_ == Body::kNone) return false;
  if (response_ == Body::kChunked) {
    encoder_.encode(data, output_);
  } else {
    output_ += data;
  }
  body_bytes_ += data.size();
  return true;
}

void ServerProtocol::end_response(std::uint64_t written_outside) {
  if (state_ != State::kResponding || response_ == Body::kNone) return;
  body_bytes_ += written_outside;
  if (response_ == Body::kChunked) encoder_.finish(output_);
  response_complete();
}

void ServerProtocol::abort_response() {
  if (state_ != State::kResponding) return;
  keep_alive_ = false;
  response_complete();
}

// @anchor lesson06-upgrade
// RFC 9110 §7.8: after the 101 the connection speaks the new protocol from the next byte on.
// Only this request's head (and body) were consumed: whatever the client sent after it is the
// new protocol's first bytes and stays in the glue's buffer for the new protocol.
void ServerProtocol::send_upgrade(const Response& response) {
  if (state_ != State::kResponding || response_ != Body::kNone) return;
  write_head(response, Body::kNone, 0);
  state_ = State::kUpgraded;
}

void ServerProtocol::fail_request(const ParseError& error) {
  fail(error.status, error.reason);
  events_.push_back({ServerEvent::Kind::kFailure, {}, error.status, error.reason});
}

// @anchor lesson06-error-response
// RFC 9112 §9.6 and §11.2: after a malformed request the framing of what follows cannot be
// trusted, so the answer is the error and a close. The body is short plain text naming the
// problem, for the human reading curl's output.
void ServerProtocol::fail(int status, std::string_view reason) {
  if (state_ == State::kClosed || state_ == State::kUpgraded) return;
  keep_alive_ = false;
  if (state_ == State::kHead) version_minor_ = 1;  // no request of its own: not an HTTP/1.0 answer
  if (response_ == Body::kNone) {
    Response response(status, std::to_string(status) + " " + std::string(status_reason(status)) +
                                  ": " + std::string(reason) + "\n");
    response.add("Content-Type", "text/plain; charset=utf-8");
    write_head(response, Body::kLength, response.body.size());
    output_ += response.body;
    body_bytes_ = response.body.size();
  }
  response_ = Body::kNone;
  state_ = State::kClosed;
}

void ServerProtocol::stop() {
  stopping_ = true;
  if (state_ == State::kResponding) {
    keep_alive_ = false;
  } else if (state_ != State::kUpgraded) {
    state_ = State::kClosed;
  }
}

void ServerProtocol::close() {
  if (state_ != State::kUpgraded) state_ = State::kClosed;
}

bool ServerProtocol::wants_input(std::size_t buffered) const {
  bool waiting = state_ == State::kResponding || paused_for_output_;
  return !waiting || buffered <= options_.max_pipelined_bytes;
}

std::string ServerProtocol::data_to_send() {
  std::string out;
  out.swap(output_);
  last_head_size_ = 0;
  return out;
}

void ServerProtocol::consume_output(std::size_t written) {
  output_.erase(0, written);
  last_head_size_ = 0;
}

std::string_view ServerProtocol::last_response_head() const {
  return std::string_view(output_).substr(last_head_at_, last_head_size_);
}

// @anchor lesson06-response-head
// The status line and fields go straight into the output, which keeps its capacity from one
// response to the next. Date and Server are added here (RFC 9110 §6.6.1, §10.2.4), and
// Connection says what happens next: "close" when this response ends the connection (RFC 9112
// §9.6), and "keep-alive" for an HTTP/1.0 client that asked for it (RFC 9112 §C.2.2).
void ServerProtocol::write_head(const Response& response, Body framing, std::uint64_t length) {
  // @exercise lesson06-response-head #exercise-the-response-head
  std::size_t head_at = output_.size();
  int status = append_status_line(output_, response);
  status_ = status;
  if (response.connection_close() && status != 101) keep_alive_ = false;
  if (options_.date) {
    output_ += "Date: ";
    output_ += options_.date();
    output_ += "\r\n";
  }
  if (!options_.server_name.empty()) {
    output_ += "Server: ";
    output_ += options_.server_name;
    output_ += "\r\n";
  }
  output_ += response.field_lines();
  if (status != 101 && !response.has_connection_field()) {
    if (!keep_alive_) {
      output_ += "Connection: close\r\n";
    } else if (version_minor_ == 0) {
      output_ += "Connection: keep-alive\r\n";
    }
  }
  // RFC 9110 §8.6: no Content-Length in 1xx and 204; a 304 could carry the GET's, but we
  // never know it, so none. HEAD gets the framing a GET would have had.
  bool bodiless_status = (status >= 100 && status < 200) || status == 204 || status == 304;
  if (!bodiless_status) {
    if (framing == Body::kLength) {
      output_ += "Content-Length: ";
      output_ += std::to_string(length);
      output_ += "\r\n";
    } else if (framing == Body::kChunked) {
      output_ += "Transfer-Encoding: chunked\r\n";
    }
  }
  output_ += "\r\n";
  last_head_at_ = head_at;
  last_head_size_ = output_.size() - head_at;
  // @exercise end
}

}  // namespace duplex::http
