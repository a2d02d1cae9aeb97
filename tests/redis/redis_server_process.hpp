// A real redis-server for the tests (lesson 15): found on PATH, started on a loopback port with
// no persistence, ready once its log says so (never waited for with a sleep), stopped on demand
// or at the end. Tests that need it skip with the reason when the binary is absent.
// @lesson 15
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tests/support/net_process.hpp"

namespace duplex::testing {

// The redis-server on PATH, if any.
std::optional<std::string> find_redis_server();

// A free loopback port: the kernel picks one for a listener that is closed at once. Another
// process could take it in between; on this machine that is rare, and the test then fails
// loudly rather than passing by accident.
std::uint16_t free_port();

class RedisServerProcess {
 public:
  RedisServerProcess(std::string binary, std::uint16_t port);
  ~RedisServerProcess();

  // Starts the server and returns once it accepts connections (throws after a timeout).
  void start();
  // SIGTERM and wait: Redis closes every client connection as it exits.
  void stop();
  bool running() const { return child_ != nullptr; }
  std::uint16_t port() const { return port_; }

 private:
  std::string binary_;
  std::uint16_t port_;
  std::unique_ptr<ChildProcess> child_;
};

// What a test that needs Redis says when it skips.
inline constexpr const char* kNoRedisServer =
    "redis-server is not installed (apt-get install -y redis-server)";

// A redis-server on a free loopback port, started; nullptr when none is installed (the caller
// skips with kNoRedisServer).
std::unique_ptr<RedisServerProcess> start_redis_server();

}  // namespace duplex::testing
