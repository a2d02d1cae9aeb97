// RFC 6455 conformance of the /echo endpoint (lesson 10), category by category, in the spirit
// of the Autobahn test suite: framing, ping/pong, reserved bits, opcodes, fragmentation, UTF-8
// (fail-fast inside fragments), limits up to 16 MiB, and close handling. Each test drives the
// echo endpoint over a real loopback socket with WsRawClient, which can send any bytes; every
// read has a deadline. docs/rfc6455-conformance.md maps each MUST of the RFC to these tests.
// @lesson 10
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/app/echo_endpoint.hpp"
#include "tests/support/ws_raw_client.hpp"
#include "tests/ws/ws_server_fixture.hpp"

namespace duplex::ws {
namespace {

using testing::raw_frame;
using testing::WsRawClient;
using testing::WsTestServer;

constexpr std::uint8_t kText = 0x1;
constexpr std::uint8_t kBinary = 0x2;
constexpr std::uint8_t kContinuation = 0x0;
constexpr std::uint8_t kClose = 0x8;
constexpr std::uint8_t kPing = 0x9;
constexpr std::uint8_t kPong = 0xA;

class Echo {
 public:
  explicit Echo(WsOptions options = app::echo_options())
      : server_([options](http::Router& router) { app::install_echo_endpoint(router, options); }) {}
  WsRawClient connect(std::string_view first_bytes = {}) {
    return WsRawClient::connect(server_.port(), "/echo", first_bytes);
  }

 private:
  WsTestServer server_;
};

// The next frame must be `opcode` with `payload`.
void expect_frame(WsRawClient& client, std::uint8_t opcode, const std::string& payload) {
  auto frame = client.read_frame();
  ASSERT_TRUE(frame) << "connection closed, expected opcode " << int{opcode};
  EXPECT_EQ(frame->opcode, opcode);
  EXPECT_TRUE(frame->fin);
  EXPECT_EQ(frame->rsv, 0);
  EXPECT_FALSE(frame->masked);
  EXPECT_EQ(frame->payload.size(), payload.size());
  EXPECT_TRUE(frame->payload == payload);
}

// The server failed the connection: a close frame with `code`, then the end of TCP (§7.1.7).
void expect_failure(WsRawClient& client, std::uint16_t code) {
  auto frame = client.read_frame();
  ASSERT_TRUE(frame) << "connection closed without a close frame";
  ASSERT_EQ(frame->opcode, kClose);
  EXPECT_EQ(frame->close_code(), code) << frame->close_reason();
  EXPECT_TRUE(client.wait_for_eof());
}

// A clean close: we send `code`, the server echoes it and ends TCP.
void expect_clean_close(WsRawClient& client) {
  client.send_close(1000);
  auto frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->opcode, kClose);
  EXPECT_EQ(frame->close_code(), 1000);
  EXPECT_TRUE(client.wait_for_eof());
}

// ---------------------------------------------------------------------------------------------
// Framing (RFC 6455 §5.2): every length encoding, both data opcodes, any split.

TEST(L10_Conformance_Framing, TextOfEveryLengthEncoding) {
  Echo echo;
  WsRawClient client = echo.connect();
  for (std::size_t size : {0, 1, 125, 126, 127, 65535, 65536, 100000}) {
    SCOPED_TRACE(size);
    std::string text(size, '*');
    client.send_text(text);
    expect_frame(client, kText, text);
  }
  expect_clean_close(client);
}

TEST(L10_Conformance_Framing, BinaryOfEveryLengthEncoding) {
  Echo echo;
  WsRawClient client = echo.connect();
  for (std::size_t size : {0, 1, 125, 126, 127, 65535, 65536, 100000}) {
    SCOPED_TRACE(size);
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(i * 7);
    client.send_binary(bytes);
    expect_frame(client, kBinary, bytes);
  }
  expect_clean_close(client);
}

// TCP may deliver a frame in any number of pieces; here, one byte per write.
TEST(L10_Conformance_Framing, FrameWrittenOneByteAtATime) {
  Echo echo;
  WsRawClient client = echo.connect();
  std::string frame = raw_frame(kText, std::string(300, 'z'));
  for (char byte : frame) client.send_raw(std::string_view(&byte, 1));
  expect_frame(client, kText, std::string(300, 'z'));
}

// §5.1: a server MUST close the connection when a client frame is not masked.
TEST(L10_Conformance_Framing, UnmaskedFrameFailsWith1002) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_raw(raw_frame(kText, "plain", true, false));
  expect_failure(client, 1002);
}

// §5.2: the most significant bit of a 64-bit length MUST be 0.
TEST(L10_Conformance_Framing, LengthWithTopBitSetFailsWith1002) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_raw(std::string("\x82\xff\x80\x00\x00\x00\x00\x00\x00\x01", 10) + "\x37\xfa\x21\x3d");
  expect_failure(client, 1002);
}

// §5.2: the minimal number of bytes MUST be used to encode the length.
TEST(L10_Conformance_Framing, NonMinimalLengthFailsWith1002) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_raw(std::string("\x81\xfe\x00\x05", 4) + "\x37\xfa\x21\x3d" + "abcde");
  expect_failure(client, 1002);
}

// The handshake and the first frames in one write: nothing is lost at the switch.
TEST(L10_Conformance_Framing, FramesInTheHandshakePacket) {
  Echo echo;
  WsRawClient client = echo.connect(raw_frame(kText, "one") + raw_frame(kBinary, "two"));
  expect_frame(client, kText, "one");
  expect_frame(client, kBinary, "two");
}

// ---------------------------------------------------------------------------------------------
// Ping and pong (§5.5.2, §5.5.3).

TEST(L10_Conformance_PingPong, PingIsAnsweredWithIdenticalPayload) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_frame(kPing, "");
  expect_frame(client, kPong, "");
  std::string payload(125, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(255 - i);
  client.send_frame(kPing, payload);
  expect_frame(client, kPong, payload);
  expect_clean_close(client);
}

// §5.5: control frames MUST have a payload of 125 bytes or less.
TEST(L10_Conformance_PingPong, PingOver125BytesFailsWith1002) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_frame(kPing, std::string(126, 'p'));
  expect_failure(client, 1002);
}

// §5.5: control frames MUST NOT be fragmented.
TEST(L10_Conformance_PingPong, FragmentedPingFailsWith1002) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_frame(kPing, "half", false);
  expect_failure(client, 1002);
}

// §5.5.3: an unsolicited pong is not answered and is not an error.
TEST(L10_Conformance_PingPong, UnsolicitedPongIsIgnored) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_frame(kPong, "heartbeat");
  client.send_text("after");
  expect_frame(client, kText, "after");
}

TEST(L10_Conformance_PingPong, TenPingsInOneWriteGetTenPongsInOrder) {
  Echo echo;
  WsRawClient client = echo.connect();
  std::string pings;
  for (int i = 0; i < 10; ++i) pings += raw_frame(kPing, "ping " + std::to_string(i));
  client.send_raw(pings);
  for (int i = 0; i < 10; ++i) expect_frame(client, kPong, "ping " + std::to_string(i));
}

// §5.5.1: after the close, nothing else is processed: a ping behind it gets no pong.
TEST(L10_Conformance_PingPong, PingAfterCloseIsNotAnswered) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_raw(testing::raw_close(1000) + raw_frame(kPing, "late"));
  auto frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->opcode, kClose);
  EXPECT_TRUE(client.wait_for_eof());
}

// ---------------------------------------------------------------------------------------------
// Reserved bits (§5.2): without a negotiated extension RSV1-3 MUST be 0.

TEST(L10_Conformance_ReservedBits, EveryNonZeroRsvFailsWith1002) {
  Echo echo;
  for (std::uint8_t rsv = 1; rsv <= 7; ++rsv) {
    WsRawClient client = echo.connect();
    client.send_raw(raw_frame(kText, "rsv", true, true, rsv));
    expect_failure(client, 1002);
  }
}

TEST(L10_Conformance_ReservedBits, RsvOnAControlFrameFailsWith1002) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_raw(raw_frame(kPing, "", true, true, 0b001));
  expect_failure(client, 1002);
}

// Frames before the bad one are handled (echoed); nothing after it is (the ping gets no pong).
TEST(L10_Conformance_ReservedBits, GoodFrameBeforeIsEchoedBadFrameFails) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_raw(raw_frame(kText, "fine") + raw_frame(kText, "bad", true, true, 0b010) +
                  raw_frame(kPing, "never"));
  expect_frame(client, kText, "fine");
  expect_failure(client, 1002);
}

// ---------------------------------------------------------------------------------------------
// Opcodes (§5.2): reserved opcodes MUST fail the connection.

TEST(L10_Conformance_Opcodes, ReservedOpcodesFailWith1002) {
  Echo echo;
  for (std::uint8_t opcode : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    WsRawClient client = echo.connect();
    client.send_raw(raw_frame(kText, "before") + raw_frame(opcode, "x"));
    expect_frame(client, kText, "before");
    expect_failure(client, 1002);
  }
}

// ---------------------------------------------------------------------------------------------
// Fragmentation (§5.4).

TEST(L10_Conformance_Fragmentation, FragmentsAreJoinedIntoOneMessage) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_frame(kText, "frag", false);
  client.send_frame(kContinuation, "men", false);
  client.send_frame(kContinuation, "ted");
  expect_frame(client, kText, "fragmented");
  client.send_frame(kBinary, std::string("\x00", 1), false);
  client.send_frame(kContinuation, "", false);  // an empty fragment is allowed
  client.send_frame(kContinuation, std::string("\x01", 1));
  expect_frame(client, kBinary, std::string("\x00\x01", 2));
}

TEST(L10_Conformance_Fragmentation, OneBytePerFragment) {
  Echo echo;
  WsRawClient client = echo.connect();
  std::string text = "one byte per fragment";
  std::string frames;
  for (std::size_t i = 0; i < text.size(); ++i) {
    frames += raw_frame(i == 0 ? kText : kContinuation, text.substr(i, 1), i + 1 == text.size());
  }
  client.send_raw(frames);
  expect_frame(client, kText, text);
}

// §5.4: control frames MAY be injected in the middle of a fragmented message; the pong comes
// at once, before the message is complete.
TEST(L10_Conformance_Fragmentation, PingBetweenFragmentsIsAnsweredFirst) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_frame(kText, "Hel", false);
  client.send_frame(kPing, "in between");
  expect_frame(client, kPong, "in between");
  client.send_frame(kPong, "unsolicited");
  client.send_frame(kContinuation, "lo");
  expect_frame(client, kText, "Hello");
}

TEST(L10_Conformance_Fragmentation, ContinuationWithoutStartFailsWith1002) {
  Echo echo;
  for (bool fin : {false, true}) {
    WsRawClient client = echo.connect();
    client.send_frame(kContinuation, "orphan", fin);
    expect_failure(client, 1002);
  }
}

TEST(L10_Conformance_Fragmentation, NewDataFrameInsideFragmentedMessageFailsWith1002) {
  Echo echo;
  for (std::uint8_t opcode : {kText, kBinary}) {
    WsRawClient client = echo.connect();
    client.send_frame(kText, "start", false);
    client.send_frame(opcode, "intruder");
    expect_failure(client, 1002);
  }
}

TEST(L10_Conformance_Fragmentation, FragmentedCloseFailsWith1002) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_raw(raw_frame(kClose, std::string("\x03\xe8", 2), false));
  expect_failure(client, 1002);
}

// ---------------------------------------------------------------------------------------------
// UTF-8 (§5.6, §8.1): text MUST be valid UTF-8; invalid text fails with 1007, as early as the
// first byte that cannot be part of a valid sequence.

TEST(L10_Conformance_Utf8, ValidTextIsEchoed) {
  Echo echo;
  WsRawClient client = echo.connect();
  for (std::string text :
       {"Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!",
        "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", "\xf0\x9d\x84\x9e", "\xef\xbf\xbf",
        "\xf4\x8f\xbf\xbf", "\x7f", "\xed\x9f\xbf"}) {
    client.send_text(text);
    expect_frame(client, kText, text);
  }
}

TEST(L10_Conformance_Utf8, InvalidTextFailsWith1007) {
  Echo echo;
  const std::vector<std::string> invalid = {
      "\x80",              // a continuation byte alone
      "\xc0\xaf",          // overlong '/'
      "\xe0\x80\xaf",      // overlong, three bytes
      "\xed\xa0\x80",      // UTF-16 surrogate U+D800
      "\xf4\x90\x80\x80",  // above U+10FFFF
      "\xff",              // never valid
      "ok\xce",            // ends inside a sequence
  };
  for (const std::string& text : invalid) {
    WsRawClient client = echo.connect();
    client.send_text(text);
    expect_failure(client, 1007);
  }
}

// A valid sequence may be cut anywhere between fragments.
TEST(L10_Conformance_Utf8, ValidTextSplitAtEveryByteAcrossFragments) {
  Echo echo;
  WsRawClient client = echo.connect();
  std::string text = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf0\x9d\x84\x9e";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    client.send_raw(raw_frame(kText, text.substr(0, cut), false) +
                    raw_frame(kContinuation, text.substr(cut)));
    expect_frame(client, kText, text);
  }
}

// Fail fast: the first fragment is already invalid, and the rest is never sent. The server must
// not wait for the end of the message to notice.
TEST(L10_Conformance_Utf8, FailsFastInsideAFragment) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_frame(kText, "\xce\xba\xe1\xbd\xb9\xed\xa0\x80", false);
  expect_failure(client, 1007);
}

// Fail fast inside one frame: the header promises 1000 bytes, byte 3 is invalid, and only 10
// bytes are ever sent.
TEST(L10_Conformance_Utf8, FailsFastInsideAFrame) {
  Echo echo;
  WsRawClient client = echo.connect();
  std::string frame = raw_frame(kText, std::string("ab\xff") + std::string(997, 'c'));
  client.send_raw(frame.substr(0, 8 + 10));  // 2+2 header bytes, 4 key bytes, 10 payload bytes
  expect_failure(client, 1007);
}

// ---------------------------------------------------------------------------------------------
// Limits (§10.4) and performance: 16 MiB messages, and many small ones in one write.

TEST(L10_Conformance_Limits, SixteenMiBTextMessageIsEchoed) {
  Echo echo;
  WsRawClient client = echo.connect();
  std::string text;
  text.reserve(app::kEchoMaxMessage);
  while (text.size() + 4 <= app::kEchoMaxMessage) text += "\xf0\x9d\x84\x9e";
  text.append(app::kEchoMaxMessage - text.size(), 'a');
  client.send_text(text);
  expect_frame(client, kText, text);
  expect_clean_close(client);
}

TEST(L10_Conformance_Limits, SixteenMiBBinaryMessageIn64KiBFragmentsIsEchoed) {
  Echo echo;
  WsRawClient client = echo.connect();
  std::string bytes(app::kEchoMaxMessage, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i % 251);
  constexpr std::size_t kPiece = 64 * 1024;
  for (std::size_t at = 0; at < bytes.size(); at += kPiece) {
    client.send_raw(raw_frame(at == 0 ? kBinary : kContinuation,
                              std::string_view(bytes).substr(at, kPiece),
                              at + kPiece >= bytes.size()));
  }
  expect_frame(client, kBinary, bytes);
}

// The header alone announces too much: 1009 before a payload byte is sent.
TEST(L10_Conformance_Limits, FrameOverTheLimitFailsWith1009) {
  Echo echo;
  WsRawClient client = echo.connect();
  std::uint64_t size = app::kEchoMaxMessage + 1;
  std::string header("\x82\xff", 2);
  for (int shift = 56; shift >= 0; shift -= 8) header += static_cast<char>((size >> shift) & 0xFF);
  client.send_raw(header + "\x37\xfa\x21\x3d");
  expect_failure(client, 1009);
}

// Fragments each within the frame limit but together over the message limit.
TEST(L10_Conformance_Limits, FragmentsOverTheMessageLimitFailWith1009) {
  WsOptions options = app::echo_options();
  options.limits.max_message_size = 1000;
  options.limits.max_frame_size = 1000;
  Echo echo(options);
  WsRawClient client = echo.connect();
  client.send_frame(kBinary, std::string(600, 'a'), false);
  client.send_frame(kContinuation, std::string(600, 'b'));
  expect_failure(client, 1009);
}

TEST(L10_Conformance_Limits, ThousandSmallMessagesInOneWriteComeBackInOrder) {
  Echo echo;
  WsRawClient client = echo.connect();
  std::string frames;
  for (int i = 0; i < 1000; ++i) frames += raw_frame(kText, "message " + std::to_string(i));
  client.send_raw(frames);
  for (int i = 0; i < 1000; ++i) expect_frame(client, kText, "message " + std::to_string(i));
}

// ---------------------------------------------------------------------------------------------
// Close (§5.5.1, §7): codes, reasons, and what happens after.

TEST(L10_Conformance_Close, EmptyCloseIsAnsweredWithAnEmptyClose) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_close(std::nullopt);
  expect_frame(client, kClose, "");
  EXPECT_TRUE(client.wait_for_eof());
}

TEST(L10_Conformance_Close, ValidCodesAreEchoed) {
  Echo echo;
  for (std::uint16_t code :
       {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
    WsRawClient client = echo.connect();
    client.send_close(code, "reason");
    auto frame = client.read_frame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->opcode, kClose);
    EXPECT_EQ(frame->close_code(), code);
    EXPECT_TRUE(client.wait_for_eof()) << code;
  }
}

// §7.4: 1005, 1006 and 1015 MUST NOT be sent; unassigned codes are protocol errors.
TEST(L10_Conformance_Close, InvalidCodesFailWith1002) {
  Echo echo;
  for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535}) {
    WsRawClient client = echo.connect();
    client.send_close(code);
    expect_failure(client, 1002);
  }
}

// §5.5.1: a body, if present, starts with a two-byte code: one byte cannot be a close body.
TEST(L10_Conformance_Close, OneBytePayloadFailsWith1002) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_frame(kClose, "\x03");
  expect_failure(client, 1002);
}

TEST(L10_Conformance_Close, LongestReasonIsAccepted) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_close(1000, std::string(123, 'r'));
  auto frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->close_code(), 1000);
  EXPECT_TRUE(client.wait_for_eof());
}

// A close frame is a control frame: 2 + 124 bytes is over 125.
TEST(L10_Conformance_Close, ReasonOver123BytesFailsWith1002) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_close(1000, std::string(124, 'r'));
  expect_failure(client, 1002);
}

TEST(L10_Conformance_Close, ReasonThatIsNotUtf8FailsWith1007) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_close(1000, "\xce\xba\xed\xa0\x80");
  expect_failure(client, 1007);
}

// §5.5.1: after sending a close an endpoint sends no more data; after receiving one, the
// server processes nothing behind it and closes TCP.
TEST(L10_Conformance_Close, DataAfterCloseIsIgnored) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_raw(testing::raw_close(1000) + raw_frame(kText, "too late"));
  auto frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->opcode, kClose);
  EXPECT_TRUE(client.wait_for_eof());
}

// The echo of a message sent before the close still arrives, before the close reply.
TEST(L10_Conformance_Close, MessageBeforeCloseIsEchoedFirst) {
  Echo echo;
  WsRawClient client = echo.connect();
  client.send_raw(raw_frame(kText, "last words") + testing::raw_close(1001, "leaving"));
  expect_frame(client, kText, "last words");
  auto frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->close_code(), 1001);
  EXPECT_TRUE(client.wait_for_eof());
}

}  // namespace
}  // namespace duplex::ws
