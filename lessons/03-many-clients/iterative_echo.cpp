// Step 1 of lesson 03: the iterative echo server.
#include "lessons/03-many-clients/iterative_echo.hpp"

#include <array>
#include <exception>
#include <iostream>

namespace duplex::lessons {

void echo_until_closed(net::TcpStream& stream) {
  std::array<char, 4096> chunk;
  while (std::size_t n = stream.read_some(chunk)) stream.write_all({chunk.data(), n});
}

// @anchor lesson03-iterative
void serve_iteratively(net::TcpListener& listener, std::size_t clients) {
  for (std::size_t served = 0; clients == 0 || served < clients; ++served) {
    net::TcpStream stream = listener.accept();
    // While this call runs, nobody else is served: a client that connects and says nothing
    // holds the whole server.
    try {
      echo_until_closed(stream);
    } catch (const std::exception& error) {
      std::cerr << "client dropped: " << error.what() << "\n";
    }
  }
}

}  // namespace duplex::lessons
