// Step 2 of lesson 03: the thread-per-connection echo server.
#include "lessons/03-many-clients/threaded_echo.hpp"

#include <exception>
#include <iostream>
#include <thread>
#include <vector>

#include "lessons/03-many-clients/iterative_echo.hpp"

namespace duplex::lessons {

namespace {

void serve_one(net::TcpStream stream) {
  try {
    echo_until_closed(stream);
  } catch (const std::exception& error) {
    std::cerr << "client dropped: " << error.what() << "\n";
  }
}

}  // namespace

// @anchor lesson03-thread-per-connection
void serve_thread_per_connection(net::TcpListener& listener, std::size_t clients) {
  std::vector<std::thread> threads;
  for (std::size_t accepted = 0; clients == 0 || accepted < clients; ++accepted) {
    std::thread thread(serve_one, listener.accept());
    if (clients == 0) {
      thread.detach();  // serving forever: nobody will join, and the vector would only grow
    } else {
      threads.push_back(std::move(thread));
    }
  }
  for (auto& thread : threads) thread.join();
}

}  // namespace duplex::lessons
