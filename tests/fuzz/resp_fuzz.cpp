// libFuzzer target for src/redis/resp_parser.cpp and src/redis/resp_session.cpp (lesson 15).
//
// Byte 0 picks a chunk size (low 4 bits) and RESP2 or RESP3 for the session (bit 4); the rest
// is what a server sends. Invariants: no crash, over-read or leak (ASan, UBSan); the same values
// and the same error whether the input comes whole or in chunks; every value parsed, written
// back with the writer, parses to the same value; and a session fed the bytes gives the same
// events whole or chunked, with every command ending in exactly one event.
// @lesson 15
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "src/redis/resp_parser.hpp"
#include "src/redis/resp_session.hpp"
#include "src/redis/resp_writer.hpp"

namespace {

using namespace duplex::redis;

RespParserLimits small_limits() {
  RespParserLimits limits;
  limits.max_bulk_length = 4096;
  limits.max_elements = 64;
  limits.max_depth = 8;
  limits.max_line_length = 256;
  return limits;
}

std::string parse_all(std::string_view input, std::size_t chunk, bool check_round_trip) {
  RespParser parser(small_limits());
  std::string log;
  for (std::size_t at = 0; at < input.size(); at += chunk) {
    std::string_view rest = input.substr(at, chunk);
    while (!rest.empty()) {
      auto result = parser.parse(rest);
      if (result.consumed > rest.size()) std::abort();
      rest.remove_prefix(result.consumed);
      if (result.failed()) return log + "error " + std::string(to_string(result.error.code));
      if (result.need_more()) {
        if (!rest.empty()) std::abort();
        break;
      }
      Value value = parser.take_value();
      std::string text = describe(value);
      if (check_round_trip) {
        std::string bytes = encode_value(value);
        RespParser again(small_limits());
        auto reread = again.parse(bytes);
        // The writer never adds depth, so what fit the limits fits them again.
        if (!reread.done() || reread.consumed != bytes.size()) std::abort();
        if (describe(again.value()) != text) std::abort();
      }
      log += text + "\n";
    }
  }
  return log;
}

std::string session_events(std::string_view input, std::size_t chunk, Protocol protocol) {
  SessionOptions options;
  options.protocol = protocol;
  options.limits = small_limits();
  RespSession session(options);
  session.connection_made();
  session.send({"GET", "a"});
  std::array<std::string_view, 2> channels = {"a", "b"};
  session.subscribe(channels);
  session.send({"PING"});
  std::string log;
  std::set<CommandId> ended;
  auto drain = [&] {
    for (auto& event : session.events()) {
      log += std::to_string(static_cast<int>(event.kind)) + " " + std::to_string(event.id) + " " +
             describe(event.value) + " " + event.channel + " " + event.payload + "\n";
      if (event.kind == SessionEvent::Kind::kReply || event.kind == SessionEvent::Kind::kFailed) {
        if (!ended.insert(event.id).second) std::abort();  // one end per command
      }
    }
  };
  drain();
  for (std::size_t at = 0; at < input.size(); at += chunk) {
    session.receive_data(input.substr(at, chunk));
    drain();
  }
  session.connection_lost();
  drain();
  if (session.pending() != 0) std::abort();
  return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::size_t chunk = data[0] % 16 + 1;
  Protocol protocol = (data[0] & 0x10) != 0 ? Protocol::kResp3 : Protocol::kResp2;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string whole = parse_all(input, input.size() + 1, true);
  if (parse_all(input, chunk, false) != whole) std::abort();
  if (session_events(input, input.size() + 1, protocol) != session_events(input, chunk, protocol)) {
    std::abort();
  }
  return 0;
}
