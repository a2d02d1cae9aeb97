// line_server: the first protocol on a byte stream, one line in, one line out (lesson 02).
//
// Each line the client sends (ending in LF or CRLF) comes back in upper case, however TCP cut
// it into reads. A line longer than --max-line bytes gets "ERROR line longer than N bytes" and
// the connection is closed: a limit, not unbounded memory. When the client half-closes, the
// server still answers every complete line, reports an unterminated last line, and closes.
//
//   line_server [--host 127.0.0.1] [--port 9000] [--max-line 8192]
#include <cctype>
#include <chrono>
#include <exception>
#include <iostream>
#include <span>
#include <string>

#include "lessons/01-sockets/program_flags.hpp"
#include "src/net/line_framer.hpp"
#include "src/net/resolve.hpp"
#include "src/net/system_error.hpp"
#include "src/net/tcp_listener.hpp"

using namespace duplex;

namespace {

std::string upper(std::string line) {
  for (char& c : line) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return line;
}

// Closing with the rest of a long line still unread would make the kernel answer with RST, and
// a reset can destroy the error line before the client has read it. So: half-close (the client
// sees the end of our answer), then read and throw away what it still sends until it closes.
// Two bounds keep a client from holding us here: it may send at most kMaxDiscardBytes more (a
// client that never stops, like `yes | nc`), and it may fall silent for at most
// kDiscardIdleTimeout (a client that neither sends nor closes). There is no bound on the total
// time on purpose: a client that is only slow (a loaded machine, a slow link) must still get
// its error line, not a reset. An earlier version gave up after one second in all, and lost the
// error line whenever the client needed longer than that to finish sending.
constexpr std::size_t kMaxDiscardBytes = std::size_t{1} << 20;
constexpr std::chrono::seconds kDiscardIdleTimeout{5};

void discard_until_closed(net::TcpStream& client, std::span<char> chunk) {
  std::size_t discarded = 0;
  try {
    client.shutdown_write();
    client.set_receive_timeout(kDiscardIdleTimeout);
    while (discarded <= kMaxDiscardBytes) {
      std::size_t n = client.read_some(chunk);
      if (n == 0) break;
      discarded += n;
    }
  } catch (const net::SystemError&) {
    // A receive timeout (EAGAIN) or a reset: either way there is nothing left to protect.
  }
}

// @anchor lesson02-line-loop
void serve(net::TcpStream& client, std::size_t max_line) {
  net::LineFramer framer(max_line);
  char chunk[4096];
  try {
    while (std::size_t n = client.read_some(chunk)) {
      framer.feed(std::string_view(chunk, n));
      // One read may hold no line, part of one, or several: take every complete one.
      while (auto line = framer.next_line()) client.write_all(upper(*line) + "\n");
    }
    // End of stream: the client will send nothing more, but can still read our answer.
    if (framer.buffered() > 0) client.write_all("ERROR incomplete last line\n");
  } catch (const net::LineTooLong& error) {
    client.write_all(std::string("ERROR ") + error.what() + "\n");
    discard_until_closed(client, chunk);
  }
}

}  // namespace

int main(int argc, char** argv) {
  lessons::ProgramFlags flags;
  try {
    flags = lessons::parse_flags(argc, argv, true);
  } catch (const lessons::UsageError& error) {
    std::cerr << "line_server: " << error.what()
              << " (usage: line_server [--host H] [--port N] [--max-line N])\n";
    return 2;
  }
  std::size_t max_line =
      flags.max_line != 0 ? flags.max_line : net::LineFramer::kDefaultMaxLineLength;
  try {
    auto listener = net::TcpListener::listen(net::resolve(flags.host, flags.port).front());
    std::cout << "tcp://" << listener.local_address().to_string() << std::endl;
    for (;;) {
      net::TcpStream client = listener.accept();
      std::string peer = client.peer_address().to_string();
      std::cout << "connection from " << peer << std::endl;
      try {
        serve(client, max_line);
        std::cout << "closed " << peer << std::endl;
      } catch (const net::SystemError& error) {
        std::cout << "dropped " << peer << ": " << error.what() << std::endl;
      }
    }
  } catch (const std::exception& error) {
    std::cerr << "line_server: " << error.what() << "\n";
    return 1;
  }
}
