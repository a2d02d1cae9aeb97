// Exchange: one request and the handler's way to answer it, now or later (lesson 06).
//
// The server calls the handler with an Exchange and moves on. The handler answers at once
// (respond), or keeps a copy of the Exchange (a cheap handle) and answers later from a timer
// or an event: a long-poll (lesson 07) holds the request until there is news. It may also
// start a streamed response and push pieces (chunked, RFC 9112 §7.1; Server-Sent Events), send
// a file (sendfile), or switch protocols (RFC 9110 §7.8, the WebSocket upgrade of lesson 08).
//
// While an exchange is not finished, the requests pipelined behind it wait, unparsed, in the
// connection's input buffer: responses go out in request order (RFC 9112 §9.3.2).
// @lesson 06
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/http/request_head.hpp"
#include "src/http/response.hpp"
#include "src/net/connection.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/fd.hpp"

namespace duplex::http {

class HttpConnection;

// The state behind an Exchange handle; shared by the connection and every copy of the handle.
struct ExchangeState {
  enum class Phase {
    kHandling,   // the handler has it; nothing sent yet
    kStreaming,  // the head is sent; chunks follow until finish()
    kDone,       // the response is complete (or the client went away)
  };

  std::weak_ptr<HttpConnection> connection;
  net::EventLoop* loop = nullptr;
  RequestHead head;      // views point into raw_head
  std::string raw_head;  // a copy of the head's bytes, so the handler may keep it past the read
  std::string body;
  std::vector<std::pair<std::string, std::string>> params;  // filled by Router
  Phase phase = Phase::kHandling;
  bool client_gone = false;
  bool head_request = false;
  std::function<void()> on_close;

  // Ready for a new request on `owner` (the head and body are filled in by the connection).
  void begin(std::weak_ptr<HttpConnection> owner, net::EventLoop& event_loop) {
    connection = std::move(owner);
    loop = &event_loop;
    body.clear();
    params.clear();
    phase = Phase::kHandling;
    client_gone = false;
    on_close = nullptr;
  }
};

class Exchange {
 public:
  explicit Exchange(std::shared_ptr<ExchangeState> state) : state_(std::move(state)) {}

  // The request. The views in head() stay valid as long as any copy of this Exchange lives.
  const RequestHead& request() const { return state_->head; }
  const std::string& body() const { return state_->body; }
  // A path parameter captured by the Router ("{name}" in "/rooms/{name}"); empty if absent.
  std::string_view param(std::string_view name) const;
  void set_params(std::vector<std::pair<std::string, std::string>> params) {
    state_->params = std::move(params);
  }
  // The decoded query parameter `name` ("since" in "/poll?since=4"), if present.
  std::optional<std::string> query(std::string_view name) const;

  // A complete response. The server adds Date, Server, Connection and Content-Length, and
  // leaves the body out for HEAD. Ignored once a response has been started.
  void respond(Response response);
  void respond(int status, std::string_view content_type, std::string body);

  // A streamed response: the head now (with "Transfer-Encoding: chunked", or for an HTTP/1.0
  // client no framing and a close at the end, RFC 9112 §6.3 rule 8), then write() as data
  // becomes available, then finish(). write() returns false once the client has gone away.
  void start_stream(Response head);
  bool write(std::string_view data);
  void finish();

  // The head with Content-Length `length`, then `length` bytes of `file` from `offset`. Small
  // bodies are copied into the output buffer; large ones go from the page cache to the socket
  // with sendfile(), without passing through user space.
  void send_file(Response head, net::Fd file, std::uint64_t offset, std::uint64_t length);

  // RFC 9110 §7.8: sends `response` (normally 101 Switching Protocols) and hands the
  // connection to `take_over`, which installs the new protocol's data and close handlers. The
  // HTTP server forgets the connection. Bytes the client sent after this request's head (a
  // first WebSocket frame sent eagerly) stay in the connection's input buffer; when upgrade()
  // is called from inside the handler, as it should be, the new data handler receives them as
  // soon as the handler returns.
  using UpgradeHandler = std::function<void(net::Connection& connection)>;
  void upgrade(Response response, UpgradeHandler take_over);

  // Called once if the client goes away (or the server stops) before the response finished.
  void on_close(std::function<void()> callback) { state_->on_close = std::move(callback); }
  bool client_gone() const { return state_->client_gone; }
  bool started() const { return state_->phase != ExchangeState::Phase::kHandling; }
  bool finished() const { return state_->phase == ExchangeState::Phase::kDone; }
  net::EventLoop& loop() const { return *state_->loop; }
#if DUPLEX_LESSON >= 12
  // respond() with the body given apart (`head.body` is ignored), for bytes the caller keeps,
  // such as a cached file: neither the fields nor the body are copied but into the output.
  void respond(const Response& head, std::string_view body);
  // The same for a body the caller shares rather than lends: a large one is not copied at all,
  // the connection keeps its share until the bytes are written (a cached file's body). A null
  // body is an empty one.
  void respond_shared(const Response& head, std::shared_ptr<const std::string> body);
#endif

 private:
  std::shared_ptr<ExchangeState> state_;
};

// Decodes one application/x-www-form-urlencoded query value ("a%20b+c" -> "a b c").
std::string decode_query_value(std::string_view raw);

}  // namespace duplex::http
