// ServerProtocol: the server side of one HTTP/1.1 connection, sans-I/O (lesson 06).
//
// The twin of ws::Protocol. Bytes that arrived go in with receive_data() (all the unconsumed
// bytes the glue holds, as RequestParser wants them; it answers how many it consumed); events
// come out of events_received() (a request head, body bytes, the end of the request, a
// failure); the response is given to send_response() or the streaming verbs, and the bytes to
// write come out of data_to_send(). It never touches a socket and never reads a clock: Date is
// passed in, timers belong to the glue (HttpConnection), which asks state() which one applies.
//
// Every decision that is protocol lives here: whether the connection persists (RFC 9112 §9.3,
// HTTP/1.0 keep-alive, the request limit, the server stopping), pipelining order (§9.3.2: the
// next request is not parsed while a response is in progress; its bytes wait), Expect:
// 100-continue (RFC 9110 §10.1.1), HEAD (§9.3.2), 1xx/204/304 without a body (RFC 9110 §6.4.1),
// response framing (Content-Length, chunked for an HTTP/1.1 stream, close-delimited for an
// HTTP/1.0 one, RFC 9112 §6.3), error responses followed by a close (RFC 9112 §9.6, §11.2), and
// the pause while queued output is above its high-water mark.
//
//   kHead ──head──> kBody ──body──> kResponding ──response done──> kHead (or kClosed)
//     │               │                  └── send_upgrade ──> kUpgraded
//     └── malformed ──┴──> error response ──> kClosed
// @lesson 06
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/http/body_reader.hpp"
#include "src/http/chunked_encoder.hpp"
#include "src/http/parser_limits.hpp"
#include "src/http/request_head.hpp"
#include "src/http/request_parser.hpp"
#include "src/http/response.hpp"

namespace duplex::http {

struct ServerProtocolOptions {
  // The Server field of every response (RFC 9110 §10.2.4); empty: none.
  std::string server_name = "duplex";
  // The Date field's value for "now" (RFC 9110 §6.6.1), from the glue's clock; none: no Date.
  std::function<std::string_view()> date;
  ParserLimits parser;
  // The n-th request on one connection is answered with "Connection: close". 0: no limit.
  std::size_t max_requests_per_connection = 1000;
  // Bytes waiting unparsed behind a response in progress; above it wants_input() says stop.
  std::size_t max_pipelined_bytes = 64 * 1024;
  // Output queued (in the glue and here) at which parsing pipelined requests pauses.
  std::size_t output_high_water = 1024 * 1024;
};

struct ServerEvent {
  enum class Kind {
    kRequestHead,  // request() and raw_head() hold the new request
    kBodyData,     // data: body bytes just decoded (also appended to body())
    kRequestEnd,   // the request is complete: answer it
    kFailure,      // the request was malformed (status, reason); the error response is queued,
                   // or the peer left mid-request (status 0: nothing to send)
  };
  Kind kind;
  std::string_view data;  // kBodyData only; valid until the next receive_data()/receive_eof()
  int status = 0;
  std::string_view reason;
};

class ServerProtocol {
 public:
  enum class State {
    kHead,        // waiting for a request head (the glue's buffer says whether it has begun)
    kBody,        // the head is in, its body is arriving
    kResponding,  // the request is complete, its response is not; pipelined bytes wait
    kUpgraded,    // a 101 went out: the bytes after the request belong to another protocol
    kClosed,      // write data_to_send(), then close the transport
  };

  explicit ServerProtocol(ServerProtocolOptions options = {});

  // --- Input ---
  // `buffered`: every byte received that nothing consumed yet (each call's input starting with
  // the previous call's unconsumed bytes). Parses at most one request and returns how many
  // bytes it consumed; the glue drops them. Returns 0 (the bytes wait) while a response is in
  // progress, while paused for output, after a failure and after an upgrade.
  std::size_t receive_data(std::string_view buffered);
  // The peer closed its side. Inside a request, a kFailure with status 0 (nobody to answer).
  void receive_eof();
  std::vector<ServerEvent> events_received();
  // The same into `out` (cleared first), swapping buffers: no new vector per call.
  void events_received(std::vector<ServerEvent>& out);

  // The current request, from kRequestHead on. The views point into raw_head(), a copy of the
  // head's bytes, so they outlive the glue's input buffer.
  const RequestHead& request() const { return head_; }
  std::string_view raw_head() const { return raw_head_; }
  std::string& body() { return body_; }
  // Moves the request out (to an Exchange that may outlive it), its views rebuilt into
  // `raw_head`; request() is empty afterwards (what the exchange needs from it was decided at
  // kRequestHead). The strings given in keep their capacity here, for the next request.
  void take_request(std::string& raw_head, RequestHead& head);

  // --- Output, for the request in kResponding --- Each does nothing in any other state.
  // A complete response: Content-Length, and the body unless HEAD, 1xx, 204 or 304.
  void send_response(const Response& response);
  // The same with the body given apart (`head.body` is ignored): bytes the caller keeps.
  void send_response(const Response& head, std::string_view body);
  // A head with Content-Length `length`; the body follows with send_body() (or, written by the
  // glue from a file, after data_to_send()), then end_response(). False: no body goes on the
  // wire (HEAD, 1xx/204/304, length 0) and the response is already complete.
  bool send_head(const Response& head, std::uint64_t length);
  // A body of unknown length: chunked for HTTP/1.1, close-delimited for HTTP/1.0 (RFC 9112
  // §6.3 rule 8). False as for send_head().
  bool start_stream(const Response& head);
  // Body bytes of send_head() or start_stream(); false when no body is in progress.
  bool send_body(std::string_view data);
  // The body is complete (the last chunk for a chunked stream). `written_outside`: body bytes
  // the glue wrote itself (a file), for response_body_bytes().
  void end_response(std::uint64_t written_outside = 0);
  // The promised body cannot be completed (a file shrank): close after what is queued, so the
  // client sees a short body, never a wrong one.
  void abort_response();
  // RFC 9110 §7.8: the 101 head, then kUpgraded.
  void send_upgrade(const Response& response);

  // --- Decisions the glue asks for ---
  // An error response (the status, a short plain-text body naming the problem, Connection:
  // close), then kClosed. Once the response's head has gone out, nothing can be said any more:
  // just kClosed. For the glue's deadlines (408) and a handler that threw (500).
  void fail(int status, std::string_view reason);
  // The server is stopping: close now when no request is being answered; otherwise the
  // response in progress says "Connection: close" (if its head has not gone) and ends it.
  void stop();
  // Close without a word (the idle keep-alive timeout, RFC 9112 §9.5).
  void close();

  // How much output the glue holds unwritten. At or above output_high_water, with what is
  // queued here, no further pipelined request is parsed until a smaller amount is reported.
  void set_output_queued(std::size_t bytes) { output_queued_ = bytes; }
  bool paused_for_output() const { return paused_for_output_; }
  // Whether the glue should keep reading, with `buffered` bytes unconsumed: false while they
  // wait behind a response (or for output) and exceed max_pipelined_bytes.
  bool wants_input(std::size_t buffered) const;

  // --- Output bytes ---
  std::string data_to_send();
  std::string_view pending_output() const { return output_; }
  void consume_output(std::size_t written);

  // --- State ---
  State state() const { return state_; }
  bool should_close() const { return state_ == State::kClosed; }
  // The response in progress (or the last one) leaves the connection open.
  bool keep_alive() const { return keep_alive_; }
  // The head of the current response has gone out (a failure can then only close).
  bool response_started() const { return response_ != Body::kNone; }
  // For the access log: the status of the response in progress or the last one, and its body
  // bytes written here. For --trace: the head the last verb wrote, until the output is taken.
  int response_status() const { return status_; }
  std::uint64_t response_body_bytes() const { return body_bytes_; }
  std::string_view last_response_head() const;
  std::size_t requests() const { return requests_; }
  const ServerProtocolOptions& options() const { return options_; }
#if DUPLEX_LESSON >= 12
  // Lesson 12: the connection ends after a request that was read to its end and whose own head
  // said "close" (or was HTTP/1.0 without keep-alive): RFC 9112 §9.6, the client sends no
  // further request on it, so the glue may close without a lingering close.
  bool client_done_sending() const {
    return state_ == State::kClosed && request_read_ && !client_keep_alive_;
  }
#endif

 private:
  enum class Body { kNone, kLength, kChunked, kUntilClose, kDone };

  void start_request(std::string_view buffered, std::size_t head_size);
  void request_complete();
  void response_complete();
  void fail_request(const ParseError& error);
  void write_head(const Response& response, Body framing, std::uint64_t length);
  bool no_body(int status) const;

  ServerProtocolOptions options_;
  State state_ = State::kHead;
  RequestParser parser_;
  std::optional<BodyReader> body_reader_;
  RequestHead head_;
  std::string raw_head_;
  std::string body_;
  std::vector<ServerEvent> events_;

  std::string output_;
  std::size_t last_head_at_ = 0;
  std::size_t last_head_size_ = 0;
  ChunkedEncoder encoder_;
  Body response_ = Body::kNone;
  bool keep_alive_ = true;
  bool client_keep_alive_ = true;  // RequestHead::keep_alive() of the current request
#if DUPLEX_LESSON >= 12
  bool request_read_ = false;  // the current request's body (if any) has been read to its end
#endif
  bool head_method_ = false;
  int version_minor_ = 1;
  bool stopping_ = false;
  bool paused_for_output_ = false;
  std::size_t output_queued_ = 0;
  std::size_t requests_ = 0;
  int status_ = 0;
  std::uint64_t body_bytes_ = 0;
};

}  // namespace duplex::http
