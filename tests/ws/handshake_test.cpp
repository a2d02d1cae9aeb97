// Tests for src/ws/handshake.cpp (lesson 08): every rule of RFC 6455 §4.2.1, one case each.
// @lesson 08
#include "src/ws/handshake.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "src/http/request_parser.hpp"
#include "tests/support/split_feed.hpp"

namespace duplex::ws {
namespace {

// RFC 6455 §1.3's example key and the accept value the RFC gives for it.
constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view kAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

// The request a browser sends, minus the fields that do not matter here.
const std::string kValid =
    "GET /chat HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

// Parses `text` as one request head (it must parse) and validates it.
HandshakeResult handshake(const std::string& text, const HandshakeOptions& options = {}) {
  http::RequestParser parser;
  http::ParseResult parsed = parser.parse(text);
  EXPECT_TRUE(parsed.done()) << text;
  if (!parsed.done()) return HandshakeResult();
  return validate_handshake(parser.head(), options);
}

// kValid with the field line `from` (including its CRLF) replaced by `to`.
std::string edit(std::string_view from, std::string_view to) {
  std::string text = kValid;
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  return text;
}

std::string with(std::string_view extra_lines) {
  return edit("\r\n\r\n", "\r\n" + std::string(extra_lines) + "\r\n\r\n");
}

struct Case {
  const char* name;
  const char* why;
  std::string request;
  HandshakeError error;
};

std::vector<Case> cases() {
  using E = HandshakeError;
  return {
      {"Valid", "the RFC's own example must pass", kValid, E::kNone},
      {"BrowserConnection", "browsers send 'keep-alive, Upgrade': a token list, not one value",
       edit("Connection: Upgrade", "Connection: keep-alive, Upgrade"), E::kNone},
      {"HeaderNameCase", "field names are case-insensitive (RFC 9110 §5.1)",
       edit("Sec-WebSocket-Key:", "sec-websocket-KEY:"), E::kNone},
      {"TokenCase", "'WebSocket' and 'UPGRADE' are the same tokens (§4.2.1 items 3, 4)",
       edit("Upgrade: websocket\r\nConnection: Upgrade",
            "Upgrade: WebSocket\r\nConnection: UPGRADE"),
       E::kNone},
      {"UpgradeList", "Upgrade is a list; other protocols may be offered beside websocket",
       edit("Upgrade: websocket", "Upgrade: h2c, websocket"), E::kNone},
      {"ConnectionSplitOverTwoFields", "a repeated field is one comma-joined list (RFC 9110 §5.3)",
       edit("Connection: Upgrade", "Connection: keep-alive\r\nConnection: Upgrade"), E::kNone},
      {"ZeroContentLength", "'Content-Length: 0' is no body", with("Content-Length: 0"), E::kNone},
      {"Http12", "§4.2.1 item 1 says HTTP/1.1 'or higher'", edit("HTTP/1.1", "HTTP/1.2"), E::kNone},
      {"Post", "§4.2.1 item 1: only GET", edit("GET", "POST"), E::kNotGet},
      {"LowercaseGet", "methods are case-sensitive (RFC 9110 §9.1): 'get' is not GET",
       edit("GET", "get"), E::kNotGet},
      {"Http10", "§4.2.1 item 1: HTTP/1.0 has no Upgrade mechanism", edit("HTTP/1.1", "HTTP/1.0"),
       E::kHttpTooOld},
      {"ChunkedBody", "body bytes after the head would be read as frames",
       with("Transfer-Encoding: chunked"), E::kHasBody},
      {"ContentLengthBody", "body bytes after the head would be read as frames",
       with("Content-Length: 5"), E::kHasBody},
      {"NoUpgrade", "§4.2.1 item 3: a plain GET is not a handshake",
       edit("Upgrade: websocket\r\n", ""), E::kNoUpgradeWebsocket},
      {"UpgradeOther", "§4.2.1 item 3: h2c is not websocket", edit("websocket", "h2c"),
       E::kNoUpgradeWebsocket},
      {"UpgradeSubstring", "a token is compared whole: 'websockets' is not 'websocket'",
       edit("Upgrade: websocket", "Upgrade: websockets"), E::kNoUpgradeWebsocket},
      {"NoConnection", "§4.2.1 item 4: a proxy that forwards Upgrade must also say Connection",
       edit("Connection: Upgrade\r\n", ""), E::kNoConnectionUpgrade},
      {"ConnectionKeepAliveOnly", "§4.2.1 item 4: keep-alive without upgrade",
       edit("Connection: Upgrade", "Connection: keep-alive"), E::kNoConnectionUpgrade},
      {"MissingKey", "§4.2.1 item 5", edit("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""),
       E::kMissingKey},
      {"DuplicateKey", "two keys: which one would the client check the answer against?",
       with("Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA=="), E::kDuplicateKey},
      {"Key15Bytes", "§4.2.1 item 5: 16 bytes exactly; 15 is one short",
       edit(kKey, "AQIDBAUGBwgJCgsMDQ4P"), E::kBadKey},
      {"Key17Bytes", "§4.2.1 item 5: 16 bytes exactly; 17 is one too many",
       edit(kKey, "AQIDBAUGBwgJCgsMDQ4PEBE="), E::kBadKey},
      {"KeyNotBase64", "'*' is outside the alphabet (RFC 4648 §4)",
       edit(kKey, "dGhlIHNhbXBsZSBub25jZQ*="), E::kBadKey},
      {"KeyUnpadded", "strict base64: the padding is part of the encoding",
       edit(kKey, "dGhlIHNhbXBsZSBub25jZQ"), E::kBadKey},
      {"KeyEmpty", "an empty value is no key", edit(kKey, ""), E::kBadKey},
      {"Version8", "§4.4: a draft version gets 426 with the one we speak", edit("13", "8"),
       E::kUnsupportedVersion},
      {"VersionMissing", "§4.2.1 item 6: no version is not version 13",
       edit("Sec-WebSocket-Version: 13\r\n", ""), E::kUnsupportedVersion},
      {"VersionList", "the client sends one version (§4.1 item 9), not a list",
       edit("Version: 13", "Version: 13, 8"), E::kUnsupportedVersion},
      {"VersionPadded", "'013' is not '13'", edit("Version: 13", "Version: 013"),
       E::kUnsupportedVersion},
      {"DuplicateVersion", "two version fields are ambiguous", with("Sec-WebSocket-Version: 13"),
       E::kDuplicateVersion},
      {"BadSubprotocol", "§4.1 item 10: subprotocols are tokens; '/' is a separator",
       with("Sec-WebSocket-Protocol: chat, a/b"), E::kBadSubprotocol},
      {"DuplicateOrigin", "two origins: the check could be fooled by looking at the wrong one",
       with("Origin: https://a.example\r\nOrigin: https://b.example"), E::kDuplicateOrigin},
  };
}

TEST(L08_Handshake, EveryRuleHasACase) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(std::string(c.name) + ": " + c.why);
    HandshakeError expected = c.error;
    HandshakeResult result = handshake(c.request);
    EXPECT_EQ(result.error, expected) << handshake_error_reason(result.error);
    EXPECT_EQ(result.response.status, handshake_error_status(expected));
    if (expected == HandshakeError::kNone) {
      EXPECT_TRUE(result.accepted());
    } else {
      EXPECT_FALSE(result.accepted());
      // gorilla/websocket style: the body names the cause.
      EXPECT_EQ(result.response.body, std::string(handshake_error_reason(expected)) + "\n");
    }
  }
}

// §4.2.1 item 2. The parser already refuses HTTP/1.1 without Host, and HTTP/1.0 (which may omit
// it) fails the version rule first, so the validator must not rely on either: a head built by
// hand, as another front end could produce, still needs Host.
TEST(L08_Handshake, MissingHostIsRefusedWhoeverBuiltTheHead) {
  http::RequestParser parser;
  ASSERT_TRUE(parser.parse(edit("Host: example.com\r\n", "")).failed());
  http::RequestHead head;
  head.method = "GET";
  head.method_id = http::Method::kGet;
  head.headers.add("Upgrade", "websocket");
  head.headers.add("Connection", "Upgrade");
  head.headers.add("Sec-WebSocket-Key", kKey);
  head.headers.add("Sec-WebSocket-Version", "13");
  HandshakeResult result = validate_handshake(head);
  EXPECT_EQ(result.error, HandshakeError::kMissingHost);
  EXPECT_EQ(result.response.status, 400);
  head.headers.add("Host", "example.com");
  EXPECT_TRUE(validate_handshake(head).accepted());
}

TEST(L08_Handshake, The101IsExactlyTheRfcExample) {
  HandshakeResult result = handshake(kValid);
  ASSERT_TRUE(result.accepted());
  EXPECT_EQ(result.path, "/chat");
  EXPECT_EQ(http::serialize(result.response),
            "HTTP/1.1 101 Switching Protocols\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Accept: " +
                std::string(kAccept) + "\r\n\r\n");
}

// §4.4: the client must learn which version to retry with.
TEST(L08_Handshake, WrongVersionGets426WithTheVersionWeSpeak) {
  HandshakeResult result = handshake(edit("Version: 13", "Version: 8"));
  EXPECT_EQ(result.response.status, 426);
  std::string wire = http::serialize(result.response);
  EXPECT_NE(wire.find("HTTP/1.1 426 Upgrade Required\r\n"), std::string::npos) << wire;
  EXPECT_NE(wire.find("\r\nSec-WebSocket-Version: 13\r\n"), std::string::npos) << wire;
  EXPECT_NE(wire.find("\r\nUpgrade: websocket\r\n"), std::string::npos) << wire;
  // Only the 426 carries it: a 400 must not suggest that the version was the problem.
  std::string other = http::serialize(handshake(edit("Upgrade: websocket\r\n", "")).response);
  EXPECT_EQ(other.find("Sec-WebSocket-Version"), std::string::npos) << other;
}

TEST(L08_Handshake, SubprotocolIsTheServersFirstChoiceThatWasOffered) {
  struct Sub {
    const char* why;
    const char* offered;  // the client's field lines, or "" for none
    std::vector<std::string> ours;
    const char* chosen;
  };
  const std::vector<Sub> subs = {
      {"server preference wins over client order",
       "Sec-WebSocket-Protocol: chat, superchat",
       {"superchat", "chat"},
       "superchat"},
      {"a match later in the server's list",
       "Sec-WebSocket-Protocol: v2.json",
       {"v3.json", "v2.json"},
       "v2.json"},
      {"no overlap: accepted without a subprotocol", "Sec-WebSocket-Protocol: mqtt", {"chat"}, ""},
      {"names are compared exactly: only Upgrade/Connection are case-free",
       "Sec-WebSocket-Protocol: Chat",
       {"chat"},
       ""},
      {"offers spread over two fields form one list",
       "Sec-WebSocket-Protocol: a\r\nSec-WebSocket-Protocol: b",
       {"b"},
       "b"},
      {"empty list elements are ignored (RFC 9110 §5.6.1)",
       "Sec-WebSocket-Protocol: , chat,",
       {"chat"},
       "chat"},
      {"no offer: none chosen", "", {"chat"}, ""},
      {"offer but the server speaks none", "Sec-WebSocket-Protocol: chat", {}, ""},
  };
  for (const auto& s : subs) {
    SCOPED_TRACE(s.why);
    HandshakeOptions options;
    options.subprotocols = s.ours;
    std::string request = *s.offered ? with(s.offered) : kValid;
    HandshakeResult result = handshake(request, options);
    ASSERT_TRUE(result.accepted()) << handshake_error_reason(result.error);
    EXPECT_EQ(result.subprotocol, s.chosen);
    std::string wire = http::serialize(result.response);
    if (*s.chosen) {
      EXPECT_NE(wire.find("\r\nSec-WebSocket-Protocol: " + std::string(s.chosen) + "\r\n"),
                std::string::npos)
          << wire;
    } else {
      // §4.2.2: no match means no field, never an empty one.
      EXPECT_EQ(wire.find("Sec-WebSocket-Protocol"), std::string::npos) << wire;
    }
  }
}

TEST(L08_Handshake, OriginCheckRefusesWith403) {
  HandshakeOptions options;
  options.check_origin = allow_origins({"https://app.example"});
  EXPECT_TRUE(handshake(with("Origin: https://app.example"), options).accepted());
  EXPECT_TRUE(handshake(with("Origin: HTTPS://APP.example"), options).accepted())
      << "origins compare case-insensitively";
  EXPECT_TRUE(handshake(kValid, options).accepted()) << "no Origin: a non-browser client";
  // Cross-site WebSocket hijacking: a page elsewhere must not ride on the user's cookies.
  HandshakeResult evil = handshake(with("Origin: https://evil.example"), options);
  EXPECT_EQ(evil.error, HandshakeError::kOriginRejected);
  EXPECT_EQ(evil.response.status, 403);
  options.check_origin = allow_origins({"https://app.example"}, false);
  EXPECT_EQ(handshake(kValid, options).error, HandshakeError::kOriginRejected);
  // The predicate sees exactly the field's value.
  std::string seen;
  options.check_origin = [&seen](std::optional<std::string_view> origin) {
    seen = origin.value_or("(none)");
    return true;
  };
  EXPECT_TRUE(handshake(with("Origin: http://localhost:8000"), options).accepted());
  EXPECT_EQ(seen, "http://localhost:8000");
}

TEST(L08_Handshake, WantsWebsocketTellsAnUpgradeAttemptFromPlainHttp) {
  http::RequestParser parser;
  ASSERT_TRUE(parser.parse(kValid).done());
  EXPECT_TRUE(wants_websocket(parser.head()));
  parser.reset();
  std::string plain = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(parser.parse(plain).done());
  EXPECT_FALSE(wants_websocket(parser.head()));
}

// The server-side mirror of the leftover-bytes bug: frames the client sent right behind its
// request (in the same read) start exactly at `consumed`, however the bytes were cut.
TEST(L08_Handshake, BytesAfterTheHeadAreLeftForTheFrameParser) {
  const std::string frame = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";  // masked "Hello"
  const std::string input = kValid + frame;
  for (const auto& plan : testing::split_plans(input)) {
    SCOPED_TRACE(plan.name);
    http::RequestParser parser;
    std::string buffered;
    http::ParseResult result;
    for (auto chunk : plan.chunks) {
      buffered.append(chunk);
      result = parser.parse(buffered);
      if (!result.need_more()) break;
    }
    ASSERT_TRUE(result.done());
    EXPECT_EQ(result.consumed, kValid.size());
    EXPECT_TRUE(validate_handshake(parser.head()).accepted());
  }
}

}  // namespace
}  // namespace duplex::ws
