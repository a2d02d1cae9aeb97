// Tests for the fan-out benchmark's pure parts (lesson 15): the port list, the stamp a sender
// puts in its text and reads back from the chat's JSON, Redis's INFO commandstats, and the
// fan-out section of docs/benchmarks.md (a failed or missing row says why, never a number).
// @lesson 15
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "src/bench/fanout_load.hpp"
#include "src/bench/fanout_report.hpp"
#include "src/bench/report.hpp"
#include "src/bench/svg_chart.hpp"

namespace duplex::bench {
namespace {

Result line(const std::string& text) {
  return Result::parse(text).value();
}

TEST(L15_FanoutLoad, PortsAreACommaSeparatedList) {
  EXPECT_EQ(parse_ports("8081"), (std::vector<std::uint16_t>{8081}));
  EXPECT_EQ(parse_ports("8081,8082,9000"), (std::vector<std::uint16_t>{8081, 8082, 9000}));
  for (const char* bad : {"", "0", "65536", "80a", "+80", "8081,", ",8081", "8081,,8082", " 80"})
    EXPECT_THROW(parse_ports(bad), std::invalid_argument) << bad;
}

TEST(L15_FanoutLoad, StampRoundTripsThroughTheChatsMessage) {
  std::string text = fanout_text(123456789012345, 3, 7);
  EXPECT_EQ(text, "fanout 123456789012345 3 7");
  // As ChatRooms sends it to every member (lesson 11's protocol).
  std::string message = R"({"type":"message","id":"12","nick":"m3","text":")" + text + R"("})";
  EXPECT_EQ(fanout_stamp(message), 123456789012345u);
}

TEST(L15_FanoutLoad, OnlyLiveChatMessagesCarryAStamp) {
  // A replay from the room's history is old news, perhaps from an earlier run.
  EXPECT_EQ(fanout_stamp(R"({"type":"message","id":"1","nick":"m0","text":"fanout 5 0 0",)"
                         R"("history":"yes"})"),
            std::nullopt);
  EXPECT_EQ(fanout_stamp(R"({"type":"joined","nick":"m1","members":"m0,m1"})"), std::nullopt);
  EXPECT_EQ(fanout_stamp(R"({"type":"message","id":"2","nick":"ada","text":"hello"})"),
            std::nullopt);
  EXPECT_EQ(fanout_stamp(R"({"type":"message","id":"2","nick":"ada","text":"fanout x"})"),
            std::nullopt);
}

TEST(L15_FanoutLoad, CommandstatsAsRedis7PrintsThem) {
  // Captured from redis-server 7.0.15 (INFO commandstats), CRLF line ends as Redis sends them.
  const std::string info =
      "# Commandstats\r\n"
      "cmdstat_xrange:calls=2,usec=78,usec_per_call=39.00,rejected_calls=0,failed_calls=0\r\n"
      "cmdstat_publish:calls=1234,usec=5,usec_per_call=5.00,rejected_calls=0,failed_calls=0\r\n"
      "cmdstat_pubsub|numsub:calls=1,usec=4,usec_per_call=4.00,rejected_calls=0,failed_calls=0\r\n"
      "cmdstat_info:calls=3,usec=90,usec_per_call=30.00,rejected_calls=0,failed_calls=0\r\n"
      "cmdstat_broken:usec=1\r\n";
  auto calls = parse_commandstats(info);
  EXPECT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls["xrange"], 2u);
  EXPECT_EQ(calls["publish"], 1234u);
  EXPECT_EQ(calls["pubsub|numsub"], 1u);
  EXPECT_EQ(calls["info"], 3u);
  EXPECT_TRUE(parse_commandstats("").empty());
  EXPECT_TRUE(parse_commandstats("# Commandstats\n").empty());
}

TEST(L15_FanoutReport, NotRunSaysSo) {
  std::string md = fanout_section({line("result row=http run=1 rps=5")});
  EXPECT_NE(md.find("## Fan-out"), std::string::npos);
  EXPECT_NE(md.find("Not run."), std::string::npos);
}

TEST(L15_FanoutReport, RowsInOrderWithMediansAndRedisCost) {
  std::vector<Result> results = {
      line("result row=fanout-redis-2 run=1 mode=fanout engine=redis processes=2 members=100 "
           "said=200 seconds=5 deliveries_per_s=4000 deliveries_per_msg=100 lat_p50_us=300 "
           "lat_p99_us=900 redis_cmds_per_msg=2 redis_publish_per_msg=1 redis_xadd_per_msg=1 "
           "errors=0"),
      line("result row=fanout-redis-2 run=2 mode=fanout engine=redis processes=2 members=100 "
           "said=200 seconds=5 deliveries_per_s=5000 deliveries_per_msg=100 lat_p50_us=500 "
           "lat_p99_us=1100 redis_cmds_per_msg=2 redis_publish_per_msg=1 redis_xadd_per_msg=1 "
           "errors=0"),
      line("result row=fanout-memory-1 run=1 mode=fanout engine=memory processes=1 members=100 "
           "said=200 seconds=5 deliveries_per_s=4000 deliveries_per_msg=100 lat_p50_us=80 "
           "lat_p99_us=200 errors=0"),
      line("result row=fanout-redis-4 run=1 missing=redis-server_not_installed"),
      line("result row=fanout-redis-1 run=1 mode=fanout engine=redis processes=1 members=100 "
           "errors=1 error=fanout:_the_server_closed_a_member's_connection"),
  };
  std::string md = fanout_section(results);
  // Numbers as the rest of the page prints them (format_number: thousands grouped).
  auto memory =
      md.find("| memory | 1 | 100 | 40 | " + format_number(4000) + " | 100 | 80 | 200 | - | - |");
  auto redis2 = md.find("| redis | 2 | 100 | 40 | " + format_number(4500) + " | 100 | 400 | " +
                        format_number(1000) + " | 2 | publish 1, xadd 1 |");
  auto redis1 = md.find("not measured: fanout: the server closed a member's connection");
  auto redis4 = md.find("| redis | 4 |  | not measured: redis-server not installed");
  ASSERT_NE(memory, std::string::npos) << md;
  ASSERT_NE(redis2, std::string::npos) << md;
  ASSERT_NE(redis1, std::string::npos) << md;
  ASSERT_NE(redis4, std::string::npos) << md;
  EXPECT_LT(memory, redis1);
  EXPECT_LT(redis1, redis2);
  EXPECT_LT(redis2, redis4);
}

TEST(L15_FanoutReport, IsPartOfThePage) {
  MachineInfo machine;
  Report report = build_report(
      {line("result row=fanout-memory-1 run=1 mode=fanout engine=memory processes=1 members=10 "
            "said=20 seconds=5 deliveries_per_s=40 deliveries_per_msg=10 lat_p50_us=80 "
            "lat_p99_us=200 errors=0")},
      machine);
  EXPECT_NE(report.markdown.find("## Fan-out across processes"), std::string::npos);
}

}  // namespace
}  // namespace duplex::bench
