// The compression measurements of duplex-bench (lesson 14; RFC 7692).
//
//   run_deflate_idle    opens N WebSocket connections that offer permessage-deflate, keeps
//                       them idle, and reads the server's VmRSS before and after: bytes of
//                       server memory per idle compressed connection, how many connections the
//                       server agreed to compress, and (with --corpus) the chat's compression
//                       ratio under the parameters it agreed to
//   run_deflate_echo    the echo rate with and without compression, on the corpus's messages
//   run_deflate_broadcast  a chat room where everyone talks, with and without compression
//   run_deflate_ratio   the corpus's messages compressed one by one as a server sends them
//                       (PerMessageDeflate, the server's default settings, and with context
//                       takeover for comparison); no server involved
//
// The parts that are pure (compressing a corpus, reading the 101's extension answer) are
// functions of their own so that tests can check them (tests/bench/deflate_load_test.cpp).
// @lesson 14
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/bench/load.hpp"
#include "src/bench/result.hpp"
#include "src/ws/permessage_deflate.hpp"

namespace duplex::bench {

// What a run of messages came to on the wire, payload bytes only (no frame headers).
struct MessageCompression {
  std::size_t messages = 0;
  std::size_t compressed = 0;         // messages sent with RSV1 (the others were under min size)
  std::size_t bytes_in = 0;           // the messages' own bytes
  std::size_t bytes_out = 0;          // their payloads as sent
  std::size_t round_trip_errors = 0;  // payloads the other side did not decode to the message
  // Wire bytes per message byte: 0.3 means the wire carries 30% of the text.
  double ratio() const {
    return bytes_in == 0 ? 0 : static_cast<double>(bytes_out) / static_cast<double>(bytes_in);
  }
};

// Compresses `messages` in order as the server side of one connection with `agreed` and
// `options` (context kept between messages when the parameters say so), and decodes every
// payload as the client would, counting any that does not come back equal.
MessageCompression compress_messages(const std::vector<std::string>& messages,
                                     const ws::DeflateParams& agreed,
                                     const ws::PerMessageDeflateOptions& options);

// The lines of a file (one message each, as tests/bench/corpus/chat.jsonl holds them); empty
// lines are skipped. Throws std::runtime_error when the file cannot be read.
std::vector<std::string> read_messages(const std::string& path);

// The parts of a handshake answer the idle mode needs: its status code and its
// Sec-WebSocket-Extensions value (nullopt when absent). `head` is the response head up to and
// including the blank line; nullopt when it is not an HTTP/1.1 status line.
struct UpgradeAnswer {
  int status = 0;
  std::optional<std::string> extensions;
};
std::optional<UpgradeAnswer> parse_upgrade_answer(std::string_view head);

Result run_deflate_idle(const LoadOptions& options, const std::string& corpus);
// N connections x K messages in flight, each message a line of `corpus` in turn, echoed by the
// server: with `compress`, the connections offer permessage-deflate and send every message
// compressed (RSV1), and every echo is inflated and compared; without, the same messages go
// plain. msgs/s, MB/s of text, wire bytes per message, latency.
Result run_deflate_echo(const LoadOptions& options, const std::string& corpus, bool compress);
// N members of one chat room (duplex-server's /chat, lesson 11), each saying a line of `corpus`
// `rate` times a second (under the chat's limit of 5): every message reaches all N, so the
// server broadcasts N x rate messages a second to N members. With `compress` the members offer
// permessage-deflate and every compressed delivery is inflated. Deliveries/s, wire bytes per
// delivery, server CPU per 1000 deliveries.
Result run_deflate_broadcast(const LoadOptions& options, const std::string& corpus, bool compress);
Result run_deflate_ratio(const std::string& corpus);

}  // namespace duplex::bench
