// Tests for src/ws/client_handshake.cpp (lesson 08): the request a client sends, and every check
// it makes on the answer (RFC 6455 §4.1).
// @lesson 08
#include "src/ws/client_handshake.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "src/http/request_parser.hpp"
#include "src/ws/base64.hpp"
#include "src/ws/handshake.hpp"
#include "tests/support/split_feed.hpp"

namespace duplex::ws {
namespace {

constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";

const std::string kGood =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    "\r\n";

ClientHandshakeOptions options_for(std::vector<std::string> subprotocols = {}) {
  ClientHandshakeOptions options;
  options.host = "server.example.com";
  options.target = "/chat";
  options.subprotocols = std::move(subprotocols);
  return options;
}

// kGood with `from` replaced by `to`.
std::string edit(std::string_view from, std::string_view to) {
  std::string text = kGood;
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  return text;
}

TEST(L08_ClientHandshake, RequestIsTheRfcExampleAndPassesOurOwnServerCheck) {
  auto options = options_for({"chat", "superchat"});
  options.origin = "http://example.com";
  ClientHandshake client(options, std::string(kKey));
  std::string request = client.request();
  EXPECT_EQ(request,
            "GET /chat HTTP/1.1\r\n"
            "Host: server.example.com\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Origin: http://example.com\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: chat, superchat\r\n"
            "\r\n");
  http::RequestParser parser;
  ASSERT_TRUE(parser.parse(request).done());
  HandshakeOptions server;
  server.subprotocols = {"superchat"};
  HandshakeResult answer = validate_handshake(parser.head(), server);
  ASSERT_TRUE(answer.accepted());
  // The two halves agree: our server's 101 satisfies our client.
  std::string wire = http::serialize(answer.response);
  EXPECT_EQ(client.receive(wire), ClientHandshake::Status::kAccepted) << client.error();
  EXPECT_EQ(client.subprotocol(), "superchat");
}

// §4.1 item 7: 16 random bytes each time. Two equal keys in a row would mean no randomness.
TEST(L08_ClientHandshake, KeysAreSixteenRandomBytes) {
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) {
    std::string key = generate_client_key();
    auto decoded = base64_decode(key);
    ASSERT_TRUE(decoded.has_value()) << key;
    EXPECT_EQ(decoded->size(), 16U);
    seen.insert(key);
  }
  EXPECT_EQ(seen.size(), 64U);
}

// The mirror of the server's leftover-bytes bug: a server may send its first frames in the same
// segment as the 101. consumed() must stop exactly at the end of the head, however it was cut.
TEST(L08_ClientHandshake, FramesAfterThe101AreNotSwallowed) {
  const std::string frame = "\x81\x05Hello";
  const std::string input = kGood + frame;
  for (const auto& plan : testing::split_plans(input)) {
    SCOPED_TRACE(plan.name);
    ClientHandshake client(options_for(), std::string(kKey));
    std::string buffered;
    ClientHandshake::Status status = ClientHandshake::Status::kNeedMore;
    for (auto chunk : plan.chunks) {
      buffered.append(chunk);
      status = client.receive(buffered);
      if (status != ClientHandshake::Status::kNeedMore) break;
    }
    ASSERT_EQ(status, ClientHandshake::Status::kAccepted) << client.error();
    EXPECT_EQ(client.consumed(), kGood.size());
  }
}

TEST(L08_ClientHandshake, EveryCheckOnTheAnswer) {
  struct Case {
    const char* why;
    std::string response;
    std::vector<std::string> offered;
    const char* error;  // a piece of the error message, or nullptr for success
  };
  const std::vector<Case> cases = {
      {"the RFC's example answer", kGood, {}, nullptr},
      {"field names and the Upgrade value are case-insensitive (§4.1 items 2-3)",
       edit("Upgrade: websocket\r\nConnection: Upgrade",
            "upgrade: WebSocket\r\nconnection: keep-alive, upgrade"),
       {},
       nullptr},
      {"item 1: a 200 is a web page, not a WebSocket",
       edit("101 Switching Protocols", "200 OK"),
       {},
       "server answered 200 OK, not 101"},
      {"item 1: a 426 says which version the server speaks",
       "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n",
       {},
       "426 Upgrade Required, not 101 (it speaks Sec-WebSocket-Version: 13)"},
      {"item 2: no Upgrade field", edit("Upgrade: websocket\r\n", ""), {}, "'Upgrade: websocket'"},
      {"item 2: upgraded to something else",
       edit("Upgrade: websocket", "Upgrade: h2c"),
       {},
       "'Upgrade: websocket'"},
      {"item 3: no Connection field",
       edit("Connection: Upgrade\r\n", ""),
       {},
       "'Connection: Upgrade'"},
      {"item 4: a server that did not hash our key (a cache replaying an old 101?)",
       edit("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "dGhlIHNhbXBsZSBub25jZQ=="),
       {},
       "wrong 'Sec-WebSocket-Accept'"},
      {"item 4: no accept at all",
       edit("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", ""),
       {},
       "exactly one 'Sec-WebSocket-Accept'"},
      {"item 4: two accept fields",
       edit("\r\n\r\n", "\r\nSec-WebSocket-Accept: x\r\n\r\n"),
       {},
       "exactly one 'Sec-WebSocket-Accept'"},
      {"item 5: an extension we never offered (permessage-deflate would garble every frame)",
       edit("\r\n\r\n", "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"),
       {},
       "extension the client did not offer"},
      {"item 6: a subprotocol we never offered",
       edit("\r\n\r\n", "\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n"),
       {"chat"},
       "subprotocol the client did not offer: mqtt"},
      {"item 6: any subprotocol when we offered none",
       edit("\r\n\r\n", "\r\nSec-WebSocket-Protocol: chat\r\n\r\n"),
       {},
       "subprotocol the client did not offer"},
      {"item 6: the server must pick one, not echo a list",
       edit("\r\n\r\n", "\r\nSec-WebSocket-Protocol: chat, v2\r\n\r\n"),
       {"chat", "v2"},
       "subprotocol the client did not offer: chat, v2"},
      {"item 6: one we offered",
       edit("\r\n\r\n", "\r\nSec-WebSocket-Protocol: v2\r\n\r\n"),
       {"chat", "v2"},
       nullptr},
      {"the server may decline every offered subprotocol", kGood, {"chat"}, nullptr},
      {"garbage instead of HTTP", "SSH-2.0-OpenSSH_9.2\r\n\r\n", {}, "malformed response head"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.why);
    ClientHandshake client(options_for(c.offered), std::string(kKey));
    auto status = client.receive(c.response);
    if (c.error == nullptr) {
      EXPECT_EQ(status, ClientHandshake::Status::kAccepted) << client.error();
    } else {
      EXPECT_EQ(status, ClientHandshake::Status::kFailed);
      EXPECT_NE(client.error().find(c.error), std::string::npos) << client.error();
      // Failed is final: more bytes do not change the verdict.
      EXPECT_EQ(client.receive(c.response + kGood), ClientHandshake::Status::kFailed);
    }
  }
}

TEST(L08_ClientHandshake, StatusCodeOfARefusal) {
  ClientHandshake client(options_for(), std::string(kKey));
  EXPECT_EQ(client.receive("HTTP/1.1 403 Forb"), ClientHandshake::Status::kNeedMore);
  EXPECT_EQ(client.receive("HTTP/1.1 403 Forbidden\r\nContent-Length: 3\r\n\r\nno\n"),
            ClientHandshake::Status::kFailed);
  EXPECT_EQ(client.status_code(), 403);
}

// Response splitting on the client side: a value with CRLF would add fields of its own.
TEST(L08_ClientHandshake, RequestRefusesFieldsThatWouldBreakTheHead) {
  auto options = options_for();
  options.host = "a.example\r\nX-Injected: 1";
  EXPECT_THROW(ClientHandshake(options).request(), std::invalid_argument);
  options = options_for();
  options.target = "/a b";
  EXPECT_THROW(ClientHandshake(options).request(), std::invalid_argument);
  options = options_for({"not a token"});
  EXPECT_THROW(ClientHandshake(options).request(), std::invalid_argument);
  options = options_for();
  options.extra_fields = {{"Authorization", "Bearer x\n"}};
  EXPECT_THROW(ClientHandshake(options).request(), std::invalid_argument);
}

}  // namespace
}  // namespace duplex::ws
