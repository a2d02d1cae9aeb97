// The load modes of duplex-bench (lesson 12): each drives a server over loopback for a bounded
// time, checks every byte it gets back, and returns one Result.
//
//   run_echo_load       N connections x K messages in flight, size S, raw TCP or WebSocket
//                       (text or binary): msgs/s, MB/s, latency percentiles
//   run_http_load       N keep-alive connections, K requests in flight each (1, like wrk):
//                       requests/s, latency percentiles, every status, length and body checked
//                       (or, with header "Connection: close", a connection per request)
//   run_handshake_load  N clients in a loop of connect + one exchange + close: a WebSocket
//                       opening handshake, or for the baseline a raw TCP echo of 32 bytes
//   run_idle            opens N WebSocket connections, keeps them idle, and reads the server's
//                       VmRSS before and after: bytes of server memory per idle connection
//   run_wrk_load        wrk (-t1 --latency) as the HTTP load generator: its report parsed into
//                       the same fields, its CPU time from wait4, the server's from /proc
//   run_subscribe       N subscribers of ONE push technique following the ticker: server CPU
//                       and (with strace) system calls per update delivered, server memory per
//                       subscriber (the article's question, server to client)
//   run_send            N clients each sending R messages a second to a sink, as HTTP POSTs or
//                       WebSocket messages: bytes on the wire and server CPU per message (the
//                       article's question, client to server)
//   run_push            lesson 07's four push techniques (and a WebSocket ticker, if the server
//                       has one) following the same event stream at once: latency per update,
//                       bytes on the wire per update, connections opened
//
// Single-threaded epoll clients: cheap enough that, pinned to their own core, they outrun the
// server under test (check with `top` that the server's core is the one at 100 %).
// @lesson 12
#pragma once

#include <sys/types.h>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "src/bench/result.hpp"

namespace duplex::bench {

struct LoadOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string path = "/";  // HTTP target, or WebSocket path (echo, handshake, idle)
  int connections = 50;
  int inflight = 1;             // messages or requests in flight per connection
  std::size_t size = 32;        // echo message size in bytes
  bool binary = false;          // WebSocket echo: binary frames (else text)
  bool websocket = false;       // echo, handshake: WebSocket (else raw TCP)
  double seconds = 5;           // measured time
  double warmup = 1;            // time before measuring (connections warm, caches filled)
  std::string expect_body;      // HTTP: the body every response must carry
  pid_t server_pid = 0;         // idle: whose memory to read
  double poll_interval = 1;     // push: seconds between short polls (the lesson-07 page: 1 s)
  std::string header;           // wrk: one more request header ("Connection: close")
  std::string technique;        // subscribe: poll, long-poll, stream, events, websocket;
                                // send: post, websocket
  double rate = 1;              // send: messages per second per client
  bool count_syscalls = false;  // subscribe, send: strace the server during the window
};

Result run_echo_load(const LoadOptions& options);
Result run_http_load(const LoadOptions& options);
Result run_handshake_load(const LoadOptions& options);
Result run_idle(const LoadOptions& options);
Result run_wrk_load(const LoadOptions& options);
Result run_subscribe(const LoadOptions& options);
Result run_send(const LoadOptions& options);
// One Result per technique.
std::vector<Result> run_push(const LoadOptions& options);

// A WebSocket opening handshake in two steps, so that a load can have many in flight (a busy
// server answers a whole batch in one round, instead of one per round): the constructor connects
// and sends the upgrade request, finish() waits for the 101 (5 s timeout on each step), checks it
// and returns the non-blocking socket, or throws std::runtime_error with the handshake's error.
// Frames that arrived with the 101 go to `early` (a ticker speaks first); without `early` they
// are an error (an echo server must not). `handshake_bytes`, when given, receives the bytes of
// the upgrade request and the 101 response together. A dial never finished closes its socket.
class WebSocketDial {
 public:
  WebSocketDial(const std::string& host, std::uint16_t port, const std::string& path);
  WebSocketDial(WebSocketDial&&) noexcept;
  WebSocketDial& operator=(WebSocketDial&&) noexcept;
  ~WebSocketDial();

  int finish(std::string* early = nullptr, std::size_t* handshake_bytes = nullptr);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Both steps at once: the blocking connect for setting up load.
int websocket_connect(const std::string& host, std::uint16_t port, const std::string& path,
                      std::string* early = nullptr, std::size_t* handshake_bytes = nullptr);

}  // namespace duplex::bench
