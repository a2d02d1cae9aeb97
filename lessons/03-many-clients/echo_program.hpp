// The command line shared by lesson 03's two throwaway servers (throwaway code).
#pragma once

#include <cstddef>

#include "src/net/tcp_listener.hpp"

namespace duplex::lessons {

using ServeFunction = void (*)(net::TcpListener& listener, std::size_t clients);

// Parses --port N (default 8080) and --help, listens on 127.0.0.1, prints "tcp://ADDRESS" as
// the first line and serves forever. Errors: one line on stderr, exit status 1 or 2.
int run_echo_program(int argc, char** argv, const char* name, ServeFunction serve);

}  // namespace duplex::lessons
