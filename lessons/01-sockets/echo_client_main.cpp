// echo_client: sends its standard input to a server and prints what comes back (lesson 01).
//
// Two directions at once: one thread copies stdin to the socket and then half-closes it
// (shutdown(SHUT_WR): "no more from me"); the main thread copies the socket to stdout until the
// server closes its side. With an echo server the output equals the input.
//
//   echo_client [--host 127.0.0.1] [--port 9000] < input
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <iostream>
#include <string>
#include <thread>

#include "lessons/01-sockets/program_flags.hpp"
#include "src/net/system_error.hpp"
#include "src/net/tcp_stream.hpp"

using namespace duplex;

namespace {

void send_stdin(net::TcpStream& server, std::string& error) {
  try {
    char chunk[4096];
    for (;;) {
      ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) net::throw_errno("read stdin");
      if (n == 0) break;
      server.write_all(std::string_view(chunk, static_cast<std::size_t>(n)));
    }
    server.shutdown_write();
  } catch (const std::exception& failure) {
    error = failure.what();
  }
}

}  // namespace

int main(int argc, char** argv) {
  lessons::ProgramFlags flags;
  try {
    flags = lessons::parse_flags(argc, argv);
  } catch (const lessons::UsageError& error) {
    std::cerr << "echo_client: " << error.what() << " (usage: echo_client [--host H] [--port N])\n";
    return 2;
  }
  try {
    auto server = net::TcpStream::connect(flags.host, flags.port);
    std::string send_error;
    std::thread sender(send_stdin, std::ref(server), std::ref(send_error));
    std::string receive_error;
    try {
      char chunk[4096];
      while (std::size_t n = server.read_some(chunk)) std::cout.write(chunk, std::streamsize(n));
      std::cout.flush();
    } catch (const std::exception& failure) {
      receive_error = failure.what();
    }
    // The sender may still be blocked reading stdin after the server has gone; it ends with it.
    sender.join();
    if (!receive_error.empty() || !send_error.empty()) {
      std::cerr << "echo_client: " << (receive_error.empty() ? send_error : receive_error) << "\n";
      return 1;
    }
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "echo_client: " << error.what() << "\n";
    return 1;
  }
}
