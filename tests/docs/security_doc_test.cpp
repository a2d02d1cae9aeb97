// Tests that docs/security.md tells the truth (lesson 13): every default in its tables is the
// default in the code, and every limit the code has is in a table. The page is parsed, the
// default options structs are constructed, and the numbers compared, so the page cannot drift.
// @lesson 13
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "src/app/echo_endpoint.hpp"
#include "src/http/parser_limits.hpp"
#include "src/http/server_options.hpp"
#include "src/net/connection.hpp"
#include "src/net/line_framer.hpp"
#include "src/net/tcp_server.hpp"
#include "src/ws/frame_header.hpp"
#include "src/ws/protocol.hpp"
#include "src/ws/ws_options.hpp"

namespace duplex {
namespace {

using Ms = std::chrono::milliseconds;

std::uint64_t ms(Ms value) {
  return static_cast<std::uint64_t>(value.count());
}

// Every documented limit in base units (bytes, milliseconds or a count), read from the code.
std::map<std::string, std::uint64_t> defaults_in_code() {
  net::ConnectionLimits connection;
  net::TcpServerLimits tcp;
  http::ParserLimits parser;
  http::HttpServerOptions server;
  ws::ProtocolLimits protocol;
  ws::WsOptions options;
  return {
      {"ConnectionLimits::high_water", connection.high_water},
      {"ConnectionLimits::low_water", connection.low_water},
      {"ConnectionLimits::max_read_per_wakeup", connection.max_read_per_wakeup},
      {"ConnectionLimits::idle_timeout", ms(connection.idle_timeout)},
      {"ConnectionLimits::linger_timeout", ms(connection.linger_timeout)},
      {"TcpServerLimits::max_connections", tcp.max_connections},
      {"TcpServerLimits::accept_backoff", ms(tcp.accept_backoff)},
      {"TcpServerLimits::max_accepts_per_wakeup", tcp.max_accepts_per_wakeup},
      {"LineFramer::kDefaultMaxLineLength", net::LineFramer::kDefaultMaxLineLength},
      {"ParserLimits::max_request_line", parser.max_request_line},
      {"ParserLimits::max_header_bytes", parser.max_header_bytes},
      {"ParserLimits::max_fields", parser.max_fields},
      {"ParserLimits::max_empty_lines", parser.max_empty_lines},
      {"ParserLimits::max_body", parser.max_body},
      {"ParserLimits::max_chunk_line", parser.max_chunk_line},
      {"HttpServerOptions::head_timeout", ms(server.head_timeout)},
      {"HttpServerOptions::body_timeout", ms(server.body_timeout)},
      {"HttpServerOptions::send_timeout", ms(server.send_timeout)},
      {"HttpServerOptions::keep_alive_timeout", ms(server.keep_alive_timeout)},
      {"HttpServerOptions::max_requests_per_connection", server.max_requests_per_connection},
      {"HttpServerOptions::max_connections", server.max_connections},
      {"HttpServerOptions::max_pipelined_bytes", server.max_pipelined_bytes},
      {"HttpServerOptions::stop_timeout", ms(server.stop_timeout)},
      {"ProtocolLimits::max_frame_size", protocol.max_frame_size},
      {"ProtocolLimits::max_message_size", protocol.max_message_size},
      {"kMaxControlPayload", ws::kMaxControlPayload},
      {"WsOptions::max_send_queue", options.max_send_queue},
      {"WsOptions::ping_interval", ms(options.ping_interval)},
      {"WsOptions::pong_timeout", ms(options.pong_timeout)},
      {"WsOptions::close_timeout", ms(options.close_timeout)},
      {"WsOptions::message_timeout", ms(options.message_timeout)},
      {"kEchoMaxMessage", app::kEchoMaxMessage},
  };
}

// "8 KiB" -> 8192, "10 s" -> 10000, "100" -> 100; false if the cell is not such a value.
bool parse_default(const std::string& cell, std::uint64_t& out) {
  static const std::regex kValue(R"(^\s*([0-9]+)\s*(B|KiB|MiB|ms|s)?\s*$)");
  std::smatch match;
  if (!std::regex_match(cell, match, kValue)) return false;
  std::uint64_t number = std::stoull(match[1]);
  std::string unit = match[2];
  static const std::map<std::string, std::uint64_t> kScale = {
      {"", 1}, {"B", 1}, {"KiB", 1024}, {"MiB", 1024 * 1024}, {"ms", 1}, {"s", 1000}};
  out = number * kScale.at(unit);
  return true;
}

// Table rows "| [`Name`](link) | default | ... |" -> {Name, default cell}.
std::map<std::string, std::string> documented_defaults() {
  std::ifstream in(std::string(DUPLEX_SOURCE_DIR) + "/docs/security.md");
  std::map<std::string, std::string> rows;
  static const std::regex kRow(R"(^\| \[`([A-Za-z_:]+)`\]\([^)]+\) \| ([^|]+) \|)");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch match;
    if (std::regex_search(line, match, kRow)) rows[match[1]] = match[2];
  }
  return rows;
}

TEST(L13_SecurityDoc, EveryDocumentedDefaultIsTheDefaultInCode) {
  // A security page that states the wrong limit is worse than none: operators tune by it.
  auto code = defaults_in_code();
  auto doc = documented_defaults();
  ASSERT_FALSE(doc.empty()) << "no table rows found in docs/security.md";
  for (const auto& [name, cell] : doc) {
    auto it = code.find(name);
    ASSERT_NE(it, code.end()) << name << " is documented but the test does not know its default";
    std::uint64_t value = 0;
    ASSERT_TRUE(parse_default(cell, value)) << name << ": unreadable default '" << cell << "'";
    EXPECT_EQ(value, it->second) << name << ": docs/security.md says '" << cell << "'";
  }
}

TEST(L13_SecurityDoc, EveryLimitInCodeIsDocumented) {
  // A limit missing from the page is a limit nobody knows to tune.
  auto doc = documented_defaults();
  for (const auto& [name, value] : defaults_in_code()) {
    EXPECT_TRUE(doc.count(name) > 0)
        << name << " (default " << value << ") is missing from docs/security.md";
  }
}

TEST(L13_SecurityDoc, ParseDefaultReadsUnits) {
  std::uint64_t value = 0;
  ASSERT_TRUE(parse_default("8 KiB", value));
  EXPECT_EQ(value, 8192U);
  ASSERT_TRUE(parse_default("2 s", value));
  EXPECT_EQ(value, 2000U);
  ASSERT_TRUE(parse_default("125 B", value));
  EXPECT_EQ(value, 125U);
  EXPECT_FALSE(parse_default("about 8 KiB", value));
}

}  // namespace
}  // namespace duplex
