// handshake_server (lesson 08): the smallest WebSocket server that works, one client at a time.
//
// A throwaway program to watch the upgrade before the real server exists: it accepts a
// connection, reads the request head with http::RequestParser, checks it with
// ws::validate_handshake (RFC 6455 §4.2.1), answers 101 or the error, and then shows what the
// client sends next: in lesson 08 the frames' raw bytes, in hex (lesson 09 decodes them); from
// lesson 10 on it echoes every message with ws::Protocol in the server role until the client
// closes. Blocking I/O, no event loop: the point is the handshake, not concurrency (lesson 03
// already did that).
//
//   handshake_server [--host H] [--port N] [--subprotocol P]...
//
// The first line of output is the address, e.g. "ws://127.0.0.1:9008/". Logs go to stderr.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/http/request_parser.hpp"
#include "src/http/response.hpp"
#include "src/net/resolve.hpp"
#include "src/net/system_error.hpp"
#include "src/net/tcp_listener.hpp"
#include "src/ws/handshake.hpp"
#if DUPLEX_LESSON >= 10
#include "src/ws/protocol.hpp"
#endif

namespace {

using namespace duplex;

constexpr std::string_view kUsage =
    "usage: handshake_server [--host H] [--port N] [--subprotocol P]...\n";

// A client that sends nothing for this long is dropped, so one idle client cannot hold the
// only slot forever.
constexpr std::chrono::seconds kIdleTimeout{60};

// Reads until the request head is complete or broken. `buffered` keeps every byte read: the
// head's views point into it, and whatever follows the head already belongs to the WebSocket.
// @anchor lesson08-read-head
http::ParseResult read_head(net::TcpStream& client, http::RequestParser& parser,
                            std::string& buffered) {
  char block[4096];
  for (;;) {
    http::ParseResult result = parser.parse(buffered);
    if (!result.need_more()) return result;
    std::size_t n = client.read_some(block);
    if (n == 0) return result;  // the client left before finishing its request
    buffered.append(block, n);
  }
}

#if DUPLEX_LESSON >= 10
// After the 101: frames in, echoes out, until the closing handshake is done.
// @anchor lesson08-echo
void echo(net::TcpStream& client, std::string_view leftover) {
  ws::Protocol protocol(ws::Role::kServer);
  // The classic bug is to start with an empty buffer here: bytes the client sent right behind
  // its request arrived in the same read as the head, and they are its first frames.
  protocol.receive_data(leftover);
  char block[16 * 1024];
  for (;;) {
    for (const auto& event : protocol.events_received()) {
      if (event.kind == ws::Event::Kind::kText) protocol.send_text(event.data);
      if (event.kind == ws::Event::Kind::kBinary) protocol.send_binary(event.data);
      if (event.kind == ws::Event::Kind::kClose) {
        std::cerr << "  closed: " << ws::to_int(event.code) << " ("
                  << ws::close_code_name(ws::to_int(event.code)) << ")\n";
      }
      if (event.kind == ws::Event::Kind::kFailure) {
        std::cerr << "  failed: " << ws::to_int(event.code) << " ("
                  << ws::close_code_name(ws::to_int(event.code)) << "): " << event.data << "\n";
      }
    }
    client.write_all(protocol.data_to_send());
    // RFC 6455 §7.1.1: the server closes the TCP connection first, once both closes are out.
    if (protocol.should_close_transport()) return;
    std::size_t n = client.read_some(block);
    if (n == 0) {
      protocol.receive_eof();
    } else {
      protocol.receive_data(std::string_view(block, n));
    }
  }
}
#else
// After the 101 the bytes are frames (lesson 09 reads them): shown in hex, 16 to a line, until
// the client leaves. Its first bytes may have arrived in the same read as its request.
// @anchor lesson08-echo
void echo(net::TcpStream& client, std::string_view leftover) {
  std::string bytes(leftover);
  char block[16 * 1024];
  for (;;) {
    for (std::size_t at = 0; at < bytes.size(); at += 16) {
      std::string line = "  frame bytes:";
      for (std::size_t i = at; i < bytes.size() && i < at + 16; ++i) {
        char hex[4];
        std::snprintf(hex, sizeof hex, " %02x", static_cast<unsigned char>(bytes[i]));
        line += hex;
      }
      std::cerr << line << "\n";
    }
    std::size_t n = client.read_some(block);
    if (n == 0) {
      std::cerr << "  the client closed the connection\n";
      return;
    }
    bytes.assign(block, n);
  }
}
#endif

// @anchor lesson08-serve-one
void serve_one(net::TcpStream client, const ws::HandshakeOptions& options) {
  std::cerr << "connection from " << client.peer_address().to_string() << "\n";
  client.set_receive_timeout(kIdleTimeout);
  client.set_send_timeout(kIdleTimeout);
  http::RequestParser parser;
  std::string buffered;
  http::ParseResult result = read_head(client, parser, buffered);
  if (result.need_more()) return;
  if (result.failed()) {
    std::cerr << "  " << http::render_error(buffered, result.error);
    http::Response response(result.error.status, std::string(result.error.reason) + "\n");
    response.add("Connection", "close");
    client.write_all(http::serialize(response));
    return;
  }
  ws::HandshakeResult handshake = ws::validate_handshake(parser.head(), options);
  if (!handshake.accepted()) {
    std::cerr << "  refused: " << handshake.response.status << " "
              << ws::handshake_error_reason(handshake.error) << "\n";
    // One request per connection here: say so, then close.
    handshake.response.add("Connection", "close");
    client.write_all(http::serialize(handshake.response));
    return;
  }
  std::cerr << "  101 for " << handshake.path
            << (handshake.subprotocol.empty() ? "" : ", subprotocol " + handshake.subprotocol)
            << "\n";
  client.write_all(http::serialize(handshake.response));
  echo(client, std::string_view(buffered).substr(result.consumed));
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  long port = 9008;
  ws::HandshakeOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if ((flag != "--host" && flag != "--port" && flag != "--subprotocol") || i + 1 >= argc) {
      std::cerr << "handshake_server: bad argument " << flag << "; " << kUsage;
      return 2;
    }
    std::string value = argv[++i];
    if (flag == "--host") {
      host = value;
    } else if (flag == "--subprotocol") {
      options.subprotocols.push_back(value);
    } else {
      char* end = nullptr;
      port = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || port < 0 || port > 65535) {
        std::cerr << "handshake_server: --port wants a number from 0 to 65535\n";
        return 2;
      }
    }
  }
  try {
    auto address = net::resolve(host, static_cast<std::uint16_t>(port)).front();
    auto listener = net::TcpListener::listen(address);
    std::string where = listener.local_address().to_string();
    std::cout << "ws://" << where << "/" << std::endl;
    for (;;) {
      net::TcpStream client = listener.accept();
      try {
        serve_one(std::move(client), options);
      } catch (const std::exception& error) {
        // A client that vanished or went silent ends its own connection, not the server.
        std::cerr << "  " << error.what() << "\n";
      }
    }
  } catch (const std::exception& error) {
    std::cerr << "handshake_server: " << error.what() << "\n";
    return 1;
  }
}
