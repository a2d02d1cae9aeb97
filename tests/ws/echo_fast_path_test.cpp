// Tests for the echo's fast path (lesson 12): unmask_copy, Protocol::plan_echo and
// echo_whole_frames, and WsConnection with WsHandlers::echo. The connection tests step the
// loop on the test thread over a socketpair, so every split of the client's bytes reaches the
// server as its own read: each split point is tested for real, not left to how TCP happens to
// cut the stream. RFC 6455 §5.3 (unmasking), §5.4 (fragments take the usual way), §5.5.2 (a
// pong still goes first), §8.1 (text checked before it is echoed), §10.4 (limits).
// @lesson 12
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <memory>
#include <string>
#include <vector>

#include "src/net/connection.hpp"
#include "src/net/event_loop.hpp"
#include "src/ws/frame_writer.hpp"
#include "src/ws/masking.hpp"
#include "src/ws/protocol.hpp"
#include "src/ws/ws_connection.hpp"
#include "src/ws/ws_endpoint.hpp"
#include "tests/support/loop_thread.hpp"
#include "tests/support/net_sockets.hpp"
#include "tests/support/ws_raw_client.hpp"
#include "tests/ws/ws_server_fixture.hpp"

namespace duplex::ws {
namespace {

using std::chrono::milliseconds;
using Status = Protocol::EchoPlan::Status;

const MaskKey kKey{0x37, 0xfa, 0x21, 0x3d};

// A frame as a client sends it (masked), and the server's echo of it (unmasked).
std::string client_frame(Opcode opcode, std::string_view payload, bool fin = true) {
  return serialize_frame(opcode, payload, fin, kKey);
}
std::string server_frame(Opcode opcode, std::string_view payload) {
  return serialize_frame(opcode, payload);
}

std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(i * 31 + 7);
  return bytes;
}

TEST(L12_UnmaskCopy, MatchesTheBytewiseUnmaskForEverySizeAndOffset) {
  const std::string input = pattern(100);
  for (std::size_t size = 0; size <= input.size(); ++size) {
    for (std::uint64_t offset = 0; offset < 8; ++offset) {
      std::string expected = input.substr(0, size);
      apply_mask_bytewise(expected.data(), size, kKey, offset);
      std::string out(size, '?');
      unmask_copy(input.data(), out.data(), size, kKey, offset);
      ASSERT_EQ(out, expected) << "size " << size << " offset " << offset;
    }
  }
  EXPECT_EQ(input, pattern(100));  // the source is left as it was
}

// The return value says whether a byte of 0x80 or more was written, wherever it lies: in a
// 32-byte block, an 8-byte word or the last bytes.
TEST(L12_UnmaskCopy, ReturnsTheOrOfTheBytesItWrote) {
  for (std::size_t size = 0; size <= 100; ++size) {
    for (std::size_t high = 0; high <= size; ++high) {  // high == size: all ASCII
      for (std::uint64_t offset : {0, 3}) {
        std::string plain(size, 'a');
        if (high < size) plain[high] = '\xc3';
        std::string input = plain;
        apply_mask_bytewise(input.data(), size, kKey, offset);
        std::string out(size, '?');
        std::uint8_t bits = unmask_copy(input.data(), out.data(), size, kKey, offset);
        ASSERT_EQ(out, plain);
        std::uint8_t expected = 0;
        for (char c : plain) expected |= static_cast<std::uint8_t>(c);
        ASSERT_EQ(bits, expected) << "size " << size << " high byte at " << high;
      }
    }
  }
}

// --- Protocol::plan_echo and echo_whole_frames, sans-I/O -----------------------------------------

std::string echo_of(Protocol& protocol, const std::string& input) {
  Protocol::EchoPlan plan = protocol.plan_echo(input, 1 << 20);
  EXPECT_EQ(plan.status, Status::kWhole);
  if (plan.status != Status::kWhole) return {};
  EXPECT_EQ(plan.input_size, input.size());
  std::string out(plan.reply_size, '\0');
  Protocol::EchoRun run = protocol.echo_whole_frames(input, out);
  EXPECT_EQ(run.taken, input.size());
  EXPECT_EQ(run.written, out.size());
  return out;
}

TEST(L12_ProtocolEcho, WholeFramesOfEveryLengthEncodingAreEchoedUnmasked) {
  for (std::size_t size : {0, 1, 7, 8, 125, 126, 65535, 65536, 70000}) {
    SCOPED_TRACE(size);
    Protocol protocol(Role::kServer);
    std::string payload = pattern(size);
    EXPECT_EQ(echo_of(protocol, client_frame(Opcode::kBinary, payload)),
              server_frame(Opcode::kBinary, payload));
    std::string text(size, 'a');
    EXPECT_EQ(echo_of(protocol, client_frame(Opcode::kText, text)),
              server_frame(Opcode::kText, text));
    EXPECT_EQ(protocol.bytes_received(), client_frame(Opcode::kBinary, payload).size() +
                                             client_frame(Opcode::kText, text).size());
    EXPECT_TRUE(protocol.events_received().empty());  // no message was built
  }
}

TEST(L12_ProtocolEcho, EveryProperPrefixIsPartialAndChangesNothing) {
  Protocol protocol(Role::kServer);
  const std::string frame = client_frame(Opcode::kBinary, pattern(300));
  for (std::size_t cut = 0; cut < frame.size(); ++cut) {
    EXPECT_EQ(protocol.plan_echo(std::string_view(frame).substr(0, cut), 1 << 20).status,
              Status::kPartial)
        << cut;
  }
  EXPECT_EQ(protocol.bytes_received(), 0u);
  EXPECT_EQ(echo_of(protocol, frame), server_frame(Opcode::kBinary, pattern(300)));
}

// §8.1 fail fast: a text frame is held only until its payload begins; from then on the usual
// way checks each piece as it arrives.
TEST(L12_ProtocolEcho, TextIsHeldOnlyUntilItsPayloadBegins) {
  Protocol protocol(Role::kServer);
  const std::string frame = client_frame(Opcode::kText, std::string(300, 'x'));
  const std::size_t header = 2 + 2 + 4;  // 16-bit length, masking key
  for (std::size_t cut = 0; cut < frame.size(); ++cut) {
    EXPECT_EQ(protocol.plan_echo(std::string_view(frame).substr(0, cut), 1 << 20).status,
              cut <= header ? Status::kPartial : Status::kNo)
        << cut;
  }
}

TEST(L12_ProtocolEcho, OnlyWholeUnfragmentedDataFramesWithinTheLimitsQualify) {
  Protocol protocol(Role::kServer, ProtocolLimits{1000, 500});
  auto plan = [&](const std::string& bytes, std::size_t max_partial = 1 << 20) {
    return protocol.plan_echo(bytes, max_partial).status;
  };
  EXPECT_EQ(plan(client_frame(Opcode::kText, "part", false)), Status::kNo);  // §5.4: a fragment
  EXPECT_EQ(plan(client_frame(Opcode::kPing, "hi")), Status::kNo);           // §5.5: control
  EXPECT_EQ(plan(client_frame(Opcode::kContinuation, "x")), Status::kNo);
  EXPECT_EQ(plan(serialize_frame(Opcode::kText, "unmasked")), Status::kNo);  // §5.1
  std::string rsv = client_frame(Opcode::kText, "rsv");
  rsv[0] = static_cast<char>(rsv[0] | 0x40);
  EXPECT_EQ(plan(rsv), Status::kNo);                                           // §5.2
  EXPECT_EQ(plan(client_frame(Opcode::kBinary, pattern(501))), Status::kNo);   // message limit
  EXPECT_EQ(plan(client_frame(Opcode::kBinary, pattern(1001))), Status::kNo);  // frame limit
  // A frame larger than the caller will hold is not waited for.
  std::string big = client_frame(Opcode::kBinary, pattern(400));
  EXPECT_EQ(plan(big.substr(0, 100), 300), Status::kNo);
  EXPECT_EQ(plan(big.substr(0, 100), 500), Status::kPartial);
  EXPECT_EQ(plan(big, 300), Status::kWhole);  // whole: nothing to hold
}

TEST(L12_ProtocolEcho, NotBetweenTheFragmentsOfAMessage) {
  Protocol protocol(Role::kServer);
  std::string first = client_frame(Opcode::kText, "one ", false);
  protocol.receive_data(first);
  EXPECT_EQ(protocol.plan_echo(client_frame(Opcode::kText, "two"), 1 << 20).status, Status::kNo);
}

TEST(L12_ProtocolEcho, NotOnceTheConnectionIsClosingAndNeverForAClient) {
  Protocol closing(Role::kServer);
  ASSERT_TRUE(closing.send_close());
  EXPECT_EQ(closing.plan_echo(client_frame(Opcode::kText, "late"), 1 << 20).status, Status::kNo);
  Protocol client(Role::kClient);
  EXPECT_EQ(client.plan_echo(serialize_frame(Opcode::kText, "hi"), 1 << 20).status, Status::kNo);
}

// Plans a whole frame and echoes it: whether the echo took it.
bool echo_takes(Protocol& protocol, const std::string& frame) {
  Protocol::EchoPlan plan = protocol.plan_echo(frame, 1 << 20);
  EXPECT_EQ(plan.status, Status::kWhole);
  std::string out(plan.reply_size, '\0');
  return plan.status == Status::kWhole && protocol.echo_whole_frames(frame, out).taken != 0;
}

// §8.1: the text is checked on the bytes that go out; bad UTF-8 counts nothing, and the usual
// way then fails the connection with 1007.
TEST(L12_ProtocolEcho, InvalidUtf8IsRefusedAndLeftToTheUsualWay) {
  for (std::string bad : {std::string("\x80"), std::string("ok\xce"), std::string("\xed\xa0\x80"),
                          std::string(40, 'a') + "\xff"}) {
    Protocol protocol(Role::kServer);
    std::string frame = client_frame(Opcode::kText, bad);
    EXPECT_FALSE(echo_takes(protocol, frame));
    EXPECT_EQ(protocol.bytes_received(), 0u);
    protocol.receive_data(frame);
    auto events = protocol.events_received();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, Event::Kind::kFailure);
    EXPECT_EQ(events[0].code, CloseCode::kInvalidPayload);
  }
}

// ASCII text skips the UTF-8 DFA; a byte of 0x80 or more anywhere sends the whole payload
// through it: a good two-byte character is echoed, a lead byte without its tail is refused.
TEST(L12_ProtocolEcho, TextWithAByteOver0x7FAnywhereGoesThroughTheUtf8Check) {
  for (std::size_t at = 0; at <= 40; ++at) {
    SCOPED_TRACE(at);
    std::string good = std::string(at, 'a') + "\xc3\xa9" + std::string(40 - at, 'b');
    Protocol protocol(Role::kServer);
    EXPECT_EQ(echo_of(protocol, client_frame(Opcode::kText, good)),
              server_frame(Opcode::kText, good));
    std::string bad = std::string(at, 'a') + "\xc3" + std::string(40 - at, 'b');
    Protocol refusing(Role::kServer);
    EXPECT_FALSE(echo_takes(refusing, client_frame(Opcode::kText, bad)));
  }
}

// A run stops at the first frame that may not go back as it came, and takes every frame before
// it. The frames over a limit have the usual shape (FIN, text or binary, masked, a 7-bit length),
// so the judge of the first two bytes must meet the limits too (§10.4).
TEST(L12_ProtocolEcho, ARunTakesTheFramesInFrontAndStopsAtTheFirstItMayNotEcho) {
  ProtocolLimits limits;
  limits.max_frame_size = 100;
  limits.max_message_size = 60;
  const std::string front = client_frame(Opcode::kText, "hello") +
                            client_frame(Opcode::kBinary, pattern(60)) +
                            client_frame(Opcode::kText, "");
  const std::string replies = server_frame(Opcode::kText, "hello") +
                              server_frame(Opcode::kBinary, pattern(60)) +
                              server_frame(Opcode::kText, "");
  const std::string next = client_frame(Opcode::kText, "next");
  const std::vector<std::pair<const char*, std::string>> stops = {
      {"a ping", client_frame(Opcode::kPing, "p")},
      {"a first fragment", client_frame(Opcode::kText, "frag", false)},
      {"a continuation", client_frame(Opcode::kContinuation, "cont")},
      {"over the message limit", client_frame(Opcode::kBinary, pattern(61))},
      {"over the frame limit", client_frame(Opcode::kBinary, pattern(101))},
      {"an unmasked frame", server_frame(Opcode::kBinary, "bare")},
      {"text that is not UTF-8", client_frame(Opcode::kText, "ok\xff")},
      {"a frame not whole yet", next.substr(0, next.size() - 1)},
  };
  for (const auto& [what, stop] : stops) {
    SCOPED_TRACE(what);
    Protocol protocol(Role::kServer, limits);
    std::string input = front + stop + next;
    std::string out(input.size(), '\0');
    Protocol::EchoRun run = protocol.echo_whole_frames(input, out);
    EXPECT_EQ(run.taken, front.size());
    EXPECT_EQ(out.substr(0, run.written), replies);
    EXPECT_EQ(protocol.bytes_received(), front.size());
  }
}

// Frames of every length encoding in one run, the usual ones and those the plan judges; a reply
// that does not fit whole in `out` is not begun.
TEST(L12_ProtocolEcho, ARunMixesLengthEncodingsAndStopsWhereTheRoomEnds) {
  const std::vector<std::string> payloads = {"a", pattern(300), pattern(125), pattern(70000), ""};
  std::string input;
  std::string replies;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    Opcode opcode = i % 2 == 0 ? Opcode::kText : Opcode::kBinary;
    std::string payload =
        opcode == Opcode::kText ? std::string(payloads[i].size(), 't') : payloads[i];
    input += client_frame(opcode, payload);
    replies += server_frame(opcode, payload);
  }
  Protocol whole(Role::kServer);
  std::string out(input.size(), '\0');
  Protocol::EchoRun run = whole.echo_whole_frames(input, out);
  EXPECT_EQ(run.taken, input.size());
  EXPECT_EQ(out.substr(0, run.written), replies);

  // Room for the first two replies and all but one byte of the third.
  std::size_t two =
      server_frame(Opcode::kText, "t").size() + server_frame(Opcode::kBinary, pattern(300)).size();
  std::size_t third = server_frame(Opcode::kText, std::string(125, 't')).size();
  Protocol short_of_room(Role::kServer);
  std::string small(two + third - 1, '\0');
  run = short_of_room.echo_whole_frames(input, small);
  EXPECT_EQ(run.taken, client_frame(Opcode::kText, "t").size() +
                           client_frame(Opcode::kBinary, pattern(300)).size());
  EXPECT_EQ(small.substr(0, run.written), replies.substr(0, two));
}

// --- WsConnection with WsHandlers::echo, the loop stepped on the test thread ------------------

// A WsConnection with the built-in echo on one end of a socketpair; the test is the client.
struct EchoFixture {
  net::EventLoop loop;
  std::shared_ptr<net::Connection> connection;
  net::TcpStream client;
  std::vector<std::string> errors;

  explicit EchoFixture(WsOptions options = {}) : client(make(options)) {}
  // The close notification drops the handlers, which hold the WsConnection alive.
  ~EchoFixture() {
    connection->abort();
    loop.run_once(milliseconds(0));
  }

  net::TcpStream make(WsOptions options) {
    auto [ours, theirs] = testing::socket_pair();
    connection = net::Connection::create(loop, std::move(theirs).release_fd());
    connection->start();
    auto config = std::make_shared<WsConfig>();
    config->handlers.echo = true;
    config->handlers.on_error = [this](WsConnection&, const WsError& error) {
      errors.push_back(std::to_string(to_int(error.code)) + " " + error.what);
    };
    config->options = options;
    WsConnection::adopt(*connection, config);
    return std::move(ours);
  }

  // Writes `bytes`, then steps the loop until the server has read them all: one read of exactly
  // these bytes (a socketpair delivers a write whole), and its replies written.
  void deliver(std::string_view bytes) {
    std::uint64_t target = connection->bytes_read() + bytes.size();
    client.write_all(bytes);
    ASSERT_TRUE(testing::run_until(loop, [&] { return connection->bytes_read() >= target; }));
    loop.run_once(milliseconds(0));  // the round's write, in case the read ended a round early
  }

  // Everything the server has written so far (non-blocking: the loop runs on this thread).
  std::string replies() {
    std::string out;
    char chunk[65536];
    while (true) {
      ssize_t n = ::recv(client.fd().get(), chunk, sizeof chunk, MSG_DONTWAIT);
      if (n <= 0) break;
      out.append(chunk, static_cast<std::size_t>(n));
    }
    return out;
  }
};

// Frames of every kind the echo meets in one stream: a multi-byte text, a 16-bit length, a ping
// (its pong must come back in order), an empty text, a 64-bit length.
struct Stream {
  std::string input;
  std::string expected;
  void add(Opcode opcode, const std::string& payload) {
    input += client_frame(opcode, payload);
    expected += server_frame(opcode == Opcode::kPing ? Opcode::kPong : opcode, payload);
  }
};

Stream mixed_stream() {
  Stream stream;
  stream.add(Opcode::kText, "h\xc3\xa9llo, \xf0\x9d\x84\x9e world");
  stream.add(Opcode::kBinary, pattern(300));
  stream.add(Opcode::kPing, "are you there");
  stream.add(Opcode::kText, "");
  stream.add(Opcode::kBinary, pattern(70000));
  return stream;
}

TEST(L12_EchoFastPath, StreamInOneReadIsEchoedInOrder) {
  EchoFixture fixture;
  Stream stream = mixed_stream();
  fixture.deliver(stream.input);
  EXPECT_EQ(fixture.replies(), stream.expected);
  EXPECT_TRUE(fixture.errors.empty());
}

// Two reads, cut at every byte of the first 400 (headers, the 2-byte UTF-8 sequence, the ping)
// and at every 997th byte after: each frame is echoed exactly once, whole and in order, and
// nothing of a frame cut in two goes out before its second half arrived.
TEST(L12_EchoFastPath, StreamCutInTwoAtEverySplitPoint) {
  Stream stream = mixed_stream();
  std::vector<std::size_t> cuts;
  for (std::size_t cut = 1; cut < 400; ++cut) cuts.push_back(cut);
  for (std::size_t cut = 400; cut < stream.input.size(); cut += 997) cuts.push_back(cut);
  cuts.push_back(stream.input.size() - 1);
  for (std::size_t cut : cuts) {
    SCOPED_TRACE(cut);
    EchoFixture fixture;
    fixture.deliver(std::string_view(stream.input).substr(0, cut));
    std::string first = fixture.replies();
    EXPECT_EQ(first, stream.expected.substr(0, first.size()));
    fixture.deliver(std::string_view(stream.input).substr(cut));
    EXPECT_EQ(first + fixture.replies(), stream.expected);
    EXPECT_TRUE(fixture.errors.empty());
  }
}

// The same frames, one byte per read: every header and payload byte is its own read.
TEST(L12_EchoFastPath, StreamOneByteAtATime) {
  Stream stream;
  stream.add(Opcode::kText, "h\xc3\xa9llo");
  stream.add(Opcode::kPing, "ping");
  stream.add(Opcode::kBinary, pattern(130));
  EchoFixture fixture;
  std::string replies;
  for (char byte : stream.input) {
    fixture.deliver(std::string_view(&byte, 1));
    replies += fixture.replies();
  }
  EXPECT_EQ(replies, stream.expected);
}

// §5.4: a fragmented message is not one whole frame: it takes the usual way (joined, then sent
// back as one message), with a ping between its fragments answered first (§5.5.2).
TEST(L12_EchoFastPath, FragmentedMessageIsJoinedAndPingBetweenAnsweredFirst) {
  EchoFixture fixture;
  fixture.deliver(client_frame(Opcode::kText, "frag", false) + client_frame(Opcode::kPing, "p") +
                  client_frame(Opcode::kContinuation, "ment") +
                  client_frame(Opcode::kBinary, "after"));
  EXPECT_EQ(fixture.replies(), server_frame(Opcode::kPong, "p") +
                                   server_frame(Opcode::kText, "fragment") +
                                   server_frame(Opcode::kBinary, "after"));
}

// §8.1 and §7.1.7: the good message before a bad one is echoed; the bad one is never echoed,
// even cut in two, and fails the connection with 1007.
TEST(L12_EchoFastPath, InvalidUtf8AfterAGoodMessageFailsWith1007AtEverySplitPoint) {
  std::string good = client_frame(Opcode::kText, "good");
  std::string bad = client_frame(Opcode::kText, "bad \xff text");
  std::string input = good + bad;
  for (std::size_t cut = 1; cut < input.size(); ++cut) {
    SCOPED_TRACE(cut);
    EchoFixture fixture;
    fixture.deliver(std::string_view(input).substr(0, cut));
    std::string replies = fixture.replies();
    fixture.deliver(std::string_view(input).substr(cut));
    replies += fixture.replies();
    std::string expected = server_frame(Opcode::kText, "good");
    ASSERT_GT(replies.size(), expected.size());
    EXPECT_EQ(replies.substr(0, expected.size()), expected);
    std::string close = replies.substr(expected.size());
    ASSERT_GE(close.size(), 4u);
    EXPECT_EQ(static_cast<std::uint8_t>(close[0]), 0x88);  // FIN + close
    EXPECT_EQ((static_cast<std::uint8_t>(close[2]) << 8) | static_cast<std::uint8_t>(close[3]),
              1007);
    ASSERT_EQ(fixture.errors.size(), 1u);
    EXPECT_EQ(fixture.errors[0].substr(0, 4), "1007");
  }
}

// The send queue bounds the fast path like any send: past max_send_queue, 1008 and no echo.
TEST(L12_EchoFastPath, SendQueueLimitClosesWith1008) {
  WsOptions options;
  options.max_send_queue = 1000;
  EchoFixture fixture(options);
  fixture.deliver(client_frame(Opcode::kBinary, pattern(100)) +
                  client_frame(Opcode::kBinary, pattern(2000)));
  std::string replies = fixture.replies();
  std::string expected = server_frame(Opcode::kBinary, pattern(100));
  ASSERT_GT(replies.size(), expected.size());
  EXPECT_EQ(replies.substr(0, expected.size()), expected);
  std::string close = replies.substr(expected.size());
  ASSERT_GE(close.size(), 4u);
  EXPECT_EQ(static_cast<std::uint8_t>(close[0]), 0x88);
  EXPECT_EQ((static_cast<std::uint8_t>(close[2]) << 8) | static_cast<std::uint8_t>(close[3]), 1008);
}

// Step 15's batch: the whole frames of one read are answered in one stretch of the output. A
// bad text frame in the middle stops it: the replies before it go out, it and everything after
// it never do, and the connection fails with 1007.
TEST(L12_EchoFastPath, BadUtf8InTheMiddleOfABatchKeepsTheRepliesBeforeIt) {
  EchoFixture fixture;
  fixture.deliver(client_frame(Opcode::kText, "one") + client_frame(Opcode::kBinary, "two") +
                  client_frame(Opcode::kText, "bad \xc0\xaf") +
                  client_frame(Opcode::kText, "never"));
  std::string replies = fixture.replies();
  std::string expected = server_frame(Opcode::kText, "one") + server_frame(Opcode::kBinary, "two");
  ASSERT_EQ(replies.substr(0, expected.size()), expected);
  std::string close = replies.substr(expected.size());
  ASSERT_GE(close.size(), 4u);
  EXPECT_EQ(static_cast<std::uint8_t>(close[0]), 0x88);
  EXPECT_EQ((static_cast<std::uint8_t>(close[2]) << 8) | static_cast<std::uint8_t>(close[3]), 1007);
  EXPECT_EQ(close.size(), 2u + static_cast<std::uint8_t>(close[1]));  // nothing after the close
}

// The send queue limit inside a batch: the replies that fit are sent, the first that does not
// closes the connection with 1008, as it would one frame at a time.
TEST(L12_EchoFastPath, SendQueueLimitInsideABatchSendsWhatFitsThenClosesWith1008) {
  WsOptions options;
  options.max_send_queue = 350;  // three 102-byte replies fit, a fourth does not
  EchoFixture fixture(options);
  std::string input;
  std::string expected;
  for (int i = 0; i < 5; ++i) {
    std::string payload = pattern(100 + i).substr(i);
    input += client_frame(Opcode::kBinary, payload);
    if (i < 3) expected += server_frame(Opcode::kBinary, payload);
  }
  fixture.deliver(input);
  std::string replies = fixture.replies();
  ASSERT_EQ(replies.substr(0, expected.size()), expected);
  std::string close = replies.substr(expected.size());
  ASSERT_GE(close.size(), 4u);
  EXPECT_EQ(static_cast<std::uint8_t>(close[0]), 0x88);
  EXPECT_EQ((static_cast<std::uint8_t>(close[2]) << 8) | static_cast<std::uint8_t>(close[3]), 1008);
}

// A frame the fast path holds in the input, waiting for its end, is still a frame begun: the
// message deadline closes it with 1008 (a slowloris gains nothing from the echo).
TEST(L12_EchoFastPath, HeldFrameIsBoundedByTheMessageTimeout) {
  testing::Recorder recorder;
  WsOptions options;
  options.message_timeout = milliseconds(100);
  options.close_timeout = milliseconds(100);
  testing::WsTestServer server([&](http::Router& router) {
    WsHandlers handlers = recorder.handlers();
    handlers.echo = true;
    WsEndpoint(handlers, options).install(router, "/ws");
  });
  auto client = testing::WsRawClient::connect(server.port(), "/ws");
  // 9 000 of 10 000 payload bytes: more than the 4 KiB the echo holds a frame for.
  std::string frame = client_frame(Opcode::kBinary, pattern(10000));
  client.send_raw(frame.substr(0, 9000));
  auto close = client.read_frame();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->opcode, 0x8);
  EXPECT_EQ(close->close_code(), 1008);
  EXPECT_NE(recorder.wait_for("error 1008 a frame or message was not complete"), "");
  EXPECT_EQ(recorder.wait_for("message", milliseconds(0)), "");  // on_message is not called
}

}  // namespace
}  // namespace duplex::ws
