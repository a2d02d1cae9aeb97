// Step 2 of lesson 03: one thread per connection (throwaway code).
//
// Each client gets a thread that blocks in read() on its own, so a quiet client costs a thread
// instead of the whole server. It works, until the clients number in the thousands: every
// thread has its own stack (8 MiB of address space by default) and the scheduler switches
// between all of them.
#pragma once

#include <cstddef>

#include "src/net/tcp_listener.hpp"

namespace duplex::lessons {

// Accepts `clients` clients, each served by a thread of its own; returns once all of them are
// done (0: serve forever, threads detached).
void serve_thread_per_connection(net::TcpListener& listener, std::size_t clients);

}  // namespace duplex::lessons
