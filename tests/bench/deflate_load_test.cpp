// Tests for lesson 14's benchmark code: the corpus compressed message by message, the 101's
// extension answer read back, and the report's compression section (targets met or not, and a
// row that never ran said to be missing rather than shown as a number).
// @lesson 14
#include "src/bench/deflate_load.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "src/bench/report.hpp"

namespace duplex::bench {
namespace {

ws::DeflateParams no_takeover() {
  ws::DeflateParams params;
  params.server_no_context_takeover = true;
  params.client_no_context_takeover = true;
  return params;
}

std::vector<std::string> chat_like(int count) {
  std::vector<std::string> messages;
  for (int i = 0; i < count; ++i)
    messages.push_back(R"({"type":"message","id":")" + std::to_string(1000 + i) +
                       R"(","nick":"ada","text":"the same words again and again, message )" +
                       std::to_string(i) + "\"}");
  return messages;
}

TEST(L14_DeflateLoad, ShortMessagesGoUncompressed) {
  // RFC 7692 §6.1 lets a sender choose per message; under min_compress_size (32) we send as is.
  const std::vector<std::string> messages = {"hi", std::string(31, 'a')};
  const MessageCompression c = compress_messages(messages, no_takeover(), {});
  EXPECT_EQ(c.messages, 2u);
  EXPECT_EQ(c.compressed, 0u);
  EXPECT_EQ(c.bytes_out, c.bytes_in);
  EXPECT_DOUBLE_EQ(c.ratio(), 1.0);
}

TEST(L14_DeflateLoad, EveryPayloadRoundTripsAndShrinks) {
  const MessageCompression c = compress_messages(chat_like(50), no_takeover(), {});
  EXPECT_EQ(c.compressed, 50u);
  EXPECT_EQ(c.round_trip_errors, 0u);
  EXPECT_LT(c.bytes_out, c.bytes_in);
}

TEST(L14_DeflateLoad, ContextTakeoverCompressesRunsOfSimilarMessagesBetter) {
  ws::PerMessageDeflateOptions keep;
  keep.server_no_context_takeover = false;
  keep.client_no_context_takeover = false;
  const auto messages = chat_like(50);
  const MessageCompression alone = compress_messages(messages, no_takeover(), {});
  const MessageCompression kept = compress_messages(messages, ws::DeflateParams{}, keep);
  EXPECT_EQ(kept.round_trip_errors, 0u);
  // Each message after the first is mostly a match into the previous one.
  EXPECT_LT(kept.ratio(), alone.ratio() * 0.6);
}

TEST(L14_DeflateLoad, ReadsOneMessagePerNonEmptyLine) {
  const std::string path = ::testing::TempDir() + "l14_messages.jsonl";
  std::ofstream(path) << "{\"a\":1}\n\n{\"b\":2}\n";
  EXPECT_EQ(read_messages(path), (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  std::remove(path.c_str());
  EXPECT_THROW(read_messages(path), std::runtime_error);
}

TEST(L14_DeflateLoad, ReadsTheStatusAndTheExtensionsOfA101) {
  auto a = parse_upgrade_answer(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
      "sec-websocket-extensions:  permessage-deflate; server_no_context_takeover \r\n\r\n");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->status, 101);
  EXPECT_EQ(a->extensions, "permessage-deflate; server_no_context_takeover");
}

TEST(L14_DeflateLoad, JoinsSeveralExtensionLinesAndSeesNoneWhenAbsent) {
  auto a = parse_upgrade_answer(
      "HTTP/1.1 101 OK\r\nSec-WebSocket-Extensions: a\r\nSec-WebSocket-Extensions: b\r\n\r\n");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->extensions, "a, b");
  auto none = parse_upgrade_answer("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->status, 400);
  EXPECT_FALSE(none->extensions.has_value());
  EXPECT_FALSE(parse_upgrade_answer("HTTP/1.0 101 OK\r\n\r\n").has_value());
  EXPECT_FALSE(parse_upgrade_answer("HTTP/1.1 1x1 OK\r\n\r\n").has_value());
}

std::string deflate_section_of(const std::vector<std::string>& lines) {
  std::vector<Result> results;
  for (const auto& l : lines) results.push_back(Result::parse(l).value());
  const std::string md = build_report(results, MachineInfo{}).markdown;
  const auto start = md.find("## Compression (lesson 14)");
  EXPECT_NE(start, std::string::npos);
  return start == std::string::npos ? "" : md.substr(start);
}

TEST(L14_DeflateLoad, ReportSaysWhetherTheTargetsAreMet) {
  const std::string md = deflate_section_of({
      "result row=deflate-idle run=1 conns=10000 deflate_agreed=10000 "
      "extension=permessage-deflate;_server_no_context_takeover bytes_per_conn=2048 "
      "chat_ratio=0.795 errors=0",
      "result row=deflate-zlib run=1 ours6_ratio=0.3224 zlib6_ratio=0.3225 "
      "inflate_ours_mb_per_s=300 inflate_zlib_mb_per_s=250 errors=0",
      "result row=deflate-ratio-chat run=1 messages=649 ratio=0.795 ratio_takeover=0.338 errors=0",
  });
  EXPECT_NE(md.find("10000 agreed: `permessage-deflate; server_no_context_takeover`) | **2 KiB** "
                    "| <= 16 KiB | yes |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("**-0.03%** | at most +5% | yes |"), std::string::npos) << md;
  EXPECT_NE(md.find("**1.2** | >= 0.7 | yes |"), std::string::npos) << md;
  EXPECT_NE(md.find("| chat.jsonl | 649 | 0.795 | 0.338 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| ticker | not measured: not run |"), std::string::npos) << md;
}

TEST(L14_DeflateLoad, ReportDoesNotCountAnUncompressedServerAsMeetingTheMemoryTarget) {
  const std::string md = deflate_section_of({
      "result row=deflate-idle run=1 conns=200 deflate_agreed=0 bytes_per_conn=1900 errors=0",
      "result row=deflate-zlib run=1 ours6_ratio=0.40 zlib6_ratio=0.32 inflate_ours_mb_per_s=100 "
      "inflate_zlib_mb_per_s=250 errors=0",
  });
  EXPECT_NE(md.find("no: the server agreed to no compression"), std::string::npos) << md;
  EXPECT_NE(md.find("**+25.00%** | at most +5% | **no** |"), std::string::npos) << md;
  EXPECT_NE(md.find("**0.4** | >= 0.7 | **no** |"), std::string::npos) << md;
}

TEST(L14_DeflateLoad, ReportComparesTheEchoRatesOfTheSameRuns) {
  const std::string md = deflate_section_of({
      "result row=deflate-echo-deflate run=1 msgs_per_s=1000 wire_bytes_per_msg=118 p50_us=900 "
      "p99_us=2000 server_cpu=1 client_cpu=0.4 errors=0",
      "result row=deflate-echo-deflate run=2 msgs_per_s=3000 wire_bytes_per_msg=118 p50_us=800 "
      "p99_us=1900 server_cpu=1 client_cpu=0.4 errors=0",
      "result row=deflate-echo-plain run=1 msgs_per_s=10000 wire_bytes_per_msg=150 p50_us=90 "
      "p99_us=200 server_cpu=1 client_cpu=0.5 errors=0",
  });
  EXPECT_NE(md.find("| permessage-deflate | 2 | 2 000 | 118 | 850 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| uncompressed | 1 | 10 000 | 150 |"), std::string::npos) << md;
  EXPECT_NE(md.find("echoes 0.2 times as many"), std::string::npos) << md;
}

TEST(L14_DeflateLoad, ReportShowsTheBroadcastRowsAndSaysWhichAreMissing) {
  const std::string md = deflate_section_of({
      "result row=deflate-broadcast-deflate run=1 conns=200 deliveries_per_s=160000 "
      "wire_bytes_per_delivery=122 server_cpu_us_per_1000=5000 server_cpu=0.8 client_cpu=0.5 "
      "rate_limited=3 errors=0",
      "result row=deflate-broadcast-plain run=1 conns=200 errors=1 error=the_server_closed",
  });
  EXPECT_NE(md.find("| permessage-deflate | 1 | 200 | 160 000 | 122 | 5 000 | 0.8 | 0.5 | 3 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| uncompressed | 0 | | not measured: error: the server closed | | | | | |"),
            std::string::npos)
      << md;
}

TEST(L14_DeflateLoad, ReportNamesAMissingZlibComparison) {
  const std::string md = deflate_section_of({
      "result row=deflate-zlib run=1 missing=no_deflate-compare_(needs_zlib1g-dev)",
  });
  EXPECT_NE(md.find("| src/deflate against zlib | not measured: no deflate-compare (needs "
                    "zlib1g-dev) |"),
            std::string::npos)
      << md;
}

}  // namespace
}  // namespace duplex::bench
