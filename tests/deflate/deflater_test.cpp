// Tests for Deflater (lesson 14; RFC 1951 §3.2, §4; RFC 7692 §7.2.1 for the sync flush).
//
// Every level and window size round-trips the shipped corpus and the edge sizes (1 MiB inputs at
// three level/window corners) through the Inflater (whose window is set to the deflater's, so a
// match reaching too far fails); the sync flush ends with 00 00 ff ff; reset() forgets the history;
// streaming input in pieces gives a stream that inflates to the same bytes.
// @lesson 14
#include "src/deflate/deflater.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "src/deflate/inflater.hpp"

namespace duplex::deflate {
namespace {

using namespace std::literals;

std::string read_corpus(const std::string& name) {
  std::string data;
  const std::string path = DUPLEX_SOURCE_DIR "/tests/bench/corpus/" + name;
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    char chunk[65536];
    for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, f)) > 0;) data.append(chunk, n);
    std::fclose(f);
  } else {
    ADD_FAILURE() << "cannot read " << path;
  }
  return data;
}

std::string compress(std::string_view data, int level, int window_bits,
                     Flush flush = Flush::kFinish) {
  Deflater deflater({.level = level, .window_bits = window_bits});
  std::string out;
  deflater.deflate(data, flush, out);
  return out;
}

// Inflates with a window of `window_bits`: "done" and the output, or the error's text.
std::pair<std::string, std::string> inflate(std::string_view stream, int window_bits) {
  Inflater inflater({.window_bits = window_bits, .max_output = std::size_t{64} << 20});
  std::string out;
  std::vector<char> piece(1 << 16);
  for (;;) {
    const InflateResult r = inflater.inflate(stream, piece);
    out.append(piece.data(), r.produced);
    stream.remove_prefix(r.consumed);
    if (r.failed()) return {std::string(to_string(r.error)), out};
    if (r.done()) return {"done", out};
    if (stream.empty() && r.produced < piece.size()) return {"need-more", out};
  }
}

void expect_round_trip_at(const std::string& name, const std::string& data, int level, int bits) {
  const std::string stream = compress(data, level, bits);
  const auto [result, out] = inflate(stream, bits);
  ASSERT_EQ(result, "done") << name << " level " << level << " window " << bits;
  ASSERT_TRUE(out == data) << name << " level " << level << " window " << bits;
}

void expect_round_trip(const std::string& name, const std::string& data) {
  for (int level = 1; level <= 9; ++level) {
    for (int bits = 8; bits <= 15; ++bits) expect_round_trip_at(name, data, level, bits);
  }
}

// The 1 MiB inputs at the corners that matter: the greedy level with the smallest window (the
// window slides most often), the default and the best level at the full window. Every level x
// window pair on large inputs is the deflate_roundtrip fuzz target's and deflate-compare's job;
// here it would cost a minute under the sanitizers for paths the smaller inputs already take.
void expect_round_trip_large(const std::string& name, const std::string& data) {
  for (const auto& [level, bits] : {std::pair{1, 8}, std::pair{6, 15}, std::pair{9, 15}}) {
    expect_round_trip_at(name, data, level, bits);
  }
}

TEST(L14_Deflater, CorpusRoundTripsAtEveryLevelAndWindow) {
  for (const char* name : {"chat.jsonl", "ticker.jsonl", "lesson.html", "sensors.bin"}) {
    expect_round_trip(name, read_corpus(name));
  }
}

TEST(L14_Deflater, EdgeSizesRoundTripAtEveryLevelAndWindow) {
  std::mt19937 random(14);
  const auto random_bytes = [&](std::size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(random());
    return s;
  };
  std::string text;
  while (text.size() < (33u << 10)) text += "{\"id\":" + std::to_string(text.size() % 977) + "}\n";
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{257}, std::size_t{32767},
                           std::size_t{32768}, std::size_t{32769}}) {
    expect_round_trip("text of " + std::to_string(size), text.substr(0, size));
    expect_round_trip("random of " + std::to_string(size), random_bytes(size));
  }
  expect_round_trip_large("1 MiB random", random_bytes(1 << 20));
  std::string repetitive;
  while (repetitive.size() < (1u << 20))
    repetitive += "abcabcabd" + std::to_string(repetitive.size() % 5);
  repetitive.resize(1 << 20);
  expect_round_trip_large("1 MiB repetitive", repetitive);
}

TEST(L14_Deflater, RandomDataFallsBackToStoredBlocks) {
  std::mt19937 random(7);
  std::string data(100000, '\0');
  for (char& c : data) c = static_cast<char>(random());
  const std::string stream = compress(data, 6, 15);
  // Stored blocks cost 5 bytes per block of at most 65535 bytes (RFC 1951 §3.2.4).
  EXPECT_LE(stream.size(), data.size() + 5 * 8);
}

TEST(L14_Deflater, DefaultLevelCompressesTheCorpus) {
  for (const char* name : {"chat.jsonl", "ticker.jsonl", "lesson.html"}) {
    const std::string data = read_corpus(name);
    const std::size_t fast = compress(data, Deflater::kFastLevel, 15).size();
    const std::size_t normal = compress(data, Deflater::kDefaultLevel, 15).size();
    EXPECT_LT(normal, fast) << name;
    EXPECT_LT(normal, data.size() / 2) << name;
  }
}

TEST(L14_Deflater, SyncFlushEndsWithTheEmptyStoredBlock) {
  // RFC 7692 §7.2.1: the message's compressed bytes end with 00 00 ff ff, which the sender
  // strips and the receiver appends again.
  Deflater deflater;
  std::string out;
  deflater.deflate("Hello", Flush::kSync, out);
  ASSERT_GE(out.size(), 5u);
  EXPECT_EQ(out.substr(out.size() - 4), "\x00\x00\xff\xff"s);
  // RFC 7692 §7.2.3.1's example: "Hello" with a fixed block, no context.
  EXPECT_EQ(out, "\xf2\x48\xcd\xc9\xc9\x07\x00\x00\x00\xff\xff"s);
  std::string empty;
  deflater.deflate("", Flush::kSync, empty);
  EXPECT_EQ(empty, "\x00\x00\x00\xff\xff"s);
}

TEST(L14_Deflater, SyncFlushedMessagesInflateOneByOne) {
  Deflater deflater({.level = 6, .window_bits = 9});
  Inflater inflater({.window_bits = 9});
  std::vector<char> piece(4096);
  for (int i = 0; i < 50; ++i) {
    const std::string message = "{\"type\":\"message\",\"id\":\"" + std::to_string(i) +
                                "\",\"nick\":\"bob\",\"text\":\"same again\"}";
    std::string out;
    deflater.deflate(message, Flush::kSync, out);
    const InflateResult r = inflater.inflate(out, piece);
    ASSERT_TRUE(r.need_more());
    ASSERT_EQ(r.consumed, out.size());
    ASSERT_EQ(std::string_view(piece.data(), r.produced), message);
    ASSERT_TRUE(inflater.at_block_boundary());
  }
}

TEST(L14_Deflater, ResetForgetsTheHistory) {
  // RFC 7692 §7.1.1.1 (no context takeover): after reset() the output is what a fresh
  // deflater writes, and it inflates without the earlier messages.
  const std::string message = "{\"type\":\"message\",\"nick\":\"carol\",\"text\":\"hi hi hi\"}";
  Deflater deflater;
  std::string first, again, fresh;
  deflater.deflate(message, Flush::kSync, first);
  deflater.reset();
  deflater.deflate(message, Flush::kSync, again);
  Deflater().deflate(message, Flush::kSync, fresh);
  EXPECT_EQ(again, fresh);
  EXPECT_EQ(first, fresh);
}

TEST(L14_Deflater, ContextTakeoverMakesTheSecondMessageSmaller) {
  const std::string message = "{\"type\":\"message\",\"nick\":\"dave\",\"text\":\"takeover\"}";
  Deflater deflater;
  std::string first, second;
  deflater.deflate(message, Flush::kSync, first);
  deflater.deflate(message, Flush::kSync, second);
  EXPECT_LT(second.size(), first.size() / 2);
}

TEST(L14_Deflater, InputInPiecesInflatesToTheSameBytes) {
  const std::string data = read_corpus("chat.jsonl");
  for (int level : {1, 6, 9}) {
    for (std::size_t piece :
         {std::size_t{1}, std::size_t{100}, std::size_t{4096}, std::size_t{70000}}) {
      Deflater deflater({.level = level, .window_bits = 15});
      std::string stream;
      std::string_view rest = data;
      while (!rest.empty()) {
        const std::string_view chunk = rest.substr(0, piece);
        rest.remove_prefix(chunk.size());
        deflater.deflate(chunk, rest.empty() ? Flush::kFinish : Flush::kNone, stream);
      }
      const auto [result, out] = inflate(stream, 15);
      EXPECT_EQ(result, "done") << level << " " << piece;
      EXPECT_TRUE(out == data) << level << " " << piece;
    }
  }
}

TEST(L14_Deflater, AFinishedStreamStartsAgain) {
  Deflater deflater;
  std::string one, two;
  deflater.deflate("abcabcabc", Flush::kFinish, one);
  EXPECT_TRUE(deflater.finished());
  deflater.deflate("abcabcabc", Flush::kFinish, two);
  EXPECT_EQ(one, two);
}

TEST(L14_Deflater, MemoryIsBoundedAndReleasable) {
  Deflater deflater({.level = 6, .window_bits = 9});
  EXPECT_EQ(deflater.memory_bytes(), 0u);
  std::string out;
  deflater.deflate("x", Flush::kSync, out);
  EXPECT_EQ(deflater.memory_bytes(), Deflater::memory_bytes_for(9));
  EXPECT_LT(Deflater::memory_bytes_for(9), Deflater::memory_bytes_for(15));
  EXPECT_LE(Deflater::memory_bytes_for(15), std::size_t{256} << 10);
  deflater.release_memory();
  EXPECT_EQ(deflater.memory_bytes(), 0u);
  out.clear();
  deflater.deflate("x", Flush::kFinish, out);
  EXPECT_EQ(inflate(out, 9), std::make_pair("done"s, "x"s));
}

TEST(L14_Deflater, StreamsAfterReleaseOrResetMatchAFreshDeflater) {
  // release_memory() hands the workspace to this thread's spares and the next stream (of this
  // deflater or another) takes it back; reset() keeps it. Either way only the hash heads the
  // last stream used are cleared, or all of them after a slide: a head left behind would point
  // a chain into the new input and change the output, so it must equal a fresh deflater's.
  const std::string chat = read_corpus("chat.jsonl");  // > 64 KiB: the window slides
  const std::string_view big(chat);
  const std::string_view small = big.substr(200, 150);
  const std::string_view other = big.substr(1000, 300);
  const auto fresh = [](std::string_view data) {
    std::string out;
    Deflater().deflate(data, Flush::kSync, out);
    return out;
  };
  for (const std::string_view first : {big, small}) {
    SCOPED_TRACE(first.size());
    Deflater deflater;
    std::string out;
    deflater.deflate(first, Flush::kSync, out);
    deflater.release_memory();
    out.clear();
    deflater.deflate(other, Flush::kSync, out);
    EXPECT_EQ(out, fresh(other));
    deflater.release_memory();
    Deflater second;  // takes the spare the first one gave back
    out.clear();
    second.deflate(small, Flush::kSync, out);
    EXPECT_EQ(out, fresh(small));
    second.deflate(first, Flush::kSync, out);
    second.reset();
    out.clear();
    second.deflate(other, Flush::kSync, out);
    EXPECT_EQ(out, fresh(other));
  }
}

TEST(L14_Deflater, ShortBlocksUseTheFixedCodeLongOnesADynamicOne) {
  // RFC 1951 §3.2.3: BTYPE is bits 1-2 of the first byte (01 fixed, 10 dynamic). A short
  // message is sent fixed without trying a dynamic code; a long text gets a dynamic code.
  const std::string chat = read_corpus("chat.jsonl");
  const std::string short_block = compress(std::string_view(chat).substr(0, 60), 6, 15);
  const std::string long_block = compress(std::string_view(chat).substr(0, 4000), 6, 15);
  ASSERT_FALSE(short_block.empty());
  ASSERT_FALSE(long_block.empty());
  EXPECT_EQ((static_cast<unsigned char>(short_block[0]) >> 1) & 3, 1u);
  EXPECT_EQ((static_cast<unsigned char>(long_block[0]) >> 1) & 3, 2u);
  EXPECT_EQ(inflate(short_block, 15), std::make_pair("done"s, chat.substr(0, 60)));
}

TEST(L14_Deflater, FixedAndDynamicBlocksAlternateInOneStream) {
  // The Inflater decodes fixed blocks with the process-wide fixed tables and dynamic ones with
  // its own: switching between them block by block must pick the right tables every time.
  const std::string chat = read_corpus("chat.jsonl");
  const std::string_view text(chat);
  Deflater deflater;
  std::string stream;
  std::string expected;
  for (int i = 0; i < 3; ++i) {
    const std::string_view long_part = text.substr(5000 * static_cast<std::size_t>(i), 3000);
    const std::string_view short_part = text.substr(20000 + 100 * static_cast<std::size_t>(i), 40);
    deflater.deflate(long_part, Flush::kSync, stream);
    deflater.deflate(short_part, Flush::kSync, stream);
    expected.append(long_part).append(short_part);
  }
  deflater.deflate("", Flush::kFinish, stream);
  EXPECT_EQ(inflate(stream, 15), std::make_pair("done"s, expected));
}

}  // namespace
}  // namespace duplex::deflate
