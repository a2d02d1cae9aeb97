// StressServer: the demo HTTP + WebSocket server in a child process, for `make stress` (lesson 13).
//
// Each flood runs against a server in a process of its own, so its peak memory (VmHWM in
// /proc/<pid>/status) and CPU time are the server's alone, and a crash shows as a dead child
// rather than a dead test binary. The child serves:
//   GET  /hello         "hello\n"
//   POST /body          the number of body bytes received
//   GET  /big           a 1 MiB body (for clients that never read)
//   GET  /faults        the faults injected so far in the child (net::process_fault_counts)
//   GET  /echo          WebSocket echo with app::echo_options() (16 MiB messages)
//   GET  /echo-default  WebSocket echo with the default WsOptions (1 MiB frames and messages),
//                       keep-alive timers shortened to `ws_ping_interval`, message and close
//                       deadlines from `ws_message_timeout` and `ws_close_timeout`
// @lesson 13
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "src/http/server_options.hpp"
#include "src/net/transport.hpp"

namespace duplex::testing {

struct StressServerConfig {
  http::HttpServerOptions http;
  std::chrono::milliseconds ws_ping_interval{30'000};
  // /echo-default's WsOptions::message_timeout and close_timeout.
  std::chrono::milliseconds ws_message_timeout{30'000};
  std::chrono::milliseconds ws_close_timeout{5'000};
  // When set, every connection of the child runs over a FaultyTransport with this plan.
  std::optional<net::FaultPlan> faults;
};

class StressServer {
 public:
  explicit StressServer(StressServerConfig config = {});
  ~StressServer();  // SIGKILLs and reaps the child
  StressServer(const StressServer&) = delete;
  StressServer& operator=(const StressServer&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool alive();
  // VmHWM of the child in KiB (its peak resident set so far), 0 if unreadable.
  long peak_rss_kib() const;
  // VmRSS of the child in KiB now.
  long rss_kib() const;
  // User + system CPU time of the child in clock ticks (/proc/<pid>/stat).
  long cpu_ticks() const;

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

// One row of the table `make stress` prints at the end.
void record_row(const std::string& test, const std::string& load, const std::string& faults,
                std::uint64_t bytes_verified, long peak_rss_kib);

}  // namespace duplex::testing
