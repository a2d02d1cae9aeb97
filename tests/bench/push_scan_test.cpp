// Tests for reading the ticker's events off the wire (lesson 12): ids are found however the
// bytes are cut, and a poll answer is framed only once it is complete.
// @lesson 12
#include "src/bench/push_scan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/guarded_buffer.hpp"
#include "tests/support/split_feed.hpp"

namespace duplex::bench {
namespace {

// Feeds `chunks` the way the load modes do: append, scan, drop what was scanned.
std::vector<std::uint64_t> ids_of(const std::vector<std::string_view>& chunks) {
  std::vector<std::uint64_t> ids;
  std::string in;
  for (auto chunk : chunks) {
    in.append(chunk);
    testing::GuardedBuffer guarded(in);
    in.erase(0, scan_ids(guarded.view(), [&](std::uint64_t id) { ids.push_back(id); }));
  }
  return ids;
}

TEST(L12_PushScan, IdsAreFoundAtEverySplitPoint) {
  // A chunked stream and an SSE stream: the key or the number may be cut anywhere.
  const std::string stream =
      "16\r\n{\"id\":7,\"value\":1003}\n\r\n17\r\n{\"id\":18,\"value\":1001}\n\r\n"
      "id: 19\ndata: {\"id\":19,\"value\":990}\n\n";
  for (const auto& plan : testing::split_plans(stream)) {
    EXPECT_EQ(ids_of(plan.chunks), (std::vector<std::uint64_t>{7, 18, 19})) << plan.name;
  }
}

TEST(L12_PushScan, ANumberAtTheEndWaitsForItsLastDigit) {
  // "id":12 might be "id":123 once the next read arrives.
  std::vector<std::uint64_t> ids;
  std::string text = "{\"id\":12";
  // Only the '{' before the key is done with; the key and its digits stay for the next read.
  EXPECT_EQ(scan_ids(text, [&](std::uint64_t id) { ids.push_back(id); }), 1u);
  EXPECT_TRUE(ids.empty());
}

TEST(L12_PushScan, LastField) {
  EXPECT_EQ(last_field("{\"last\":12,\"events\":[]}"), 12u);
  EXPECT_EQ(last_field("{\"events\":[]}"), 0u);
}

TEST(L12_PushScan, AResponseIsFramedOnlyWhenComplete) {
  const std::string response =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 24\r\n\r\n"
      "{\"last\":3,\"events\":[]}\n\n";
  const std::string bytes = response + "HTTP/1.1 204 No Content\r\n\r\n";
  for (std::size_t n = 0; n < response.size(); ++n) {
    testing::GuardedBuffer prefix(std::string_view(bytes).substr(0, n));
    EXPECT_FALSE(take_response(prefix.view()).has_value()) << n;
  }
  testing::GuardedBuffer whole(bytes);
  auto first = take_response(whole.view());
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->length, response.size());
  EXPECT_EQ(first->body, "{\"last\":3,\"events\":[]}\n\n");
  EXPECT_FALSE(first->closing);
  // A 204 has no body and needs no Content-Length (RFC 9110 §8.6).
  auto second = take_response(whole.view().substr(first->length));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status, 204);
  EXPECT_TRUE(second->body.empty());
}

TEST(L12_PushScan, UnframableAnswersAreReportedNotWaitedFor) {
  // Without a length a 200 would be waited for forever: status 0 makes the caller fail.
  auto chunked = take_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  ASSERT_TRUE(chunked.has_value());
  EXPECT_EQ(chunked->status, 0);
  auto garbage = take_response("SSH-2.0-OpenSSH_9.2\r\n\r\n");
  ASSERT_TRUE(garbage.has_value());
  EXPECT_EQ(garbage->status, 0);
  auto closing = take_response("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                     .value_or(FramedResponse{});
  EXPECT_TRUE(closing.closing);
}

}  // namespace
}  // namespace duplex::bench
