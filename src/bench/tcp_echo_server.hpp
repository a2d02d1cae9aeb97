// The raw TCP baseline: the smallest epoll echo server we know how to write (lesson 12).
//
// One thread, level-triggered epoll, one 64 KiB buffer: read what the socket has, write it
// straight back; only when the kernel does not take it all is the rest kept and EPOLLOUT armed
// (and reading paused until it drains). No framing, no parsing, no allocation per message. It is
// the ceiling: every WebSocket number in docs/benchmarks.md is also given as a fraction of what
// this server does on the same machine in the same run.
// @lesson 12
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace duplex::bench {

// Listens on host:port (port 0: any free port), calls `on_listening` with "host:port", then
// serves until SIGINT or SIGTERM. Throws std::runtime_error when it cannot listen.
void run_tcp_echo_server(const std::string& host, std::uint16_t port,
                         const std::function<void(const std::string& address)>& on_listening);

}  // namespace duplex::bench
