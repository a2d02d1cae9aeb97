// duplex-ws: a command-line WebSocket client (lessons 08 and 10).
//
// Connects to a ws:// URL, sends each line typed on stdin as one text message (or binary with
// --binary), and prints each message received, one per line. --trace shows the handshake and
// every frame in both directions on stderr, field by field (RFC 6455 §5.2). Ctrl-D (end of
// stdin) starts a clean close: a close frame 1000, a bounded wait for the server's, exit 0.
// When the server closes first, its close code and reason are printed. stdin and the socket are
// multiplexed with poll(), so messages show up while you type.
//
//   duplex-ws [--trace] [--binary] [--subprotocol P]... [--origin O] [--timeout SECONDS] URL
//
// From lesson 14, --deflate offers permessage-deflate (RFC 7692); when the server agrees, the
// agreed parameters are printed and --trace shows RSV1 and the compressed payloads.
//
// Exit status: 0 after a completed closing handshake, 1 when the connection failed or dropped,
// 2 for a usage error. Errors are one line on stderr.
// @lesson 10
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/ws/ws_client.hpp"

namespace {

using duplex::ws::CloseCode;

// "1001 (going away)"
std::string describe(CloseCode code) {
  auto number = duplex::ws::to_int(code);
  return std::to_string(number) + " (" + duplex::ws::close_code_name(number) + ")";
}
using duplex::ws::Event;

constexpr std::string_view kUsage =
    "usage: duplex-ws [--trace] [--binary] [--subprotocol P]... [--origin O] [--timeout S] URL\n"
    "  URL                 ws://host[:port][/path][?query]\n"
    "  --trace             show the handshake and every frame, both directions, on stderr\n"
    "  --binary            send each line as a binary message instead of text\n"
    "  --subprotocol P     offer subprotocol P (repeat for more, most preferred first)\n"
    "  --origin O          send an Origin field, as a browser page at O would\n"
    "  --timeout S         seconds allowed for connect, handshake and close (default 5)\n"
#if DUPLEX_LESSON >= 14
    "  --deflate           offer permessage-deflate (RFC 7692) and compress when agreed\n"
#endif
    "  stdin: one message per line; Ctrl-D closes the connection cleanly\n";

struct Options {
  std::string url;
  bool trace = false;
  bool binary = false;
  bool help = false;
#if DUPLEX_LESSON >= 14
  bool deflate = false;
#endif
  long timeout_seconds = 5;
  std::vector<std::string> subprotocols;
  std::string origin;
};

std::optional<std::string> parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      options.help = true;
    } else if (arg == "--trace") {
      options.trace = true;
    } else if (arg == "--binary") {
      options.binary = true;
#if DUPLEX_LESSON >= 14
    } else if (arg == "--deflate") {
      options.deflate = true;
#endif
    } else if (arg == "--subprotocol" || arg == "--origin" || arg == "--timeout") {
      if (i + 1 >= argc) return std::string(arg) + " needs a value";
      std::string value = argv[++i];
      if (arg == "--subprotocol") {
        options.subprotocols.push_back(value);
      } else if (arg == "--origin") {
        options.origin = value;
      } else {
        char* end = nullptr;
        errno = 0;
        long seconds = std::strtol(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0' || errno != 0 || seconds < 1 || seconds > 3600) {
          return "--timeout wants seconds from 1 to 3600, not '" + value + "'";
        }
        options.timeout_seconds = seconds;
      }
    } else if (!arg.empty() && arg.front() == '-') {
      return "unknown flag " + std::string(arg) + " (try --help)";
    } else if (options.url.empty()) {
      options.url = arg;
    } else {
      return "more than one URL (try --help)";
    }
  }
  if (options.url.empty() && !options.help) return "no URL given (try --help)";
  return std::nullopt;
}

void write_out(std::string_view bytes) {
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  std::fflush(stdout);
}

// Prints one event. Returns an exit status when the event ends the connection.
std::optional<int> show(const Event& event) {
  switch (event.kind) {
    case Event::Kind::kText:
    case Event::Kind::kBinary:
      write_out(event.data + "\n");
      return std::nullopt;
    case Event::Kind::kPing:
    case Event::Kind::kPong:
      return std::nullopt;  // answered by the Protocol; visible with --trace
    case Event::Kind::kClose: {
      if (event.code == CloseCode::kAbnormalClosure) {
        std::cerr << "duplex-ws: connection lost without a close frame: " << describe(event.code)
                  << "\n";
        return 1;
      }
      std::cerr << "closed by server: " << describe(event.code);
      if (!event.data.empty()) std::cerr << ", reason: " << event.data;
      std::cerr << "\n";
      return 0;
    }
    case Event::Kind::kFailure:
      std::cerr << "duplex-ws: failed the connection with " << describe(event.code) << ": "
                << event.data << "\n";
      return 1;
  }
  return std::nullopt;
}

// Prints events; returns the exit status of the first one that ended the connection.
std::optional<int> show_all(const std::vector<Event>& events) {
  std::optional<int> status;
  for (const auto& event : events) {
    auto ended = show(event);
    if (ended && !status) status = ended;
  }
  return status;
}

bool send_line(duplex::ws::WsClient& client, std::string_view line, bool binary) {
  if (binary ? client.send_binary(line) : client.send_text(line)) return true;
  if (!binary && client.protocol().state() == duplex::ws::Protocol::State::kOpen) {
    std::cerr << "duplex-ws: line is not valid UTF-8, not sent (use --binary)\n";
    return true;
  }
  return false;
}

// Ctrl-D: our close (1000), the server's, then its end of stream, all bounded by --timeout.
int close_cleanly(duplex::ws::WsClient& client) {
  bool clean = client.close(CloseCode::kNormal);
  for (const auto& event : client.take_events()) {
    if (event.kind == Event::Kind::kText || event.kind == Event::Kind::kBinary) show(event);
  }
  if (!clean) {
    std::cerr << "duplex-ws: the server did not answer the close"
              << (client.last_error().empty() ? "" : ": " + client.last_error()) << "\n";
    return 1;
  }
  return 0;
}

// @anchor lesson08-duplex-ws-loop
int run(const Options& options) {
  duplex::ws::WsClientOptions client_options;
  client_options.subprotocols = options.subprotocols;
  client_options.origin = options.origin;
  std::chrono::milliseconds timeout(options.timeout_seconds * 1000);
  client_options.connect_timeout = client_options.handshake_timeout = timeout;
  client_options.close_timeout = client_options.write_timeout = timeout;
#if DUPLEX_LESSON >= 14
  client_options.deflate.enabled = options.deflate;
#endif
  if (options.trace) {
    client_options.trace = [](std::string_view text) {
      std::fwrite(text.data(), 1, text.size(), stderr);
    };
  }
  auto client = duplex::ws::WsClient::connect(options.url, std::move(client_options));
  if (!client.subprotocol().empty()) std::cerr << "subprotocol: " << client.subprotocol() << "\n";
#if DUPLEX_LESSON >= 14
  if (options.deflate) {
    std::cerr << "extension: "
              << (client.deflate() ? duplex::ws::to_header_value(*client.deflate())
                                   : std::string("none (the server declined permessage-deflate)"))
              << "\n";
  }
#endif

  // Messages that came in the same read as the 101 are already waiting.
  if (auto ended = show_all(client.take_events())) return *ended;

  std::string line_buffer;
  for (;;) {
    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {client.fd(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      std::cerr << "duplex-ws: poll: " << std::strerror(errno) << "\n";
      return 1;
    }
    if (fds[1].revents != 0) {
      if (auto ended = show_all(client.poll_events(std::chrono::milliseconds(0)))) return *ended;
    }
    if (fds[0].revents == 0) continue;
    char block[4096];
    ssize_t n = ::read(STDIN_FILENO, block, sizeof block);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // End of input: a last line without '\n' is still a message.
      if (!line_buffer.empty() && !send_line(client, line_buffer, options.binary)) break;
      return close_cleanly(client);
    }
    line_buffer.append(block, static_cast<std::size_t>(n));
    std::size_t newline;
    while ((newline = line_buffer.find('\n')) != std::string::npos) {
      std::string_view line(line_buffer.data(), newline);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!send_line(client, line, options.binary)) break;
      line_buffer.erase(0, newline + 1);
    }
    if (client.closed()) break;
  }
  // The connection ended while we were sending: report how.
  if (auto ended = show_all(client.take_events())) return *ended;
  std::cerr << "duplex-ws: connection closed"
            << (client.last_error().empty() ? "" : ": " + client.last_error()) << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  // Output to a closed pipe must end the program with an error, not a signal.
  std::signal(SIGPIPE, SIG_IGN);
  Options options;
  if (auto error = parse(argc, argv, options)) {
    std::cerr << "duplex-ws: " << *error << "\n";
    return 2;
  }
  if (options.help) {
    std::cout << kUsage;
    return 0;
  }
  try {
    return run(options);
  } catch (const std::exception& error) {
    std::cerr << "duplex-ws: " << error.what() << "\n";
    return 1;
  }
}
