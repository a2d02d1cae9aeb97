// The client side of the WebSocket opening handshake (lesson 08), sans-I/O.
//
// Builds the GET request with a fresh random key, then reads the server's answer with
// http::ResponseParser and checks every rule a client must check before it sends a frame. After
// a success, consumed() says where the response head ended: any bytes after it arrived in the
// same read but are already WebSocket frames, and must go to the frame parser, not be dropped.
// Implements RFC 6455 §4.1 (the client's request and its validation of the response), §4.2.2
// (the accept key), §11.3.4 (subprotocols).
// @lesson 08
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/http/parser_limits.hpp"
#include "src/http/response_parser.hpp"
#if DUPLEX_LESSON >= 14
#include <optional>

#include "src/ws/permessage_deflate.hpp"
#endif

namespace duplex::ws {

// RFC 6455 §4.1 item 7: "a randomly selected 16-byte value ... base64-encoded", from the kernel's
// entropy (getrandom(2)). The key must be unpredictable so that nothing but a WebSocket server
// could compute the accept value.
std::string generate_client_key();

struct ClientHandshakeOptions {
  std::string host = "127.0.0.1";         // the Host field: host, and ":port" when not the default
  std::string target = "/";               // the request target: path and query
  std::vector<std::string> subprotocols;  // offered in order of preference; empty: none
  std::string origin;                     // empty: no Origin field (we are not a browser)
  std::vector<std::pair<std::string, std::string>> extra_fields;  // e.g. Authorization
  http::ParserLimits limits;                                      // for the response head
#if DUPLEX_LESSON >= 14
  // permessage-deflate (RFC 7692): off unless asked for. When enabled, the request offers it
  // (client_offer) and the answer is checked against that offer (check_server_response).
  PerMessageDeflateOptions deflate{.enabled = false};
#endif
};

class ClientHandshake {
 public:
  enum class Status {
    kNeedMore,  // give more bytes to receive()
    kAccepted,  // a valid 101: the connection speaks WebSocket from consumed() on
    kFailed,    // a non-101 answer or a broken rule: error() says which
  };

  // `key` is the base64 Sec-WebSocket-Key; tests pass a fixed one (RFC 6455 §1.3's example).
  explicit ClientHandshake(ClientHandshakeOptions options, std::string key = generate_client_key());

  // The request to send, whole. Throws std::invalid_argument if a field would break the head
  // (CR, LF or another control byte in a value, a field name that is not a token).
  std::string request() const;

  // Given all unconsumed bytes received so far (the http::ResponseParser contract). Once
  // accepted or failed, it keeps answering the same.
  Status receive(std::string_view buffered);

  Status status() const { return status_; }
  // kAccepted: the length of the response head; bytes after it are frames.
  std::size_t consumed() const { return consumed_; }
  // kFailed: one line naming what was wrong.
  const std::string& error() const { return error_; }
  // The status code the server sent (0 until a head has been parsed).
  int status_code() const { return status_code_; }
  // kAccepted: the subprotocol the server chose, empty when none.
  const std::string& subprotocol() const { return subprotocol_; }
  const std::string& key() const { return key_; }
  // The Sec-WebSocket-Accept value a correct server sends for key().
  const std::string& expected_accept() const { return expected_accept_; }
  // The parsed head after kAccepted or a non-101 answer (views into the last receive() input).
  const http::ResponseHead& response() const { return parser_.head(); }
#if DUPLEX_LESSON >= 14
  // kAccepted: the parameters the server agreed to, nullopt when it declined (or none offered).
  const std::optional<DeflateParams>& deflate() const {
    return deflate_;
  }
#endif

 private:
  Status fail(std::string message);
  bool validate(const http::ResponseHead& head);

  ClientHandshakeOptions options_;
  std::string key_;
  std::string expected_accept_;
  http::ResponseParser parser_;
  Status status_ = Status::kNeedMore;
  std::size_t consumed_ = 0;
  int status_code_ = 0;
  std::string error_;
  std::string subprotocol_;
#if DUPLEX_LESSON >= 14
  std::optional<DeflateParams> deflate_;
#endif
};

}  // namespace duplex::ws
