// Step 1 of lesson 03: an iterative echo server, one client at a time (throwaway code).
//
// accept, echo until the client leaves, accept the next. Simple and correct, and useless as
// soon as two people connect: while it sits in read() for one quiet client, everyone else waits
// in the kernel's accept queue.
#pragma once

#include <cstddef>

#include "src/net/tcp_listener.hpp"

namespace duplex::lessons {

// Serves `clients` clients one after another, then returns (0: serve forever).
void serve_iteratively(net::TcpListener& listener, std::size_t clients);

// Echoes everything `stream` sends until it closes its side. Shared by the steps of lesson 03.
void echo_until_closed(net::TcpStream& stream);

}  // namespace duplex::lessons
