// Tests for Inflater (lesson 14; RFC 1951 §3.2).
//
// Hand-built streams for each block type, each malformed-stream cause by name, the output limit,
// zlib-made streams (tests/deflate/data, written once by tests/bench/deflate_compare.cpp), and
// every stream fed at every split point, each piece behind a guard page, into output pieces of
// several sizes: every plan must give the same bytes and the same answer.
// @lesson 14
#include "src/deflate/inflater.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "src/deflate/deflater.hpp"
#include "src/deflate/huffman_code.hpp"
#include "tests/deflate/stream_builder.hpp"
#include "tests/support/guarded_buffer.hpp"
#include "tests/support/split_feed.hpp"

namespace duplex::deflate {
namespace {

using namespace std::literals;
using testing::BitStream;
using testing::fixed_symbol;

struct Inflated {
  std::string result;  // "need-more", "done" or the error's text
  std::size_t consumed = 0;
  std::string output;
  bool operator==(const Inflated&) const = default;
};

void PrintTo(const Inflated& r, std::ostream* out) {
  *out << r.result << " consumed=" << r.consumed << " output=" << r.output.size() << " bytes";
}

// Feeds `chunks` (each copied behind a guard page) into output pieces of `out_piece` bytes.
Inflated inflate_plan(const std::vector<std::string_view>& chunks, InflaterOptions options = {},
                      std::size_t out_piece = 1 << 16) {
  Inflater inflater(options);
  Inflated out{"need-more", 0, {}};
  std::vector<char> piece(out_piece);
  for (std::string_view chunk : chunks) {
    duplex::testing::GuardedBuffer guarded(chunk);
    std::string_view in = guarded.view();
    for (;;) {
      InflateResult r = inflater.inflate(in, piece);
      EXPECT_LE(r.consumed, in.size());
      EXPECT_LE(r.produced, piece.size());
      out.output.append(piece.data(), r.produced);
      out.consumed += r.consumed;
      in.remove_prefix(r.consumed);
      if (r.failed()) {
        // A refused stream's output is thrown away, whatever piece sizes carried it.
        out.result = std::string(to_string(r.error));
        out.consumed = 0;
        out.output.clear();
        return out;
      }
      if (r.done()) {
        out.result = "done";
        return out;
      }
      // Need more: call again while output may be waiting or input is left.
      if (in.empty() && r.produced < piece.size()) break;
    }
  }
  return out;
}

Inflated inflate_whole(std::string_view stream, InflaterOptions options = {}) {
  return inflate_plan({stream}, options);
}

// Every split plan must agree with the whole-input answer, with output pieces of 7 bytes (the
// output fills in the middle of most steps) and of 64 KiB. One-byte output pieces are tried on
// the whole and the bytewise plans only: with every plan they made these suites the slowest
// under ASan and valgrind, and the 7-byte pieces already stop the output at every kind of step.
void expect_same_every_split(std::string_view stream, InflaterOptions options = {}) {
  const Inflated whole = inflate_whole(stream, options);
  for (const auto& plan : duplex::testing::split_plans(stream, 14, 4, 600)) {
    for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{1} << 16}) {
      if (piece == 1 && plan.name != "whole" && plan.name != "bytewise") continue;
      EXPECT_EQ(inflate_plan(plan.chunks, options, piece), whole)
          << "plan " << plan.name << ", output pieces of " << piece;
    }
  }
}

std::string read_data(const std::string& name) {
  std::string data;
  const std::string path = DUPLEX_SOURCE_DIR "/tests/deflate/data/" + name;
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    char chunk[4096];
    for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, f)) > 0;) data.append(chunk, n);
    std::fclose(f);
  } else {
    ADD_FAILURE() << "cannot read " << path;
  }
  return data;
}

// A fixed-Huffman block, decoded by hand (RFC 1951 §3.2.6), bit positions counted from the
// least significant bit of byte 0:
//   4b = 0100 1011: bit 0 = 1 BFINAL; bits 1-2 = 1, 0 -> BTYPE 01 (fixed); bits 3-7 = 1 0 0 1 0
//   04 = 0000 0100: bits 8-10 = 0 0 1, so bits 3-10 read as a code, first bit first, are
//                   1001 0001 = 0x91; codes 0x30-0xbf are 8 bits for literals 0-143: 0x91 -
//                   0x30 = 0x61, the literal 'a'. Bits 11-15 = 0 0 0 0 0
//   03 = 0000 0011: bits 16-17 = 1 1, so bits 11-17 are the 7-bit code 0000011: symbols
//                   256-279 are 7-bit codes from 0, so this is 259, length 5 (§3.2.5, no extra
//                   bits). Bits 18-22 = 00000: the 5-bit distance code 0, distance 1.
//                   Bits 23-29 = 0000000: symbol 256, end of block.
//   00            : the rest of bits 24-29 and the padding.
// "a", then 5 bytes copied from 1 back: "aaaaaa".
TEST(L14_Inflater, FixedBlockDecodedByHand) {
  const std::string stream = "\x4b\x04\x03\x00"s;
  EXPECT_EQ(inflate_whole(stream), (Inflated{"done", 4, "aaaaaa"}));
  BitStream built;
  built.bits(1, 1).bits(1, 2);
  fixed_symbol(built, 'a');
  fixed_symbol(built, 259).code(0, 5);
  fixed_symbol(built, 256);
  EXPECT_EQ(built.str(), stream);
  expect_same_every_split(stream);
}

TEST(L14_Inflater, StoredBlocks) {
  // RFC 1951 §3.2.4: BFINAL 0, BTYPE 00, pad, LEN 5, NLEN ~5, "hello"; then an empty final one.
  const std::string stream = "\x00\x05\x00\xfa\xffhello\x01\x00\x00\xff\xff"s;
  EXPECT_EQ(inflate_whole(stream), (Inflated{"done", stream.size(), "hello"}));
  expect_same_every_split(stream);
}

TEST(L14_Inflater, StoredBlockOfMaximumLength) {
  const std::string data(65535, 'z');
  const std::string stream = "\x01\xff\xff\x00\x00"s + data;
  EXPECT_EQ(inflate_whole(stream), (Inflated{"done", stream.size(), data}));
}

// A dynamic block built by hand (RFC 1951 §3.2.7): literal/length code {'a': 1 bit, 256: 1 bit},
// one distance code of 1 bit, code-length code {0: 2 bits, 1: 2 bits, 18: 1 bit}.
std::string hand_dynamic_block() {
  BitStream s;
  s.bits(1, 1).bits(2, 2);
  s.bits(257 - 257, 5).bits(1 - 1, 5).bits(18 - 4, 4);
  // Code-length code lengths in the order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1.
  const int order_lengths[18] = {0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  for (int len : order_lengths) s.bits(static_cast<std::uint32_t>(len), 3);
  // Canonical codes: 18 -> 0, 0 -> 10, 1 -> 11.
  s.code(0, 1).bits(97 - 11, 7);   // 97 zeros: symbols 0..96
  s.code(3, 2);                    // 'a' (97): length 1
  s.code(0, 1).bits(138 - 11, 7);  // zeros for 98..235
  s.code(0, 1).bits(20 - 11, 7);   // zeros for 236..255
  s.code(3, 2);                    // 256: length 1
  s.code(3, 2);                    // distance 0: length 1 (a single distance code, §3.2.7)
  // Data: codes 'a' -> 0, 256 -> 1; "aa", end of block.
  s.code(0, 1).code(0, 1).code(1, 1);
  return s.str();
}

TEST(L14_Inflater, DynamicBlockBuiltByHand) {
  const std::string stream = hand_dynamic_block();
  EXPECT_EQ(inflate_whole(stream), (Inflated{"done", stream.size(), "aa"}));
  expect_same_every_split(stream);
}

TEST(L14_Inflater, ZlibMadeStreams) {
  for (const char* name : {"zlib-empty", "zlib-hello", "zlib-chat-l1", "zlib-chat-l9-w9",
                           "zlib-binary-l6", "zlib-runs-l6"}) {
    SCOPED_TRACE(name);
    const std::string stream = read_data(std::string(name) + ".deflate");
    const std::string raw = read_data(std::string(name) + ".raw");
    EXPECT_EQ(inflate_whole(stream), (Inflated{"done", stream.size(), raw}));
    expect_same_every_split(stream);
  }
}

TEST(L14_Inflater, WindowNineStreamNeedsOnlyAWindowOfNine) {
  const std::string stream = read_data("zlib-chat-l9-w9.deflate");
  EXPECT_EQ(inflate_whole(stream, {.window_bits = 9}).result, "done");
}

TEST(L14_Inflater, BytesAfterTheFinalBlockAreNotConsumed) {
  const std::string stream = read_data("zlib-chat-l1.deflate");
  const Inflated r = inflate_whole(stream + "next message");
  EXPECT_EQ(r.result, "done");
  EXPECT_EQ(r.consumed, stream.size());
  // Also when the output fills up before the end: the bytes read ahead are given back.
  for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{1000}}) {
    const Inflated small = inflate_plan({stream + "next message"}, {}, piece);
    EXPECT_EQ(small, r) << "output pieces of " << piece;
  }
}

TEST(L14_Inflater, TruncatedStreamNeedsMoreAtEveryLength) {
  // A stream cut anywhere is not an error yet: the rest may still come (a truncated block is
  // the WebSocket layer's to judge at the end of a message).
  const std::string stream = read_data("zlib-binary-l6.deflate");
  const std::string raw = read_data("zlib-binary-l6.raw");
  for (std::size_t cut = 0; cut < stream.size(); ++cut) {
    const Inflated r = inflate_whole(std::string_view(stream).substr(0, cut));
    ASSERT_EQ(r.result, "need-more") << "cut at " << cut;
    ASSERT_EQ(r.consumed, cut);
    ASSERT_EQ(r.output, raw.substr(0, r.output.size()));
  }
}

struct BadStream {
  const char* why;
  std::string stream;
  InflateError error;
  int window_bits = 15;
};

// Code-length code lengths for symbols {0: 2, 1: 2, 2: 2, 18: 2} in the §3.2.7 order
// (16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1): codes 0 -> 00, 1 -> 01, 2 -> 10, 18 -> 11.
BitStream& small_code_length_code(BitStream& s) {
  const int order_lengths[18] = {0, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2};
  for (int len : order_lengths) s.bits(static_cast<std::uint32_t>(len), 3);
  return s;
}
BitStream& zeros(BitStream& s, int count) {
  for (; count >= 11; count -= std::min(count, 138))
    s.code(3, 2).bits(std::min(count, 138) - 11, 7);
  for (; count > 0; --count) s.code(0, 2);
  return s;
}

std::vector<BadStream> bad_streams() {
  std::vector<BadStream> cases;
  cases.push_back({"BTYPE 11 is reserved", "\x07"s, InflateError::kBadBlockType});
  cases.push_back({"NLEN must be LEN's complement", "\x01\x05\x00\xfb\xffhello"s,
                   InflateError::kStoredLengthMismatch});
  {
    BitStream s;  // HLIT = 30: 287 literal/length codes, one more than may exist
    s.bits(1, 1).bits(2, 2).bits(30, 5).bits(0, 5).bits(0, 4);
    cases.push_back({"HLIT past 286", s.str(), InflateError::kTooManyLengthCodes});
  }
  {
    BitStream s;  // HDIST = 30: 31 distance codes
    s.bits(1, 1).bits(2, 2).bits(0, 5).bits(30, 5).bits(0, 4);
    cases.push_back({"HDIST past 30", s.str(), InflateError::kTooManyDistanceCodes});
  }
  {
    BitStream s;  // four 1-bit code-length codes cannot all exist
    s.bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4);
    for (int i = 0; i < 4; ++i) s.bits(1, 3);
    cases.push_back(
        {"over-subscribed code-length code", s.str(), InflateError::kCodeLengthsOverSubscribed});
  }
  {
    BitStream s;  // one 1-bit code-length code: half the bit patterns mean nothing
    s.bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4);
    s.bits(0, 3).bits(0, 3).bits(1, 3).bits(0, 3);
    cases.push_back({"incomplete code-length code", s.str(), InflateError::kCodeLengthsIncomplete});
  }
  {
    BitStream s;  // code-length code {0: 1 bit, 16: 1 bit}; the first length is a repeat
    s.bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4);
    s.bits(1, 3).bits(0, 3).bits(0, 3).bits(1, 3);
    s.code(1, 1).bits(0, 2);
    cases.push_back({"repeat of a previous length that does not exist", s.str(),
                     InflateError::kRepeatWithoutPrevious});
  }
  {
    BitStream s;  // 258 lengths expected, two runs of 138 zeros give 276
    s.bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(14, 4);
    small_code_length_code(s);
    s.code(3, 2).bits(127, 7).code(3, 2).bits(127, 7);
    cases.push_back({"a repeat past HLIT + HDIST", s.str(), InflateError::kCodeLengthsOverrun});
  }
  {
    BitStream s;  // every length zero: symbol 256 has no code, no block could ever end
    s.bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(14, 4);
    small_code_length_code(s);
    zeros(s, 258);
    cases.push_back({"no end-of-block code", s.str(), InflateError::kMissingEndOfBlock});
  }
  {
    BitStream s;  // literal/length code {'a': 2 bits, 256: 2 bits}: half the patterns unused
    s.bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(14, 4);
    small_code_length_code(s);
    zeros(s, 97).code(2, 2);   // 'a': length 2
    zeros(s, 158).code(2, 2);  // 256: length 2
    s.code(1, 2);              // distance 0: length 1
    cases.push_back(
        {"incomplete literal/length code", s.str(), InflateError::kCodeLengthsIncomplete});
  }
  {
    BitStream s;  // literal/length code with three 1-bit codes
    s.bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(14, 4);
    small_code_length_code(s);
    s.code(1, 2).code(1, 2);   // symbols 0, 1: length 1
    zeros(s, 254).code(1, 2);  // 256: length 1
    s.code(1, 2);
    cases.push_back(
        {"over-subscribed literal/length code", s.str(), InflateError::kCodeLengthsOverSubscribed});
  }
  {
    BitStream s;  // fixed block, symbol 286: has a code, may never appear (§3.2.6)
    s.bits(1, 1).bits(1, 2);
    fixed_symbol(s, 286);
    cases.push_back({"literal/length symbol 286", s.str(), InflateError::kInvalidLiteralLength});
  }
  {
    BitStream s;  // fixed block: 'a', then length 3 with distance symbol 30 (§3.2.6: never)
    s.bits(1, 1).bits(1, 2);
    fixed_symbol(s, 'a');
    fixed_symbol(s, 257).code(30, 5);
    cases.push_back({"distance symbol 30", s.str(), InflateError::kInvalidDistance});
  }
  {
    BitStream s;  // a dynamic block with no distance codes at all, then a match
    s.bits(1, 1).bits(2, 2).bits(1, 5).bits(0, 5).bits(14, 4);
    small_code_length_code(s);
    zeros(s, 97).code(2, 2);   // 'a': 2 bits
    zeros(s, 158).code(2, 2);  // 256: 2 bits
    s.code(1, 2);              // 257: 1 bit
    s.code(0, 2);              // distance 0: no code
    // Codes: 257 -> 0, 'a' -> 10, 256 -> 11.
    s.code(2, 2).code(0, 1);
    cases.push_back(
        {"a match where no distance code exists", s.str(), InflateError::kInvalidDistance});
  }
  {
    BitStream s;  // 'a', then a match 2 back: before the first byte of the stream
    s.bits(1, 1).bits(1, 2);
    fixed_symbol(s, 'a');
    fixed_symbol(s, 257).code(1, 5);
    fixed_symbol(s, 256);
    cases.push_back({"distance before the start", s.str(), InflateError::kDistanceBeforeStart});
  }
  {
    // 300 stored bytes, then a match 300 back: fine for a 2^15 window, too far for 2^8.
    BitStream s;
    s.bits(0, 1).bits(0, 2).bytes("\x2c\x01\xd3\xfe"s + std::string(300, 'x'));
    s.bits(1, 1).bits(1, 2);
    fixed_symbol(s, 257).code(16, 5).bits(300 - 257, 7);
    fixed_symbol(s, 256);
    cases.push_back(
        {"distance beyond a 256-byte window", s.str(), InflateError::kDistanceTooFarBack, 8});
  }
  return cases;
}

TEST(L14_Inflater, MalformedStreamsFailWithTheirCause) {
  for (const BadStream& bad : bad_streams()) {
    SCOPED_TRACE(bad.why);
    const Inflated r = inflate_whole(bad.stream, {.window_bits = bad.window_bits});
    EXPECT_EQ(r.result, to_string(bad.error));
    expect_same_every_split(bad.stream, {.window_bits = bad.window_bits});
  }
}

TEST(L14_Inflater, DistanceWithinTheWindowIsFine) {
  // The stream that fails with a 256-byte window decodes with the default one.
  for (const BadStream& bad : bad_streams()) {
    if (bad.error != InflateError::kDistanceTooFarBack) continue;
    const Inflated r = inflate_whole(bad.stream);
    EXPECT_EQ(r.result, "done");
    EXPECT_EQ(r.output, std::string(303, 'x'));
  }
}

TEST(L14_Inflater, FailedStaysFailed) {
  Inflater inflater;
  std::vector<char> out(64);
  EXPECT_EQ(inflater.inflate("\x07"sv, out).error, InflateError::kBadBlockType);
  const InflateResult again = inflater.inflate("\x4b\x04\x03\x00"sv, out);
  EXPECT_TRUE(again.failed());
  EXPECT_EQ(again.consumed, 0u);
  inflater.reset();
  EXPECT_TRUE(inflater.inflate("\x4b\x04\x03\x00"sv, out).done());
}

// Why: a few hundred bytes of 258-byte matches inflate to megabytes (a zip bomb in a message).
TEST(L14_Inflater, OutputLimitStopsAZipBomb) {
  Deflater deflater;
  std::string bomb;
  deflater.deflate(std::string(4 << 20, '\0'), Flush::kFinish, bomb);
  ASSERT_LT(bomb.size(), 8192u);
  for (std::size_t limit :
       {std::size_t{0}, std::size_t{1}, std::size_t{1000}, std::size_t{65536}}) {
    const Inflated r = inflate_whole(bomb, {.max_output = limit});
    EXPECT_EQ(r.result, to_string(InflateError::kOutputLimit)) << limit;
    EXPECT_EQ(inflate_plan({bomb}, {.max_output = limit}, 3).result, r.result);
    Inflater inflater({.max_output = limit});
    std::vector<char> out(1 << 20);
    const InflateResult direct = inflater.inflate(bomb, out);
    EXPECT_TRUE(direct.failed());
    EXPECT_LE(direct.produced, limit);
  }
}

TEST(L14_Inflater, OutputOfExactlyTheLimitIsFine) {
  const std::string stream = read_data("zlib-runs-l6.deflate");
  EXPECT_EQ(inflate_whole(stream, {.max_output = 8000}).result, "done");
  EXPECT_EQ(inflate_whole(stream, {.max_output = 7999}).result,
            to_string(InflateError::kOutputLimit));
  EXPECT_EQ(inflate_whole("\x03\x00"s, {.max_output = 0}).result, "done");
}

TEST(L14_Inflater, StartMessageCountsTheLimitAgainKeepingTheWindow) {
  // RFC 7692 §7.2.1 with context takeover: the second message refers to the first one's bytes.
  Deflater deflater;
  std::string first, second;
  const std::string text = "{\"type\":\"message\",\"nick\":\"alice\",\"text\":\"hello there\"}";
  deflater.deflate(text, Flush::kSync, first);
  deflater.deflate(text, Flush::kSync, second);
  ASSERT_LT(second.size(), first.size());
  Inflater inflater({.max_output = text.size()});
  std::vector<char> out(256);
  InflateResult r = inflater.inflate(first, out);
  EXPECT_TRUE(r.need_more());
  EXPECT_EQ(std::string_view(out.data(), r.produced), text);
  EXPECT_TRUE(inflater.at_block_boundary());
  inflater.start_message();
  r = inflater.inflate(second, out);
  EXPECT_TRUE(r.need_more());
  EXPECT_EQ(r.consumed, second.size());
  EXPECT_EQ(std::string_view(out.data(), r.produced), text);
}

TEST(L14_Inflater, ReleaseMemoryFreesEverythingAndStillWorks) {
  Inflater inflater({.window_bits = 10});
  EXPECT_EQ(inflater.memory_bytes(), 0u);
  std::vector<char> out(16);
  EXPECT_TRUE(inflater.inflate("\x4b\x04\x03\x00"sv, out).done());
  EXPECT_EQ(inflater.memory_bytes(), Inflater::memory_bytes_for(10));
  EXPECT_LT(Inflater::memory_bytes_for(10), Inflater::memory_bytes_for(15));
  inflater.release_memory();
  EXPECT_EQ(inflater.memory_bytes(), 0u);
  const InflateResult r = inflater.inflate("\x4b\x04\x03\x00"sv, out);
  EXPECT_TRUE(r.done());
  EXPECT_EQ(std::string_view(out.data(), r.produced), "aaaaaa");
}

TEST(L14_Inflater, LongOutputThroughSmallPiecesAndSmallWindow) {
  // Output far larger than the internal buffer: the window slides many times.
  std::string data;
  for (int i = 0; i < 200000; ++i) data += static_cast<char>('a' + (i * 7 + i / 13) % 26);
  for (int bits : {8, 12, 15}) {
    Deflater deflater({.level = 6, .window_bits = bits});
    std::string stream;
    deflater.deflate(data, Flush::kFinish, stream);
    const Inflated r = inflate_plan({stream}, {.window_bits = bits}, 1000);
    EXPECT_EQ(r.result, "done") << bits;
    EXPECT_TRUE(r.output == data) << bits;
  }
}

}  // namespace
}  // namespace duplex::deflate
