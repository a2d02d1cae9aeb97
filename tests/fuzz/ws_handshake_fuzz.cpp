// libFuzzer target for src/ws/handshake.cpp and src/ws/client_handshake.cpp (lesson 08).
//
// The input is parsed as a request head by http::RequestParser and, when it parses, validated as
// a WebSocket handshake. Invariants: no crash or over-read (ASan); a 101 only when every rule of
// RFC 6455 §4.2.1 holds, re-checked here by a separate, plain reading of the fields; the accept
// value right; our own client accepts every 101 we produce; every refusal is 400, 403 or 426 with
// a reason body. The same bytes are also given to the client side as a server's answer.
// @lesson 08
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "src/http/request_parser.hpp"
#include "src/http/response.hpp"
#include "src/ws/accept_key.hpp"
#include "src/ws/base64.hpp"
#include "src/ws/client_handshake.hpp"
#include "src/ws/handshake.hpp"

namespace {

using namespace duplex;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Does any field `name` hold `token` as a whole comma-separated element (OWS trimmed)?
bool list_has(const http::Headers& headers, std::string_view name, std::string_view token) {
  for (const auto& field : headers) {
    if (lower(field.name) != lower(name)) continue;
    std::string value = lower(field.value);
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t end = value.find(',', start);
      if (end == std::string::npos) end = value.size();
      std::string element = value.substr(start, end - start);
      while (!element.empty() && (element.front() == ' ' || element.front() == '\t')) {
        element.erase(0, 1);
      }
      while (!element.empty() && (element.back() == ' ' || element.back() == '\t')) {
        element.pop_back();
      }
      if (element == token) return true;
      start = end + 1;
    }
  }
  return false;
}

void check_server(std::string_view input) {
  http::RequestParser parser;
  http::ParseResult parsed = parser.parse(input);
  if (!parsed.done()) return;
  const http::RequestHead& head = parser.head();
  ws::HandshakeOptions options;
  options.subprotocols = {"chat", "v2.duplex"};
  options.check_origin = ws::allow_origins({"http://ok.example"});
  ws::HandshakeResult result = ws::validate_handshake(head, options);
  std::string wire = http::serialize(result.response);

  if (!result.accepted()) {
    int status = result.response.status;
    if (status != 400 && status != 403 && status != 426) std::abort();
    if (status != ws::handshake_error_status(result.error)) std::abort();
    if (result.response.body.empty()) std::abort();
    if (status == 426 && wire.find("\r\nSec-WebSocket-Version: 13\r\n") == std::string::npos) {
      std::abort();
    }
    return;
  }
  // Every rule, read again without the validator's helpers.
  const http::Headers& headers = head.headers;
  if (head.method != "GET") std::abort();
  if (head.version_major != 1 || head.version_minor < 1) std::abort();
  if (headers.count("host") != 1) std::abort();
  if (!list_has(headers, "upgrade", "websocket")) std::abort();
  if (!list_has(headers, "connection", "upgrade")) std::abort();
  if (headers.count("sec-websocket-key") != 1) std::abort();
  std::string_view key = *headers.get("sec-websocket-key");
  auto decoded = ws::base64_decode(key);
  if (!decoded || decoded->size() != 16) std::abort();
  if (headers.count("sec-websocket-version") != 1 ||
      *headers.get("sec-websocket-version") != "13") {
    std::abort();
  }
  if (headers.count("origin") > 1) std::abort();
  if (auto origin = headers.get("origin"); origin && lower(*origin) != "http://ok.example") {
    std::abort();
  }
  if (head.body.kind == http::BodyFraming::Kind::kChunked ||
      (head.body.kind == http::BodyFraming::Kind::kContentLength && head.body.length != 0)) {
    std::abort();
  }
  if (result.response.status != 101) std::abort();
  if (wire.find("\r\nSec-WebSocket-Accept: " + ws::compute_accept_key(key) + "\r\n") ==
      std::string::npos) {
    std::abort();
  }
  if (!result.subprotocol.empty() && result.subprotocol != "chat" &&
      result.subprotocol != "v2.duplex") {
    std::abort();
  }
  // RFC 7692 §5: permessage-deflate in the 101 only when the request offered it, and then in a
  // response that parses back to what the server agreed.
  if (result.deflate) {
    auto field = wire.find("\r\nSec-WebSocket-Extensions: ");
    if (field == std::string::npos) std::abort();
    auto value_at = field + std::string_view("\r\nSec-WebSocket-Extensions: ").size();
    std::string_view value =
        std::string_view(wire).substr(value_at, wire.find("\r\n", value_at) - value_at);
    auto parsed = ws::parse_extensions(value);
    if (!parsed || parsed->size() != 1 || (*parsed)[0].name != ws::kPerMessageDeflate) std::abort();
    if (value != ws::to_header_value(*result.deflate)) std::abort();
    // Our client offers only its own parameters, which need not be the request's: the
    // round trip below is for the answers without an extension.
    return;
  }
  // Our own client, offering what the request offered, must accept our own 101.
  ws::ClientHandshakeOptions client_options;
  if (!result.subprotocol.empty()) client_options.subprotocols = {result.subprotocol};
  ws::ClientHandshake client(client_options, std::string(key));
  if (client.receive(wire) != ws::ClientHandshake::Status::kAccepted) std::abort();
  if (client.consumed() != wire.size()) std::abort();
  if (client.subprotocol() != result.subprotocol) std::abort();
}

void check_client(std::string_view input) {
  ws::ClientHandshakeOptions options;
  options.subprotocols = {"chat"};
  ws::ClientHandshake client(options, "dGhlIHNhbXBsZSBub25jZQ==");
  auto status = client.receive(input);
  if (status != ws::ClientHandshake::Status::kAccepted) return;
  if (client.consumed() > input.size() || client.status_code() != 101) std::abort();
  if (input.find(client.expected_accept()) == std::string_view::npos) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  check_server(input);
  check_client(input);
  return 0;
}
