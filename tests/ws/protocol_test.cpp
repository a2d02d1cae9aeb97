// Tests for src/ws/protocol.cpp (lesson 10), grouped like the Autobahn conformance categories:
// framing, ping/pong, reserved bits, opcodes, fragmentation, UTF-8, limits, closing. Every input
// is fed at every split point and must give the same events and the same bytes to send.
// @lesson 10
#include "src/ws/protocol.hpp"

#include <gtest/gtest.h>

#include "src/ws/frame_writer.hpp"
#include "tests/support/guarded_buffer.hpp"
#include "tests/support/split_feed.hpp"

namespace duplex::ws {
namespace {

const MaskKey kKey{0x37, 0xfa, 0x21, 0x3d};

// A frame as a client sends it (masked).
std::string c(Opcode op, std::string_view payload, bool fin = true) {
  return serialize_frame(op, payload, fin, kKey);
}
// A frame as a server sends it (unmasked).
std::string s(Opcode op, std::string_view payload, bool fin = true) {
  return serialize_frame(op, payload, fin);
}
std::string close_body(std::uint16_t code, std::string_view reason = {}) {
  std::string body{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  return body + std::string(reason);
}
// A raw client frame with any first byte (to set RSV bits or reserved opcodes).
std::string raw_client(std::uint8_t first, std::string_view payload) {
  std::string frame = c(Opcode::kText, payload);
  frame[0] = static_cast<char>(first);
  return frame;
}

std::string describe(const std::vector<Event>& events) {
  std::string log;
  for (const auto& e : events) {
    switch (e.kind) {
      case Event::Kind::kText:
        log += "text:" + e.data;
        break;
      case Event::Kind::kBinary:
        log += "binary:" + e.data;
        break;
      case Event::Kind::kPing:
        log += "ping:" + e.data;
        break;
      case Event::Kind::kPong:
        log += "pong:" + e.data;
        break;
      case Event::Kind::kClose:
        log += "close " + std::to_string(to_int(e.code)) + ":" + e.data;
        break;
      case Event::Kind::kFailure:
        log += "fail " + std::to_string(to_int(e.code)) + ":" + e.data;
        break;
    }
    log += "\n";
  }
  return log;
}

struct Outcome {
  std::string events;
  std::string sent;
};

Outcome run(Role role, const std::vector<std::string_view>& chunks, ProtocolLimits limits = {}) {
  Protocol protocol(role, limits, [] { return MaskKey{1, 2, 3, 4}; });
  Outcome out;
  for (auto chunk : chunks) {
    protocol.receive_data(chunk);
    out.events += describe(protocol.events_received());
    out.sent += protocol.data_to_send();
  }
  return out;
}

// Runs `input` through a server at every split and checks the events and the reply.
void expect_server(std::string_view input, const std::string& events, const std::string& sent,
                   ProtocolLimits limits = {}) {
  for (const auto& plan : duplex::testing::split_plans(input, 1, 4, 1024)) {
    Outcome out = run(Role::kServer, plan.chunks, limits);
    ASSERT_EQ(out.events, events) << plan.name;
    ASSERT_EQ(out.sent, sent) << plan.name;
  }
}

std::string fail_close(std::uint16_t code, std::string_view reason) {
  return s(Opcode::kClose, close_body(code, reason));
}

// --- Framing ---

TEST(L10_Protocol, TextAndBinaryMessages) {
  expect_server(c(Opcode::kText, "Hello") + c(Opcode::kBinary, std::string("\x00\xff", 2)) +
                    c(Opcode::kText, ""),
                "text:Hello\nbinary:" + std::string("\x00\xff", 2) + "\ntext:\n", "");
}

TEST(L10_Protocol, BoundarySizes) {
  for (std::size_t size : {0, 1, 125, 126, 127, 65535, 65536}) {
    std::string payload(size, 'q');
    Outcome out = run(Role::kServer, {c(Opcode::kBinary, payload)});
    EXPECT_EQ(out.events, "binary:" + payload + "\n") << size;
  }
}

// Many whole frames in one read take the parser's one-step path; byte by byte they never can.
// Messages, fragments, pings (answered), UTF-8 and the message limit must come out the same.
TEST(L10_Protocol, ManyWholeFramesMatchByteAtATime) {
  std::string input, events, sent;
  for (std::size_t size : {0, 1, 3, 8, 32, 125, 126, 1000, 65536}) {
    std::string text(size, 'x');
    for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + i % 26);
    input += c(Opcode::kText, text) + c(Opcode::kBinary, text.substr(0, size / 2), false) +
             c(Opcode::kPing, text.substr(0, 5)) + c(Opcode::kContinuation, text.substr(size / 2));
    events += "text:" + text + "\nping:" + text.substr(0, 5) + "\nbinary:" + text + "\n";
    sent += s(Opcode::kPong, text.substr(0, 5));
  }
  input += c(Opcode::kText, "caf\xc3\xa9") + c(Opcode::kText, "\xc3(");
  events += "text:caf\xc3\xa9\nfail 1007:invalid UTF-8 in a text message\n";
  sent += fail_close(1007, "invalid UTF-8 in a text message");
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i)
    bytes.push_back(std::string_view(input).substr(i, 1));
  Outcome whole = run(Role::kServer, {input});
  Outcome bytewise = run(Role::kServer, bytes);
  EXPECT_EQ(whole.events, events);
  EXPECT_EQ(whole.sent, sent);
  EXPECT_EQ(bytewise.events, whole.events);
  EXPECT_EQ(bytewise.sent, whole.sent);
}

TEST(L10_Protocol, ClientRoleReadsUnmaskedAndSendsMasked) {
  Protocol client(Role::kClient, {}, [] { return kKey; });
  client.receive_data(s(Opcode::kText, "Hello"));
  EXPECT_EQ(describe(client.events_received()), "text:Hello\n");
  EXPECT_TRUE(client.send_text("Hello"));
  EXPECT_EQ(client.data_to_send(), "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
  // §5.1: a masked frame from the server fails the client.
  client.receive_data(c(Opcode::kText, "x"));
  EXPECT_EQ(describe(client.events_received()), "fail 1002:masked frame from a server\n");
}

// §5.1, §10.3: a server that accepted unmasked frames would expose proxies to cache poisoning.
TEST(L10_Protocol, UnmaskedClientFrameFails1002) {
  expect_server(s(Opcode::kText, "Hello"), "fail 1002:unmasked frame from a client\n",
                fail_close(1002, "unmasked frame from a client"));
}

// --- Ping / pong ---

TEST(L10_Protocol, PingIsAnsweredWithTheSamePayload) {
  std::string payload(125, 'p');
  expect_server(c(Opcode::kPing, "Hello") + c(Opcode::kPing, payload) + c(Opcode::kPing, ""),
                "ping:Hello\nping:" + payload + "\nping:\n",
                s(Opcode::kPong, "Hello") + s(Opcode::kPong, payload) + s(Opcode::kPong, ""));
}

// §5.5.3: unsolicited pongs are heartbeats, not errors; they get no answer.
TEST(L10_Protocol, UnsolicitedPongIsReportedAndNotAnswered) {
  expect_server(c(Opcode::kPong, "beat"), "pong:beat\n", "");
}

// A 126-byte ping would need an extended length, which §5.5 forbids for control frames.
TEST(L10_Protocol, LongPingFails1002) {
  expect_server(c(Opcode::kPing, std::string(126, 'p')),
                "fail 1002:control frame longer than 125 bytes\n",
                fail_close(1002, "control frame longer than 125 bytes"));
}

// --- Reserved bits ---

// Without a negotiated extension, a set RSV bit means we would misread the payload (§5.2).
TEST(L10_Protocol, ReservedBitsFail1002AfterEarlierMessages) {
  for (std::uint8_t first : {0xC1, 0xA1, 0x91, 0xF1}) {
    expect_server(c(Opcode::kText, "before") + raw_client(first, "x") + c(Opcode::kText, "after"),
                  "text:before\nfail 1002:reserved bits set without an extension\n",
                  fail_close(1002, "reserved bits set without an extension"));
  }
}

// --- Opcodes ---

// An unknown opcode might be a future frame type we cannot interpret (§5.2).
TEST(L10_Protocol, ReservedOpcodesFail1002) {
  for (std::uint8_t op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    expect_server(raw_client(static_cast<std::uint8_t>(0x80 | op), "x"),
                  "fail 1002:reserved opcode\n", fail_close(1002, "reserved opcode"));
  }
}

// --- Fragmentation ---

TEST(L10_Protocol, FragmentsWithControlFramesBetween) {
  expect_server(c(Opcode::kText, "Hel", false) + c(Opcode::kPing, "1") +
                    c(Opcode::kContinuation, "", false) + c(Opcode::kPong, "2") +
                    c(Opcode::kContinuation, "lo"),
                "ping:1\npong:2\ntext:Hello\n", s(Opcode::kPong, "1"));
}

TEST(L10_Protocol, BinaryInManyFragments) {
  std::string input = c(Opcode::kBinary, "a", false);
  for (char ch = 'b'; ch < 'z'; ++ch) input += c(Opcode::kContinuation, std::string(1, ch), false);
  input += c(Opcode::kContinuation, "z");
  expect_server(input, "binary:abcdefghijklmnopqrstuvwxyz\n", "");
}

// Without a start, the receiver cannot know whether the data is text or binary (§5.4).
TEST(L10_Protocol, ContinuationWithoutStartFails1002) {
  expect_server(c(Opcode::kContinuation, "lo"),
                "fail 1002:continuation frame without a message to continue\n",
                fail_close(1002, "continuation frame without a message to continue"));
}

// §5.4: messages are not interleaved; a second start would splice two messages together.
TEST(L10_Protocol, NewMessageInsideFragmentedMessageFails1002) {
  expect_server(c(Opcode::kText, "Hel", false) + c(Opcode::kText, "lo"),
                "fail 1002:new data frame inside a fragmented message\n",
                fail_close(1002, "new data frame inside a fragmented message"));
  expect_server(c(Opcode::kText, "Hel", false) + c(Opcode::kBinary, "lo", false),
                "fail 1002:new data frame inside a fragmented message\n",
                fail_close(1002, "new data frame inside a fragmented message"));
}

// §5.5: a fragmented ping could be answered before it is complete.
TEST(L10_Protocol, FragmentedPingFails1002) {
  expect_server(c(Opcode::kPing, "a", false) + c(Opcode::kContinuation, "b"),
                "fail 1002:fragmented control frame\n",
                fail_close(1002, "fragmented control frame"));
}

// --- UTF-8 ---

TEST(L10_Protocol, CodePointSplitAcrossFragmentsIsValid) {
  // U+1F600 (F0 9F 98 80) cut after each of its bytes.
  expect_server(c(Opcode::kText, "\xF0", false) + c(Opcode::kContinuation, "\x9F", false) +
                    c(Opcode::kContinuation, "\x98", false) + c(Opcode::kContinuation, "\x80"),
                "text:\xF0\x9F\x98\x80\n", "");
}

// §8.1: the server must not wait for the end of a (possibly huge) message to notice bad text.
TEST(L10_Protocol, InvalidUtf8FailsInsideTheFirstFragment) {
  Protocol server(Role::kServer);
  std::string frame = c(Opcode::kText, "ok \xC0\x80 and a lot more", false);
  // Only the header and the first 6 payload bytes: the message is far from complete.
  server.receive_data(std::string_view(frame).substr(0, 6 + 6));
  EXPECT_EQ(describe(server.events_received()), "fail 1007:invalid UTF-8 in a text message\n");
  EXPECT_EQ(server.data_to_send(), fail_close(1007, "invalid UTF-8 in a text message"));
  EXPECT_TRUE(server.should_close_transport());
}

TEST(L10_Protocol, InvalidUtf8Fails1007AtEverySplit) {
  expect_server(c(Opcode::kText, "a\xED\xA0\x80"), "fail 1007:invalid UTF-8 in a text message\n",
                fail_close(1007, "invalid UTF-8 in a text message"));
  expect_server(c(Opcode::kText, "Hel", false) + c(Opcode::kContinuation, "\xFF", false) +
                    c(Opcode::kContinuation, "lo"),
                "fail 1007:invalid UTF-8 in a text message\n",
                fail_close(1007, "invalid UTF-8 in a text message"));
}

// A message may not end halfway through a code point, even if each fragment looked fine.
TEST(L10_Protocol, TextEndingInsideCodePointFails1007) {
  expect_server(c(Opcode::kText, "ab", false) + c(Opcode::kContinuation, "\xE2\x82"),
                "fail 1007:text message ends inside a UTF-8 sequence\n",
                fail_close(1007, "text message ends inside a UTF-8 sequence"));
}

TEST(L10_Protocol, BinaryIsNotValidated) {
  expect_server(c(Opcode::kBinary, "\xFF\xC0"), "binary:\xFF\xC0\n", "");
}

// --- Limits ---

// §10.4: a peer must not be able to make us buffer more than we chose to.
TEST(L10_Protocol, FrameOverLimitFails1009) {
  ProtocolLimits limits;
  limits.max_frame_size = 10;
  expect_server(c(Opcode::kBinary, std::string(10, 'x')) + c(Opcode::kBinary, std::string(11, 'x')),
                "binary:xxxxxxxxxx\nfail 1009:frame larger than the limit\n",
                fail_close(1009, "frame larger than the limit"), limits);
}

// Small fragments must not add up past the message limit (§10.4).
TEST(L10_Protocol, MessageOverLimitFails1009AtTheFragmentThatCrossesIt) {
  ProtocolLimits limits;
  limits.max_message_size = 10;
  expect_server(c(Opcode::kText, "12345", false) + c(Opcode::kContinuation, "67890", false) +
                    c(Opcode::kContinuation, "X"),
                "fail 1009:message larger than the limit\n",
                fail_close(1009, "message larger than the limit"), limits);
  expect_server(c(Opcode::kText, "12345", false) + c(Opcode::kContinuation, "67890"),
                "text:1234567890\n", "", limits);
}

// The announced length alone fails the connection: no payload is needed (or buffered).
TEST(L10_Protocol, HugeAnnouncedLengthFailsFromTheHeader) {
  Protocol server(Role::kServer);
  server.receive_data(std::string("\x82\xff\x00\x00\x00\x01\x00\x00\x00\x00\x37\xfa\x21\x3d", 14));
  EXPECT_EQ(describe(server.events_received()), "fail 1009:frame larger than the limit\n");
}

// --- Closing ---

TEST(L10_Protocol, CloseIsEchoedAndServerClosesTransport) {
  expect_server(c(Opcode::kClose, close_body(1000, "bye")), "close 1000:bye\n",
                fail_close(1000, ""));
  Protocol server(Role::kServer);
  server.receive_data(c(Opcode::kClose, close_body(4000, "app")));
  EXPECT_EQ(server.state(), Protocol::State::kClosed);
  EXPECT_TRUE(server.closing_handshake_done());
  EXPECT_TRUE(server.should_close_transport());
  EXPECT_EQ(server.close_code(), CloseCode{4000});
  EXPECT_EQ(server.close_reason(), "app");
}

// An empty close has no code to echo, and 1005 may not be sent: the answer is empty too.
TEST(L10_Protocol, EmptyCloseIsReportedAs1005AndAnsweredEmpty) {
  expect_server(c(Opcode::kClose, ""), "close 1005:\n", s(Opcode::kClose, ""));
}

// §5.5.1: a code is two bytes; one byte is malformed.
TEST(L10_Protocol, OneByteClosePayloadFails1002) {
  expect_server(c(Opcode::kClose, "\x03"), "fail 1002:close frame with a one-byte payload\n",
                fail_close(1002, "close frame with a one-byte payload"));
}

// §7.4: codes that are reserved, reported-only or unassigned must be refused.
TEST(L10_Protocol, InvalidCloseCodesFail1002) {
  for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    expect_server(c(Opcode::kClose, close_body(code)), "fail 1002:invalid close code\n",
                  fail_close(1002, "invalid close code"));
  }
}

TEST(L10_Protocol, ValidCloseCodesAreEchoed) {
  for (std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
                             3000, 3999, 4000, 4999}) {
    expect_server(c(Opcode::kClose, close_body(code)), "close " + std::to_string(code) + ":\n",
                  fail_close(code, ""));
  }
}

// §5.5.1 + §8.1: the reason is text, and text must be UTF-8.
TEST(L10_Protocol, CloseReasonNotUtf8Fails1007) {
  expect_server(c(Opcode::kClose, close_body(1000, "\xC0\xAF")),
                "fail 1007:close reason is not UTF-8\n",
                fail_close(1007, "close reason is not UTF-8"));
}

TEST(L10_Protocol, LongestCloseReason) {
  std::string reason(123, 'r');
  expect_server(c(Opcode::kClose, close_body(1000, reason)), "close 1000:" + reason + "\n",
                fail_close(1000, ""));
}

// §5.5.1: nothing is processed after the peer's close.
TEST(L10_Protocol, DataAfterCloseIsIgnored) {
  expect_server(
      c(Opcode::kClose, close_body(1000)) + c(Opcode::kText, "late") + c(Opcode::kPing, "late"),
      "close 1000:\n", fail_close(1000, ""));
}

TEST(L10_Protocol, ServerInitiatedClose) {
  Protocol server(Role::kServer);
  EXPECT_TRUE(server.send_close(CloseCode::kGoingAway, "restart"));
  EXPECT_EQ(server.state(), Protocol::State::kClosing);
  EXPECT_TRUE(server.awaiting_close_reply());
  EXPECT_EQ(server.data_to_send(), fail_close(1001, "restart"));
  // §5.5.1: after its close, an endpoint sends no more data.
  EXPECT_FALSE(server.send_text("more"));
  EXPECT_FALSE(server.send_ping());
  EXPECT_FALSE(server.send_close());
  // Messages still arrive until the peer's close; its pings are not answered any more.
  server.receive_data(c(Opcode::kText, "last") + c(Opcode::kPing, "p"));
  EXPECT_EQ(describe(server.events_received()), "text:last\nping:p\n");
  EXPECT_EQ(server.data_to_send(), "");
  server.receive_data(c(Opcode::kClose, close_body(1001)));
  EXPECT_EQ(describe(server.events_received()), "close 1001:\n");
  EXPECT_EQ(server.data_to_send(), "");  // the reply to our close is not answered again
  EXPECT_EQ(server.state(), Protocol::State::kClosed);
  EXPECT_FALSE(server.awaiting_close_reply());
  EXPECT_TRUE(server.should_close_transport());
}

// §7.1.1: the client waits for the server to close TCP; the server closes first.
TEST(L10_Protocol, ClientWaitsForTheServerToCloseTransport) {
  Protocol client(Role::kClient, {}, [] { return kKey; });
  EXPECT_TRUE(client.send_close());
  EXPECT_EQ(client.data_to_send(), c(Opcode::kClose, close_body(1000)));
  client.receive_data(s(Opcode::kClose, close_body(1000)));
  EXPECT_TRUE(client.closing_handshake_done());
  EXPECT_FALSE(client.should_close_transport());
  client.receive_eof();
  EXPECT_EQ(describe(client.events_received()), "close 1000:\n");
  EXPECT_TRUE(client.should_close_transport());
}

// 1005/1006/1015 only describe what happened; they must never be sent (§7.4.1).
TEST(L10_Protocol, ReportedOnlyCodesAreNeverSent) {
  Protocol server(Role::kServer);
  EXPECT_FALSE(server.send_close(CloseCode::kAbnormalClosure));
  EXPECT_FALSE(server.send_close(CloseCode::kTlsHandshake));
  EXPECT_FALSE(server.send_close(CloseCode{1004}));
  EXPECT_FALSE(server.send_close(CloseCode{2000}));
  EXPECT_FALSE(server.send_close(CloseCode::kNoStatusReceived, "reason without code"));
  EXPECT_FALSE(server.send_close(CloseCode::kNormal, std::string(124, 'r')));
  EXPECT_FALSE(server.send_close(CloseCode::kNormal, "\xFF"));
  EXPECT_EQ(server.data_to_send(), "");
  EXPECT_TRUE(server.send_close(CloseCode::kNoStatusReceived));
  EXPECT_EQ(server.data_to_send(), s(Opcode::kClose, ""));
}

// §7.1.7: after failing, one close frame goes out and then nothing, whatever else arrives.
TEST(L10_Protocol, FailureSendsOneCloseThenNothing) {
  Protocol server(Role::kServer);
  server.receive_data(raw_client(0xC1, "x"));
  server.receive_data(c(Opcode::kPing, "p") + raw_client(0x83, "y"));
  EXPECT_EQ(describe(server.events_received()),
            "fail 1002:reserved bits set without an extension\n");
  EXPECT_EQ(server.data_to_send(), fail_close(1002, "reserved bits set without an extension"));
  EXPECT_FALSE(server.send_text("x"));
  EXPECT_FALSE(server.send_close());
  EXPECT_EQ(server.data_to_send(), "");
  EXPECT_TRUE(server.should_close_transport());
}

// A failure while our own close is pending must not send a second close frame.
TEST(L10_Protocol, FailureAfterOurCloseSendsNoSecondClose) {
  Protocol server(Role::kServer);
  ASSERT_TRUE(server.send_close());
  server.data_to_send();
  server.receive_data(raw_client(0x83, "x"));
  EXPECT_EQ(describe(server.events_received()), "fail 1002:reserved opcode\n");
  EXPECT_EQ(server.data_to_send(), "");
}

// A peer that vanishes without a close frame: the application hears 1006, nothing is sent.
TEST(L10_Protocol, EofWithoutCloseReports1006) {
  Protocol server(Role::kServer);
  server.receive_data(std::string_view(c(Opcode::kText, "half")).substr(0, 7));
  server.receive_eof();
  EXPECT_EQ(describe(server.events_received()), "close 1006:\n");
  EXPECT_EQ(server.data_to_send(), "");
  EXPECT_EQ(server.close_code(), CloseCode::kAbnormalClosure);
  EXPECT_TRUE(server.should_close_transport());
}

// --- Sending ---

TEST(L10_Protocol, SendApi) {
  Protocol server(Role::kServer);
  EXPECT_TRUE(server.send_text("Hello"));
  EXPECT_TRUE(server.send_binary(std::string(256, 'x')));
  EXPECT_TRUE(server.send_ping("p"));
  EXPECT_TRUE(server.send_pong("q"));
  EXPECT_FALSE(server.send_ping(std::string(126, 'p')));
  EXPECT_FALSE(server.send_text("\xC0\x80"));
  EXPECT_EQ(server.data_to_send(), s(Opcode::kText, "Hello") +
                                       s(Opcode::kBinary, std::string(256, 'x')) +
                                       s(Opcode::kPing, "p") + s(Opcode::kPong, "q"));
}

// A broadcast is serialised once and written to every connection as is.
TEST(L10_Protocol, SerializedFrameForBroadcast) {
  std::string frame = serialize_frame(Opcode::kText, "to everyone");
  Protocol a(Role::kServer), b(Role::kServer), client(Role::kClient);
  EXPECT_TRUE(a.send_serialized_frame(frame));
  EXPECT_TRUE(b.send_serialized_frame(frame));
  EXPECT_FALSE(client.send_serialized_frame(frame));  // client frames need a fresh mask each
  EXPECT_EQ(a.data_to_send(), frame);
  EXPECT_EQ(b.data_to_send(), frame);
}

TEST(L10_Protocol, PartialWritesThroughPendingOutput) {
  Protocol server(Role::kServer);
  server.send_text("Hello");
  EXPECT_EQ(server.pending_output(), "\x81\x05Hello");
  server.consume_output(4);
  EXPECT_EQ(server.pending_output(), "llo");
  server.send_text("!");
  EXPECT_EQ(server.pending_output(), "llo\x81\x01!");
  server.consume_output(100);
  EXPECT_EQ(server.pending_output(), "");
}

// The zero-copy input path: each piece sits right before an unreadable page, so a one-byte
// over-read crashes, and payload is unmasked inside the caller's buffer.
TEST(L10_Protocol, InPlaceInputAtEverySplitBehindAGuardPage) {
  std::string input = c(Opcode::kText, "Hel", false) + c(Opcode::kPing, "p") +
                      c(Opcode::kContinuation, "lo") + c(Opcode::kClose, close_body(1000));
  for (const auto& plan : duplex::testing::split_plans(input)) {
    Protocol server(Role::kServer);
    std::string events;
    for (auto chunk : plan.chunks) {
      duplex::testing::GuardedBuffer guarded(chunk);
      std::span<char> rest(const_cast<char*>(guarded.view().data()), chunk.size());
      while (!rest.empty()) rest = rest.subspan(server.receive_data_in_place(rest));
      events += describe(server.events_received());
    }
    ASSERT_EQ(events, "ping:p\ntext:Hello\nclose 1000:\n") << plan.name;
    ASSERT_EQ(server.data_to_send(), s(Opcode::kPong, "p") + fail_close(1000, "")) << plan.name;
  }
  std::string single = c(Opcode::kBinary, "Hello");
  Protocol server(Role::kServer);
  server.receive_data_in_place(std::span<char>(single.data(), single.size()));
  EXPECT_EQ(single.substr(6), "Hello");  // unmasked where it lay
}

#if DUPLEX_LESSON >= 12
// The swapping overload (lesson 12) keeps both vectors' storage: no new vector per call.
TEST(L12_Protocol, EventsIntoCallersVector) {
  Protocol server(Role::kServer);
  std::vector<Event> events;
  events.reserve(8);
  server.receive_data(c(Opcode::kText, "a") + c(Opcode::kText, "b"));
  server.events_received(events);
  EXPECT_EQ(describe(events), "text:a\ntext:b\n");
  server.receive_data(c(Opcode::kText, "c"));
  server.events_received(events);
  EXPECT_EQ(describe(events), "text:c\n");
  EXPECT_GE(events.capacity(), 2U);
  server.events_received(events);
  EXPECT_TRUE(events.empty());
}
#endif

// Keep-alive reads bytes_received(): it counts the bytes consumed, call by call.
TEST(L10_Protocol, BytesReceivedCountsWhatWasConsumed) {
  Protocol server(Role::kServer);
  std::string input = c(Opcode::kText, "a") + c(Opcode::kPing, "");
  std::span<char> rest(input.data(), input.size());
  std::size_t first = server.receive_data_in_place(rest);
  EXPECT_EQ(first, c(Opcode::kText, "a").size());
  EXPECT_EQ(server.bytes_received(), first);
  server.receive_data_in_place(rest.subspan(first));
  EXPECT_EQ(server.bytes_received(), input.size());
}

// What receive_data_in_place() does for the glue, at every split point: it stops right after
// each frame that ends a message or is a control frame, so that frame's event is the newest
// one when the call returns and the rest of the input is still unparsed; mid_message() is false
// after exactly those stops that end a message or a control frame outside one; and every call
// makes progress, so a glue loop "consume, handle events, repeat" always ends.
TEST(L10_Protocol, ReceiveStopsAfterEachMessageAndControlFrame) {
  struct Frame {
    std::string bytes;
    std::string event;  // what a stop right after this frame reports; empty: no stop
    bool mid_message_after;
  };
  const std::vector<Frame> frames = {
      {c(Opcode::kText, "a"), "text:a\n", false},
      {c(Opcode::kText, "Hel", false), "", true},
      {c(Opcode::kPing, "p"), "ping:p\n", true},  // inside the message: it goes on
      {c(Opcode::kContinuation, "lo"), "text:Hello\n", false},
      {c(Opcode::kPong, ""), "pong:\n", false},
      {c(Opcode::kBinary, std::string(300, 'b')), "binary:" + std::string(300, 'b') + "\n", false},
      {c(Opcode::kClose, close_body(1000)), "close 1000:\n", false},
  };
  std::string input;
  std::vector<std::size_t> stop_at;  // stream offsets just past each frame that stops
  std::string expected;
  for (const Frame& frame : frames) {
    input += frame.bytes;
    if (!frame.event.empty()) stop_at.push_back(input.size());
    expected += frame.event;
  }
  for (const auto& plan : duplex::testing::split_plans(input)) {
    Protocol server(Role::kServer);
    std::string events;
    std::size_t offset = 0;
    std::size_t stops = 0;
    for (auto chunk : plan.chunks) {
      duplex::testing::GuardedBuffer guarded(chunk);
      std::span<char> rest(const_cast<char*>(guarded.view().data()), chunk.size());
      while (!rest.empty()) {
        std::size_t used = server.receive_data_in_place(rest);
        ASSERT_GT(used, 0U) << plan.name;
        ASSERT_LE(used, rest.size()) << plan.name;
        rest = rest.subspan(used);
        offset += used;
        std::vector<Event> got = server.events_received();
        ASSERT_LE(got.size(), 1U) << plan.name;
        if (!got.empty()) {
          ASSERT_LT(stops, stop_at.size()) << plan.name;
          ASSERT_EQ(offset, stop_at[stops]) << plan.name << " event " << stops;
          ++stops;
        }
        if (!rest.empty()) {
          // Stopped early: only ever right after a frame that stops.
          ASSERT_EQ(got.size(), 1U) << plan.name << " at " << offset;
        }
        bool between = !server.mid_message();
        bool expect_between = false;
        std::size_t end = 0;
        for (const Frame& frame : frames) {
          end += frame.bytes.size();
          if (end == offset) expect_between = !frame.mid_message_after;
        }
        ASSERT_EQ(between, expect_between) << plan.name << " at " << offset;
        events += describe(got);
      }
    }
    ASSERT_EQ(events, expected) << plan.name;
    ASSERT_EQ(offset, input.size()) << plan.name;
  }
}

// The case the stop exists for: a good message, then a bad frame in the same read. The call
// stops after the message, so the application answers it before the failure closes the
// connection (§5.5.1: nothing may be sent after our close).
TEST(L10_Protocol, MessageBeforeABadFrameIsHandledFirst) {
  Protocol server(Role::kServer);
  std::string input = c(Opcode::kText, "ask") + raw_client(0xC1, "bad");
  std::span<char> rest(input.data(), input.size());
  rest = rest.subspan(server.receive_data_in_place(rest));
  EXPECT_EQ(describe(server.events_received()), "text:ask\n");
  ASSERT_TRUE(server.send_text("answer"));
  EXPECT_EQ(server.receive_data_in_place(rest), rest.size());
  EXPECT_EQ(describe(server.events_received()),
            "fail 1002:reserved bits set without an extension\n");
  EXPECT_EQ(server.data_to_send(), s(Opcode::kText, "answer") +
                                       fail_close(1002, "reserved bits set without an extension"));
}

// After a close or a failure the rest of the input is dropped: all of it counts as consumed, so
// the glue's loop ends, and no event comes of it.
TEST(L10_Protocol, InputAfterCloseOrFailureIsConsumedAndDropped) {
  Protocol server(Role::kServer);
  std::string input = c(Opcode::kClose, close_body(1000)) + c(Opcode::kText, "late");
  std::span<char> rest(input.data(), input.size());
  std::size_t used = server.receive_data_in_place(rest);
  EXPECT_EQ(used, input.size());
  EXPECT_EQ(describe(server.events_received()), "close 1000:\n");
  std::string more = c(Opcode::kText, "later");
  EXPECT_EQ(server.receive_data_in_place(std::span<char>(more.data(), more.size())), more.size());
  EXPECT_TRUE(server.events_received().empty());
  Protocol failed(Role::kServer);
  std::string bad = raw_client(0x83, "x") + c(Opcode::kText, "after");
  EXPECT_EQ(failed.receive_data_in_place(std::span<char>(bad.data(), bad.size())), bad.size());
  EXPECT_EQ(describe(failed.events_received()), "fail 1002:reserved opcode\n");
}

// Many whole frames in one buffer cost one call each, each taking exactly one frame, however
// large (from lesson 12 through parse_whole_frame).
TEST(L10_Protocol, WholeFramesOneCallEach) {
  Protocol server(Role::kServer);
  std::vector<std::string> frames = {c(Opcode::kText, "x"),
                                     c(Opcode::kBinary, std::string(70000, 'y')),
                                     c(Opcode::kPing, "z"), c(Opcode::kText, "")};
  std::string input;
  for (const auto& frame : frames) input += frame;
  std::span<char> rest(input.data(), input.size());
  for (const auto& frame : frames) {
    std::size_t used = server.receive_data_in_place(rest);
    EXPECT_EQ(used, frame.size());
    rest = rest.subspan(used);
    EXPECT_EQ(server.events_received().size(), 1U);
  }
  EXPECT_TRUE(rest.empty());
}

}  // namespace

// The glue's message deadline relies on this: mid_message() must be true from the first byte of
// a frame or of a fragmented message to its last, at every split point, and a control frame
// inside a fragmented message must not look like the end of the message.
TEST(L10_Protocol, MidMessageSpansAFragmentedMessageAndItsControlFrames) {
  std::string wire = c(Opcode::kText, "Hel", false) + c(Opcode::kPing, "p") +
                     c(Opcode::kContinuation, "lo") + c(Opcode::kPing, "q");
  std::size_t message_end = wire.size() - c(Opcode::kPing, "q").size();
  Protocol protocol(Role::kServer);
  EXPECT_FALSE(protocol.mid_message());
  for (std::size_t i = 0; i < wire.size(); ++i) {
    protocol.receive_data(wire.substr(i, 1));
    bool at_end = i + 1 == message_end || i + 1 == wire.size();
    EXPECT_EQ(protocol.mid_message(), !at_end) << "after byte " << i;
  }
  EXPECT_EQ(describe(protocol.events_received()), "ping:p\ntext:Hello\nping:q\n");
}

#if DUPLEX_LESSON >= 12
// A message buffer given back is reused for the next message (no allocation, lesson 12), while
// one over 64 KiB is dropped so an idle connection does not keep its largest message's memory.
TEST(L12_Protocol, MessageBufferGivenBackIsReused) {
  Protocol protocol(Role::kServer);
  protocol.receive_data(c(Opcode::kBinary, std::string(100, 'a')));
  std::vector<Event> events = protocol.events_received();
  ASSERT_EQ(events.size(), 1u);
  const char* storage = events[0].data.data();
  protocol.reuse_message_buffer(std::move(events[0].data));
  protocol.receive_data(c(Opcode::kBinary, std::string(90, 'b')));
  events = protocol.events_received();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, std::string(90, 'b'));
  EXPECT_EQ(events[0].data.data(), storage);
  std::string big;
  big.reserve(1024 * 1024);
  protocol.reuse_message_buffer(std::move(big));
  protocol.receive_data(c(Opcode::kBinary, std::string(200, 'c')));
  events = protocol.events_received();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_LT(events[0].data.capacity(), std::size_t{64 * 1024});
}

// send_header() is send_text()/send_binary() without the payload copy: the same checks, and
// the header is exactly the start of the frame serialize_frame() would make.
TEST(L12_Protocol, SendHeaderChecksLikeSendAndMakesTheSameHeader) {
  Protocol server(Role::kServer);
  char header[kMaxFrameHeaderSize];
  std::string payload(70000, 'x');
  std::size_t size = server.send_header(Opcode::kBinary, payload, header);
  EXPECT_EQ(std::string(header, size) + payload, s(Opcode::kBinary, payload));
  size = server.send_header(Opcode::kText, "h\xC3\xA9", header);
  EXPECT_EQ(std::string(header, size) + "h\xC3\xA9", s(Opcode::kText, "h\xC3\xA9"));
  EXPECT_TRUE(server.pending_output().empty());
  EXPECT_EQ(server.send_header(Opcode::kText, "\xC3", header), 0u);  // not UTF-8 (§8.1)
  EXPECT_EQ(server.send_header(Opcode::kPing, "", header), 0u);      // data frames only
  Protocol client(Role::kClient);
  EXPECT_EQ(client.send_header(Opcode::kBinary, "x", header), 0u);  // a client must mask
  ASSERT_TRUE(server.send_close());
  EXPECT_EQ(server.send_header(Opcode::kBinary, "x", header), 0u);  // nothing after a close
}
#endif

}  // namespace duplex::ws
