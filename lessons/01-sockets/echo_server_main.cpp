// echo_server: a blocking TCP echo server, one client at a time (lesson 01, throwaway).
//
// The whole socket life cycle in one page: listen, accept, read, write back, close, repeat.
// While it serves one client, the next ones wait in the accept queue; lesson 03 fixes that.
//
//   echo_server [--host 127.0.0.1] [--port 9000]
#include <cstdio>
#include <exception>
#include <iostream>

#include "lessons/01-sockets/program_flags.hpp"
#include "src/net/resolve.hpp"
#include "src/net/system_error.hpp"
#include "src/net/tcp_listener.hpp"

using namespace duplex;

namespace {

// @anchor lesson01-echo-loop
void serve(net::TcpStream& client) {
  char chunk[4096];
  // read_some returns what has arrived, 1 to 4096 bytes; 0 means the client closed its side.
  while (std::size_t n = client.read_some(chunk)) {
    client.write_all(std::string_view(chunk, n));
  }
}

}  // namespace

int main(int argc, char** argv) {
  lessons::ProgramFlags flags;
  try {
    flags = lessons::parse_flags(argc, argv);
  } catch (const lessons::UsageError& error) {
    std::cerr << "echo_server: " << error.what() << " (usage: echo_server [--host H] [--port N])\n";
    return 2;
  }
  try {
    auto listener = net::TcpListener::listen(net::resolve(flags.host, flags.port).front());
    // The first line tells scripts and tests where we listen (the real port when --port 0).
    std::cout << "tcp://" << listener.local_address().to_string() << std::endl;
    for (;;) {
      net::TcpStream client = listener.accept();
      std::string peer = client.peer_address().to_string();
      std::cout << "connection from " << peer << std::endl;
      try {
        serve(client);
        std::cout << "closed " << peer << std::endl;
      } catch (const net::SystemError& error) {
        // One client's failure (a reset, say) must not stop the server.
        std::cout << "dropped " << peer << ": " << error.what() << std::endl;
      }
    }
  } catch (const std::exception& error) {
    std::cerr << "echo_server: " << error.what() << "\n";
    return 1;
  }
}
