// The command line shared by lesson 03's two throwaway servers.
#include "lessons/03-many-clients/echo_program.hpp"

#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include "src/net/socket_address.hpp"

namespace duplex::lessons {

int run_echo_program(int argc, char** argv, const char* name, ServeFunction serve) {
  long port = 8080;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help") {
      std::cout << "usage: " << name << " [--port N]\n";
      return 0;
    }
    if (flag != "--port" || i + 1 >= argc) {
      std::cerr << name << ": unknown flag or missing value: " << flag << " (try --help)\n";
      return 2;
    }
    std::string value = argv[++i];
    if (value.empty() || value.size() > 5 ||
        value.find_first_not_of("0123456789") != std::string::npos || std::stol(value) > 65535) {
      std::cerr << name << ": --port wants a number from 0 to 65535, not '" << value << "'\n";
      return 2;
    }
    port = std::stol(value);
  }
  try {
    auto listener = net::TcpListener::listen(
        net::SocketAddress::from_numeric("127.0.0.1", static_cast<std::uint16_t>(port)));
    std::cout << "tcp://" << listener.local_address().to_string() << std::endl;
    serve(listener, 0);
  } catch (const std::exception& error) {
    std::cerr << name << ": " << error.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace duplex::lessons
