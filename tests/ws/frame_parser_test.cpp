// Tests for src/ws/frame_parser.cpp (lesson 09): RFC 6455 §5.7 examples byte for byte, boundary
// lengths in both directions, every check of §5.2, and every input at every split point.
// @lesson 09
#include "src/ws/frame_parser.hpp"

#include <gtest/gtest.h>

#include "src/ws/frame_writer.hpp"
#include "tests/support/split_feed.hpp"
#include "tests/ws/frame_log.hpp"

namespace duplex::ws {
namespace {

using testing::frame_log;

// The log of parse() over the whole input behind a guard page; from lesson 12, after checking
// that parse_whole_frame() first gives the same one.
std::string log_whole(Role role, std::string_view input, FrameParserLimits limits = {}) {
  std::string log = frame_log(role, {input}, limits, /*guarded=*/true);
#if DUPLEX_LESSON >= 12
  EXPECT_EQ(frame_log(role, {input}, limits, /*guarded=*/true, /*whole_frames=*/true), log);
#endif
  return log;
}

// The same log for every way of cutting the input, through parse() alone (and from lesson 12
// with parse_whole_frame() taking the frames a cut leaves whole); small inputs behind a guard
// page.
void expect_every_split(Role role, std::string_view input, const std::string& expected,
                        FrameParserLimits limits = {}) {
  for (const auto& plan : duplex::testing::split_plans(input)) {
    bool guarded = input.size() <= 300;
    ASSERT_EQ(frame_log(role, plan.chunks, limits, guarded), expected) << plan.name;
#if DUPLEX_LESSON >= 12
    ASSERT_EQ(frame_log(role, plan.chunks, limits, guarded, true), expected)
        << plan.name << " whole";
#endif
  }
}

const std::string kHelloUnmasked = "\x81\x05Hello";
const std::string kHelloMasked = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";

// RFC 6455 §5.7, "A single-frame unmasked text message".
TEST(L09_FrameParser, Rfc6455UnmaskedText) {
  expect_every_split(Role::kClient, kHelloUnmasked,
                     "frame fin=1 rsv=0 op=1 mask=0 len=5 payload=Hello\n");
}

// RFC 6455 §5.7, "A single-frame masked text message".
TEST(L09_FrameParser, Rfc6455MaskedText) {
  expect_every_split(Role::kServer, kHelloMasked,
                     "frame fin=1 rsv=0 op=1 mask=1 len=5 payload=Hello\n");
}

// RFC 6455 §5.7, "A fragmented unmasked text message".
TEST(L09_FrameParser, Rfc6455Fragmented) {
  expect_every_split(Role::kClient, "\x01\x03Hel\x80\x02lo",
                     "frame fin=0 rsv=0 op=1 mask=0 len=3 payload=Hel\n"
                     "frame fin=1 rsv=0 op=0 mask=0 len=2 payload=lo\n");
}

// RFC 6455 §5.7, "Unmasked Ping request and masked Ping response" (the response is a pong).
TEST(L09_FrameParser, Rfc6455PingAndPong) {
  expect_every_split(Role::kClient, "\x89\x05Hello",
                     "frame fin=1 rsv=0 op=9 mask=0 len=5 payload=Hello\n");
  expect_every_split(Role::kServer, "\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58",
                     "frame fin=1 rsv=0 op=10 mask=1 len=5 payload=Hello\n");
}

// RFC 6455 §5.7, "256 bytes binary message in a single unmasked frame" and the 64 KiB one.
TEST(L09_FrameParser, Rfc6455LongBinary) {
  std::string payload256(256, 'b');
  expect_every_split(Role::kClient, std::string("\x82\x7E\x01\x00", 4) + payload256,
                     "frame fin=1 rsv=0 op=2 mask=0 len=256 payload=" + payload256 + "\n");
  std::string payload64k(65536, 'c');
  std::string frame = std::string("\x82\x7F\x00\x00\x00\x00\x00\x01\x00\x00", 10) + payload64k;
  EXPECT_EQ(log_whole(Role::kClient, frame),
            "frame fin=1 rsv=0 op=2 mask=0 len=65536 payload=" + payload64k + "\n");
}

// gorilla/websocket's idea: sizes around each length-encoding boundary, in both directions.
TEST(L09_FrameParser, BoundaryLengthsRoundTripBothDirections) {
  for (std::size_t size : {0, 1, 125, 126, 127, 65535, 65536}) {
    std::string payload(size, '\0');
    for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<char>('a' + i % 26);
    std::string expected_tail = " len=" + std::to_string(size) + " payload=" + payload + "\n";
    std::string from_server = serialize_frame(Opcode::kBinary, payload);
    std::string from_client =
        serialize_frame(Opcode::kBinary, payload, true, MaskKey{0x12, 0x34, 0x56, 0x78});
    EXPECT_EQ(log_whole(Role::kClient, from_server),
              "frame fin=1 rsv=0 op=2 mask=0" + expected_tail)
        << size;
    EXPECT_EQ(log_whole(Role::kServer, from_client),
              "frame fin=1 rsv=0 op=2 mask=1" + expected_tail)
        << size;
    if (size <= 127) {
      expect_every_split(Role::kClient, from_server,
                         "frame fin=1 rsv=0 op=2 mask=0" + expected_tail);
      expect_every_split(Role::kServer, from_client,
                         "frame fin=1 rsv=0 op=2 mask=1" + expected_tail);
    }
  }
}

TEST(L09_FrameParser, SeveralFramesInOneRead) {
  std::string input = kHelloUnmasked + std::string("\x89\x00", 2) + "\x82\x03" + "abc";
  expect_every_split(Role::kClient, input,
                     "frame fin=1 rsv=0 op=1 mask=0 len=5 payload=Hello\n"
                     "frame fin=1 rsv=0 op=9 mask=0 len=0 payload=\n"
                     "frame fin=1 rsv=0 op=2 mask=0 len=3 payload=abc\n");
}

#if DUPLEX_LESSON >= 12
// parse_whole_frame()'s shortcut must be invisible: a read holding many whole frames (every length
// encoding, masked, control frames between fragments) gives the same frames as the same bytes
// arriving one at a time, where the shortcut never applies.
TEST(L12_FrameParser, WholeFramesInOneStepMatchByteAtATime) {
  const MaskKey key{0x9a, 0x01, 0xff, 0x3c};
  std::string input;
  std::size_t frames = 0;
  for (std::size_t size : {0, 1, 7, 8, 9, 125, 126, 300, 65535, 65536, 70000}) {
    std::string payload(size, '\0');
    for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<char>(i * 31 + size);
    input += serialize_frame(Opcode::kBinary, payload, false, key);
    input += serialize_frame(Opcode::kPing, payload.substr(0, 125), true, key);
    input += serialize_frame(Opcode::kContinuation, payload, true, key);
    frames += 3;
  }
  std::string whole = log_whole(Role::kServer, input);
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i)
    bytes.push_back(std::string_view(input).substr(i, 1));
  EXPECT_EQ(frame_log(Role::kServer, bytes, {}, false, /*whole_frames=*/true), whole);
  EXPECT_EQ(frame_log(Role::kServer, bytes), whole);
  // And the whole read really took the shortcut: every frame in one call, nothing left over.
  FrameParser parser(Role::kServer);
  std::span<char> rest(input.data(), input.size());
  std::size_t one_step_frames = 0;
  while (!rest.empty()) {
    auto frame = parser.parse_whole_frame(rest);
    ASSERT_NE(frame.size, 0U) << one_step_frames;
    ++one_step_frames;
    rest = rest.subspan(frame.size);
  }
  EXPECT_EQ(one_step_frames, frames);
}

// The shortcut takes only a frame that is whole and passes every check; anything else is left
// untouched for parse(), so an error is reported from one place, with the same code.
TEST(L12_FrameParser, WholeFrameShortcutLeavesOtherInputToParse) {
  FrameParser parser(Role::kServer);
  std::string partial = kHelloMasked.substr(0, 8);
  EXPECT_EQ(parser.parse_whole_frame(std::span<char>(partial.data(), partial.size())).size, 0U);
  EXPECT_EQ(partial, kHelloMasked.substr(0, 8));  // not unmasked
  std::string input = kHelloMasked;
  auto frame = parser.parse_whole_frame(std::span<char>(input.data(), input.size()));
  EXPECT_EQ(frame.size, input.size());
  EXPECT_EQ(frame.payload.data(), input.data() + 6);  // unmasked where it lay
  EXPECT_EQ(frame.payload, "Hello");
  EXPECT_TRUE(parser.at_frame_start());
  std::string unmasked = kHelloUnmasked;
  std::span<char> bad(unmasked.data(), unmasked.size());
  EXPECT_EQ(parser.parse_whole_frame(bad).size, 0U);
  EXPECT_FALSE(parser.failed());
  FrameResult result = parser.parse(bad);
  EXPECT_TRUE(result.failed());
  EXPECT_EQ(result.error.code, CloseCode::kProtocolError);
}

// The shortcut's peek lets the usual first two bytes (0x80-0x82 with the mask bit the role
// requires) skip the five checks that need only those bytes. For every first byte, both mask
// bits, both roles and with or without RSV1 negotiated, it must take exactly the frames that
// parse() accepts.
TEST(L12_FrameParser, EveryFirstTwoBytesAreJudgedAsParseJudgesThem) {
  const MaskKey key{0x9a, 0x01, 0xff, 0x3c};
  for (Role role : {Role::kServer, Role::kClient}) {
    for (std::uint8_t allowed_rsv : {std::uint8_t{0}, kRsv1}) {
      FrameParserLimits limits;
      limits.allowed_rsv = allowed_rsv;
      for (int b0 = 0; b0 < 256; ++b0) {
        for (bool masked : {false, true}) {
          std::string frame{static_cast<char>(b0), static_cast<char>((masked ? 0x80 : 0) | 3)};
          if (masked) frame.append(key.begin(), key.end());
          frame += "abc";
          SCOPED_TRACE(::testing::Message()
                       << "role " << static_cast<int>(role) << " rsv " << int{allowed_rsv} << " b0 "
                       << b0 << " masked " << masked);
          FrameParser stepwise(role, limits);
          std::string copy = frame;
          std::span<char> rest(copy.data(), copy.size());
          bool accepted = true;
          while (!rest.empty()) {
            FrameResult result = stepwise.parse(rest);
            ASSERT_FALSE(result.need_more());
            if (result.failed()) {
              accepted = false;
              break;
            }
            rest = rest.subspan(result.consumed);
          }
          FrameParser shortcut(role, limits);
          std::span<char> whole(frame.data(), frame.size());
          EXPECT_EQ(shortcut.parse_whole_frame(whole).size != 0, accepted);
        }
      }
    }
  }
}

// usual_whole_frame() judges a frame from its first two bytes; whatever it takes, parse() takes
// too, whole and of the same size, and it takes every frame of the usual shape: FIN, text or
// binary, no RSV bit, masked, a 7-bit length within the limit, whole.
TEST(L12_FrameParser, TheUsualFrameIsOneParseAcceptsAndEveryOneOfThatShapeIsTaken) {
  const MaskKey key{0x9a, 0x01, 0xff, 0x3c};
  for (Role role : {Role::kServer, Role::kClient}) {
    for (std::uint64_t limit : {std::uint64_t{20}, kDefaultMaxFrameSize}) {
      FrameParserLimits limits;
      limits.max_frame_size = limit;
      for (int b0 = 0; b0 < 256; ++b0) {
        for (int length : {0, 1, 19, 20, 21, 125, 126, 127}) {
          for (bool masked : {false, true}) {
            std::string frame{static_cast<char>(b0),
                              static_cast<char>((masked ? 0x80 : 0) | length)};
            if (length == 126) frame += std::string("\x00\xc8", 2);
            if (length == 127) frame += std::string("\0\0\0\0\0\1\0\0", 8);
            if (masked) frame.append(key.begin(), key.end());
            if (length <= 125) frame += std::string(static_cast<std::size_t>(length), 'u');
            SCOPED_TRACE(::testing::Message()
                         << "role " << static_cast<int>(role) << " limit " << limit << " b0 " << b0
                         << " length " << length << " masked " << masked);
            // The next frame's first bytes behind it: a judge that misreads the header size
            // would reach into them instead of finding the frame cut.
            std::string input = frame + std::string("\x81\x80", 2);
            input.append(key.begin(), key.end());
            FrameParser judge(role, limits);
            std::size_t size = judge.usual_whole_frame(input);
            bool usual_shape = role == Role::kServer && (b0 == 0x81 || b0 == 0x82) && masked &&
                               length <= 125 && static_cast<std::uint64_t>(length) <= limit;
            EXPECT_EQ(size != 0, usual_shape);
            if (size == 0) continue;
            EXPECT_EQ(size, frame.size());
            EXPECT_EQ(judge.usual_whole_frame(std::string_view(frame).substr(0, size - 1)), 0u);
            FrameParser parser(role, limits);
            std::string copy = frame;
            EXPECT_EQ(parser.parse_whole_frame(std::span<char>(copy.data(), copy.size())).size,
                      size);
          }
        }
      }
    }
  }
}
#endif

TEST(L09_FrameParser, IncompleteInputIsNotAFrame) {
  EXPECT_EQ(log_whole(Role::kClient, "\x81"), "partial\n");
  EXPECT_EQ(log_whole(Role::kClient, "\x81\x7e\x00"), "partial\n");
  EXPECT_EQ(log_whole(Role::kClient, "\x81\x05Hel"), "partial\n");
  EXPECT_EQ(log_whole(Role::kServer, "\x81\x85\x37\xfa"), "partial\n");
}

// --- Hostile frames: each is refused, with the code, before any payload is read. ---

// An extension could give RSV bits meaning; without one, a set bit means the peer speaks
// something we do not understand (§5.2).
TEST(L09_FrameParser, ReservedBitsWithoutExtensionFail1002) {
  for (std::string first : {"\xc1", "\xa1", "\x91"}) {
    expect_every_split(Role::kClient, first + "\x05Hello",
                       "error 1002 reserved bits set without an extension\n");
  }
  FrameParserLimits with_rsv1;
  with_rsv1.allowed_rsv = kRsv1;
  EXPECT_EQ(log_whole(Role::kClient, "\xc1\x05Hello", with_rsv1),
            "frame fin=1 rsv=4 op=1 mask=0 len=5 payload=Hello\n");
  EXPECT_EQ(log_whole(Role::kClient, "\xa1\x05Hello", with_rsv1),
            "error 1002 reserved bits set without an extension\n");
}

// Guessing the meaning of a future opcode would desynchronise the two ends (§5.2).
TEST(L09_FrameParser, ReservedOpcodesFail1002) {
  for (int op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    std::string frame = std::string(1, static_cast<char>(0x80 | op)) + std::string(1, '\0');
    EXPECT_EQ(log_whole(Role::kClient, frame), "error 1002 reserved opcode\n") << op;
  }
}

// A fragmented ping could be interleaved with itself; §5.5 forbids it.
TEST(L09_FrameParser, FragmentedControlFrameFails1002) {
  EXPECT_EQ(log_whole(Role::kClient, std::string("\x09\x00", 2)),
            "error 1002 fragmented control frame\n");
  EXPECT_EQ(log_whole(Role::kClient, std::string("\x08\x00", 2)),
            "error 1002 fragmented control frame\n");
}

// Control frames must stay small so they can be answered between fragments (§5.5).
TEST(L09_FrameParser, LongControlFrameFails1002) {
  std::string ok = "\x89\x7d" + std::string(125, 'p');
  EXPECT_EQ(log_whole(Role::kClient, ok),
            "frame fin=1 rsv=0 op=9 mask=0 len=125 payload=" + std::string(125, 'p') + "\n");
  // The 126 marker is refused from the first two bytes: the extended length is never read.
  EXPECT_EQ(log_whole(Role::kClient, "\x89\x7e"),
            "error 1002 control frame longer than 125 bytes\n");
  EXPECT_EQ(log_whole(Role::kClient, "\x88\x7f"),
            "error 1002 control frame longer than 125 bytes\n");
}

// §5.1 / §10.3: unmasked client bytes are what cache poisoning needs, so a server refuses them.
TEST(L09_FrameParser, UnmaskedFrameFromClientFails1002) {
  expect_every_split(Role::kServer, kHelloUnmasked, "error 1002 unmasked frame from a client\n");
}

// §5.1: a client must refuse masked frames, or servers could send garbage it would accept.
TEST(L09_FrameParser, MaskedFrameFromServerFails1002) {
  expect_every_split(Role::kClient, kHelloMasked, "error 1002 masked frame from a server\n");
}

// §5.2: a 64-bit length with the top bit set is negative in many languages.
TEST(L09_FrameParser, TopBitOf64BitLengthFails1002) {
  std::string frame = std::string("\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00", 10);
  expect_every_split(Role::kClient, frame, "error 1002 64-bit length with the top bit set\n");
}

// §5.2 "the minimal number of bytes MUST be used": two parsers must never disagree on lengths.
TEST(L09_FrameParser, NonMinimalLengthsFail1002) {
  expect_every_split(Role::kClient, std::string("\x82\x7e\x00\x7d", 4) + std::string(125, 'x'),
                     "error 1002 length not in its minimal encoding\n");
  expect_every_split(Role::kClient, std::string("\x82\x7e\x00\x00", 4),
                     "error 1002 length not in its minimal encoding\n");
  expect_every_split(Role::kClient, std::string("\x82\x7f\x00\x00\x00\x00\x00\x00\xff\xff", 10),
                     "error 1002 length not in its minimal encoding\n");
  // The smallest legal values of each form pass.
  EXPECT_EQ(log_whole(Role::kClient, std::string("\x82\x7e\x00\x7e", 4)), "partial\n");
  EXPECT_EQ(log_whole(Role::kClient, std::string("\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10)),
            "partial\n");
}

// A peer announcing 2^62 bytes must be refused from the header, not after we buffer them (§10.4).
TEST(L09_FrameParser, FrameOverLimitFails1009BeforeItsPayload) {
  FrameParserLimits limits;
  limits.max_frame_size = 1000;
  EXPECT_EQ(log_whole(Role::kClient, std::string("\x82\x7e\x03\xe8", 4), limits), "partial\n");
  EXPECT_EQ(log_whole(Role::kClient, std::string("\x82\x7e\x03\xe9", 4), limits),
            "error 1009 frame larger than the limit\n");
  EXPECT_EQ(log_whole(Role::kClient, std::string("\x82\x7f\x40\x00\x00\x00\x00\x00\x00\x00", 10)),
            "error 1009 frame larger than the limit\n");
}

// After a failure nothing more is parsed, whatever follows: every call fails again with the
// same error and consumes nothing.
TEST(L09_FrameParser, StaysFailed) {
  FrameParser parser(Role::kServer);
  std::string input = kHelloUnmasked + kHelloMasked;
  auto first = parser.parse(std::span<char>(input.data(), input.size()));
  EXPECT_TRUE(first.failed());
  EXPECT_EQ(first.consumed, 2U);  // checks 1-5 fail on the first two bytes, before any payload
  EXPECT_TRUE(parser.failed());
  auto again = parser.parse(std::span<char>(input.data() + 7, input.size() - 7));
  EXPECT_TRUE(again.failed());
  EXPECT_EQ(again.consumed, 0U);
  EXPECT_EQ(again.error.code, CloseCode::kProtocolError);
  EXPECT_EQ(again.error.reason, first.error.reason);
}

// The one parser contract (net::ParseResult): each step of a frame is a "done" result that says
// which step it was and how many bytes it used; running out of input is "need more" with every
// byte offered consumed (a split header is kept inside the parser).
TEST(L09_FrameParser, StepsAreDoneResultsOfTheSharedContract) {
  FrameParser parser(Role::kServer);
  std::string input = kHelloMasked;
  std::span<char> rest(input.data(), 4);
  auto partial = parser.parse(rest);
  EXPECT_TRUE(partial.need_more());
  EXPECT_EQ(partial.consumed, 4U);
  rest = std::span<char>(input.data() + 4, input.size() - 4);
  auto header = parser.parse(rest);
  ASSERT_TRUE(header.done());
  EXPECT_EQ(header.step, FrameStep::kHeader);
  EXPECT_EQ(header.consumed, 2U);
  rest = rest.subspan(header.consumed);
  auto payload = parser.parse(rest.first(2));
  ASSERT_TRUE(payload.done());
  EXPECT_EQ(payload.step, FrameStep::kPayload);
  EXPECT_EQ(payload.payload, "He");
  rest = rest.subspan(payload.consumed);
  auto more = parser.parse(rest.first(0));
  EXPECT_TRUE(more.need_more());
  EXPECT_EQ(more.consumed, 0U);
  payload = parser.parse(rest);
  ASSERT_TRUE(payload.done());
  EXPECT_EQ(payload.payload, "llo");  // the mask continues where the first piece stopped
  auto end = parser.parse(rest.subspan(payload.consumed));
  ASSERT_TRUE(end.done());
  EXPECT_EQ(end.step, FrameStep::kFrameEnd);
  EXPECT_EQ(end.consumed, 0U);
  EXPECT_TRUE(parser.at_frame_start());
}

// Payload is unmasked in place and handed over as a view into the caller's buffer.
TEST(L09_FrameParser, PayloadIsAViewIntoTheInput) {
  FrameParser parser(Role::kServer);
  std::string input = kHelloMasked;
  std::span<char> rest(input.data(), input.size());
  auto header = parser.parse(rest);
  ASSERT_TRUE(header.done());
  ASSERT_EQ(header.step, FrameStep::kHeader);
  rest = rest.subspan(header.consumed);
  auto payload = parser.parse(rest);
  ASSERT_TRUE(payload.done());
  ASSERT_EQ(payload.step, FrameStep::kPayload);
  EXPECT_EQ(payload.payload.data(), input.data() + 6);
  EXPECT_EQ(payload.payload, "Hello");
  EXPECT_EQ(input.substr(6), "Hello");
  auto end = parser.parse(rest.subspan(payload.consumed));
  EXPECT_TRUE(end.done());
  EXPECT_EQ(end.step, FrameStep::kFrameEnd);
}

}  // namespace
}  // namespace duplex::ws
