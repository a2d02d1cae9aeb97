// RedisServerProcess (lesson 15): a redis-server child process for the tests.
// @lesson 15
#include "tests/redis/redis_server_process.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "src/net/socket_address.hpp"
#include "src/net/tcp_listener.hpp"

namespace duplex::testing {

namespace {

constexpr auto kTimeout = std::chrono::seconds(5);

}  // namespace

std::optional<std::string> find_redis_server() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = dir + "/redis-server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

std::uint16_t free_port() {
  auto listener = net::TcpListener::listen(net::SocketAddress::from_numeric("127.0.0.1", 0));
  return listener.local_address().port();
}

RedisServerProcess::RedisServerProcess(std::string binary, std::uint16_t port)
    : binary_(std::move(binary)), port_(port) {}

RedisServerProcess::~RedisServerProcess() {
  stop();
}

void RedisServerProcess::start() {
  child_ = std::make_unique<ChildProcess>(
      binary_, std::vector<std::string>{"--port", std::to_string(port_), "--bind", "127.0.0.1",
                                        "--save", "", "--appendonly", "no", "--dir", "/tmp"});
  // redis-server logs "Ready to accept connections" once it listens.
  for (;;) {
    std::string line = child_->read_line(kTimeout);
    if (line.find("Ready to accept connections") != std::string::npos) break;
  }
}

void RedisServerProcess::stop() {
  if (!child_) return;
  child_->terminate();
  child_->wait(kTimeout);
  child_.reset();
}

std::unique_ptr<RedisServerProcess> start_redis_server() {
  auto binary = find_redis_server();
  if (!binary) return nullptr;
  auto server = std::make_unique<RedisServerProcess>(*binary, free_port());
  server->start();
  return server;
}

}  // namespace duplex::testing
