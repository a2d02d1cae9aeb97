// The client side of the opening handshake (lesson 08). RFC 6455 §4.1. See client_handshake.hpp.
// @lesson 08
#include "src/ws/client_handshake.hpp"

#include <sys/random.h>

#include <cerrno>
#include <stdexcept>

#include "src/http/response.hpp"
#include "src/http/syntax.hpp"
#include "src/net/system_error.hpp"
#include "src/ws/accept_key.hpp"
#include "src/ws/base64.hpp"

namespace duplex::ws {

// @anchor lesson08-client-key
std::string generate_client_key() {
  char nonce[16];
  std::size_t have = 0;
  while (have < sizeof nonce) {
    ssize_t n = ::getrandom(nonce + have, sizeof nonce - have, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      net::throw_errno("getrandom");
    }
    have += static_cast<std::size_t>(n);
  }
  return base64_encode(std::string_view(nonce, sizeof nonce));
}

namespace {

bool is_field_value(std::string_view value) {
  for (char c : value) {
    if (!http::is_field_value_char(c)) return false;
  }
  return true;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  // A CR or LF in a value would let whoever chose it add fields or end the head early.
  if (!http::is_token(name) || !is_field_value(value)) {
    throw std::invalid_argument("invalid header field for the WebSocket handshake: " +
                                std::string(name));
  }
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

ClientHandshake::ClientHandshake(ClientHandshakeOptions options, std::string key)
    : options_(std::move(options)),
      key_(std::move(key)),
      expected_accept_(compute_accept_key(key_)),
      parser_(options_.limits) {}

// @anchor lesson08-client-request
std::string ClientHandshake::request() const {
  const std::string& target = options_.target.empty() ? std::string("/") : options_.target;
  for (char c : target) {
    if (c <= ' ' || c == '\x7f') throw std::invalid_argument("invalid request target: " + target);
  }
  // RFC 6455 §4.1 items 1-12, in that order.
  std::string out = "GET " + target + " HTTP/1.1\r\n";
  append_field(out, "Host", options_.host);
  append_field(out, "Upgrade", "websocket");
  append_field(out, "Connection", "Upgrade");
  append_field(out, "Sec-WebSocket-Key", key_);
  if (!options_.origin.empty()) append_field(out, "Origin", options_.origin);
  append_field(out, "Sec-WebSocket-Version", "13");
  if (!options_.subprotocols.empty()) {
    std::string list;
    for (const auto& protocol : options_.subprotocols) {
      if (!http::is_token(protocol)) {
        throw std::invalid_argument("a subprotocol must be a token: " + protocol);
      }
      if (!list.empty()) list += ", ";
      list += protocol;
    }
    append_field(out, "Sec-WebSocket-Protocol", list);
  }
#if DUPLEX_LESSON >= 14
  // RFC 7692 §5: the offer; item 9 of RFC 6455 §4.1 allows Sec-WebSocket-Extensions.
  if (options_.deflate.enabled) {
    append_field(out, "Sec-WebSocket-Extensions", client_offer(options_.deflate));
  }
#endif
  for (const auto& [name, value] : options_.extra_fields) append_field(out, name, value);
  out += "\r\n";
  return out;
}

ClientHandshake::Status ClientHandshake::fail(std::string message) {
  status_ = Status::kFailed;
  error_ = std::move(message);
  return status_;
}

// @anchor lesson08-client-validate
bool ClientHandshake::validate(const http::ResponseHead& head) {
  const http::Headers& headers = head.headers;
  // §4.1 "validate the server's response", item 1: anything but 101 is an HTTP answer, not a
  // WebSocket; the caller may read it, but no frame may be sent.
  if (head.status != 101) {
    std::string message = "server answered " + std::to_string(head.status) + " " +
                          std::string(http::status_reason(head.status)) + ", not 101";
    if (head.status == 426) {
      message += " (it speaks Sec-WebSocket-Version: " +
                 std::string(headers.get("Sec-WebSocket-Version").value_or("?")) + ")";
    }
    fail(std::move(message));
    return false;
  }
  // Item 2: exactly "websocket", ASCII case-insensitive.
  if (headers.count("Upgrade") != 1 || !http::iequals(*headers.get("Upgrade"), "websocket")) {
    fail("101 response without 'Upgrade: websocket'");
    return false;
  }
  // Item 3: a token list holding "Upgrade".
  if (!headers.has_token("Connection", "upgrade")) {
    fail("101 response without 'Connection: Upgrade'");
    return false;
  }
  // Item 4: proof that the server read our key (leading and trailing whitespace is already gone).
  if (headers.count("Sec-WebSocket-Accept") != 1) {
    fail("101 response needs exactly one 'Sec-WebSocket-Accept'");
    return false;
  }
  if (*headers.get("Sec-WebSocket-Accept") != expected_accept_) {
    fail("wrong 'Sec-WebSocket-Accept': expected " + expected_accept_ + ", got " +
         std::string(*headers.get("Sec-WebSocket-Accept")));
    return false;
  }
  // Item 5: an extension in the answer must be one we offered.
  bool extensions_checked = false;
#if DUPLEX_LESSON >= 14
  // @anchor lesson14-client-check
  // RFC 7692 §7: the answer names permessage-deflate at most once, with parameters valid for a
  // response and compatible with our offer (a server_max_window_bits we can use, no
  // client_max_window_bits unless we offered it); anything else MUST fail the connection.
  if (options_.deflate.enabled) {
    std::string answer;
    for (std::string_view field : headers.get_all("Sec-WebSocket-Extensions")) {
      if (!answer.empty()) answer += ", ";
      answer += field;
    }
    ClientNegotiation check = check_server_response(answer, options_.deflate);
    if (check.failed()) {
      fail("server's 'Sec-WebSocket-Extensions' refused (" + std::string(to_string(check.problem)) +
           "): " + answer);
      return false;
    }
    deflate_ = check.agreed;
    extensions_checked = true;
  }
#endif
  // Without an offer, any extension in the answer is one we did not request.
  if (!extensions_checked && headers.count("Sec-WebSocket-Extensions") > 0) {
    fail("server chose an extension the client did not offer: " +
         std::string(*headers.get("Sec-WebSocket-Extensions")));
    return false;
  }
  // Item 6: at most one subprotocol, and one we offered, compared exactly as the server does.
  std::size_t protocols = headers.count("Sec-WebSocket-Protocol");
  if (protocols > 1) {
    fail("101 response with more than one 'Sec-WebSocket-Protocol'");
    return false;
  }
  if (protocols == 1) {
    std::string_view chosen = *headers.get("Sec-WebSocket-Protocol");
    bool offered = false;
    for (const auto& protocol : options_.subprotocols) offered = offered || protocol == chosen;
    if (!offered) {
      fail("server chose a subprotocol the client did not offer: " + std::string(chosen));
      return false;
    }
    subprotocol_ = chosen;
  }
  return true;
}

ClientHandshake::Status ClientHandshake::receive(std::string_view buffered) {
  if (status_ != Status::kNeedMore) return status_;
  http::ParseResult result = parser_.parse(buffered);
  if (result.need_more()) return status_;
  if (result.failed()) {
    return fail("malformed response head: " + std::string(result.error.reason));
  }
  status_code_ = parser_.head().status;
  if (!validate(parser_.head())) return status_;
  consumed_ = result.consumed;
  status_ = Status::kAccepted;
  return status_;
}

}  // namespace duplex::ws
