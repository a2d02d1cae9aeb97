// The fan-out load of duplex-bench (lesson 15): one chat room whose members are spread over one
// or more duplex-server processes, some of them saying things at a steady rate, every member
// hearing everything. With the memory engine there is one process; with the Redis engine the
// processes share the room through Redis Pub/Sub, and Redis's own counters say what each
// message cost it.
//
// @lesson 15
//
//   deliveries per second   chat messages received by members inside the window
//   latency                 from the sender's send() to a member's read, CLOCK_MONOTONIC on
//                           both ends (one machine, one clock)
//   deliveries per message  received / said: the room's size when nothing is lost
//   Redis commands per msg  INFO commandstats before and after the window (its own INFO
//                           excluded) / messages said; per command too (publish, xadd, ...)
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/bench/result.hpp"

namespace duplex::bench {

struct FanoutOptions {
  std::string host = "127.0.0.1";
  std::vector<std::uint16_t> ports;  // members go to these servers in turn
  std::string path = "/chat";
  std::string room = "bench";
  std::string engine = "memory";  // a label for the report: memory or redis
  std::uint16_t redis_port = 0;   // when set, Redis's INFO commandstats around the window
  int members = 100;
  int senders = 10;  // the first `senders` members also say things
  double rate = 4;   // messages per second per sender: under the chat's 5/s limit per member
  double seconds = 5;
  double warmup = 1;
};

Result run_fanout(const FanoutOptions& options);

// "8081,8082" -> {8081, 8082}; throws std::invalid_argument on anything else.
std::vector<std::uint16_t> parse_ports(std::string_view list);

// The text a sender says: "fanout <send time ns> <sender> <sequence>". Digits and spaces only,
// so the server's JSON escaping leaves it as it is.
std::string fanout_text(std::uint64_t sent_ns, int sender, std::uint64_t sequence);

// The send time in a chat message carrying fanout_text(); nullopt for any other message (a
// "joined", a history replay, someone else's text).
std::optional<std::uint64_t> fanout_stamp(std::string_view message);

// The calls of each command in the answer to INFO commandstats ("cmdstat_publish:calls=3,...").
// Subcommands keep their name ("pubsub|numsub").
std::map<std::string, std::uint64_t> parse_commandstats(std::string_view info);

// INFO commandstats from the Redis at host:port over a blocking connection (5 s timeout), read
// with the project's own RESP parser. Throws std::runtime_error naming what failed.
std::string redis_info_commandstats(const std::string& host, std::uint16_t port);

}  // namespace duplex::bench
