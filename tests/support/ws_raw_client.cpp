// WsRawClient (lesson 10): a rule-breaking WebSocket client for the tests. See ws_raw_client.hpp.
// @lesson 10
#include "tests/support/ws_raw_client.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "src/net/system_error.hpp"

namespace duplex::testing {

namespace {

// A fixed masking key: the tests want reproducible bytes on the wire.
constexpr unsigned char kKey[4] = {0x37, 0xfa, 0x21, 0x3d};

}  // namespace

std::uint16_t RawFrame::close_code() const {
  if (payload.size() < 2) return 1005;
  return static_cast<std::uint16_t>(static_cast<unsigned char>(payload[0]) << 8 |
                                    static_cast<unsigned char>(payload[1]));
}

std::string RawFrame::close_reason() const {
  return payload.size() < 2 ? std::string() : payload.substr(2);
}

std::string raw_frame(std::uint8_t opcode, std::string_view payload, bool fin, bool masked,
                      std::uint8_t rsv) {
  std::string out;
  out += static_cast<char>((fin ? 0x80 : 0) | (rsv & 7) << 4 | (opcode & 0xF));
  char mask_bit = masked ? static_cast<char>(0x80) : 0;
  std::uint64_t size = payload.size();
  if (size < 126) {
    out += static_cast<char>(mask_bit | static_cast<char>(size));
  } else if (size <= 0xFFFF) {
    out += static_cast<char>(mask_bit | 126);
    out += static_cast<char>(size >> 8);
    out += static_cast<char>(size & 0xFF);
  } else {
    out += static_cast<char>(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((size >> shift) & 0xFF);
  }
  std::size_t start = out.size();
  if (masked) out.append(reinterpret_cast<const char*>(kKey), 4);
  start = out.size();
  out.append(payload);
  if (masked) {
    for (std::size_t i = 0; i < payload.size(); ++i)
      out[start + i] ^= static_cast<char>(kKey[i % 4]);
  }
  return out;
}

std::string raw_close(std::optional<std::uint16_t> code, std::string_view reason) {
  std::string body;
  if (code) {
    body += static_cast<char>(*code >> 8);
    body += static_cast<char>(*code & 0xFF);
  }
  body.append(reason);
  return raw_frame(0x8, body);
}

std::string handshake_request(std::string_view path, std::string_view extra_fields) {
  std::string request = "GET " + std::string(path) +
                        " HTTP/1.1\r\n"
                        "Host: 127.0.0.1\r\n"
                        "Upgrade: websocket\r\n"
                        "Connection: Upgrade\r\n"
                        "Sec-WebSocket-Key: " +
                        std::string(kSampleKey) +
                        "\r\n"
                        "Sec-WebSocket-Version: 13\r\n";
  request.append(extra_fields);
  request += "\r\n";
  return request;
}

WsRawClient WsRawClient::connect(std::uint16_t port, std::string_view path,
                                 std::string_view first_bytes) {
  WsRawClient client(net::TcpStream::connect(net::SocketAddress::from_numeric("127.0.0.1", port)));
  client.stream_.set_send_timeout(kWsReadTimeout);
  // The tests write frames one by one; Nagle's algorithm would hold each small write until the
  // previous one is acknowledged (a delayed ACK: 40 ms).
  int one = 1;
  ::setsockopt(client.stream_.fd().get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  client.send_raw(handshake_request(path) + std::string(first_bytes));
  client.read_head(std::chrono::steady_clock::now() + kWsReadTimeout);
  if (client.head_.rfind("HTTP/1.1 101 ", 0) != 0) {
    throw std::runtime_error("handshake refused: " + client.head_);
  }
  return client;
}

bool WsRawClient::read_head(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    std::size_t end = buffer_.find("\r\n\r\n");
    if (end != std::string::npos) {
      head_ = buffer_.substr(0, end + 4);
      buffer_.erase(0, end + 4);
      return true;
    }
    if (!read_more(deadline)) throw std::runtime_error("connection closed before the head");
  }
}

void WsRawClient::send_raw(std::string_view bytes) {
  stream_.write_all(bytes);
}

bool WsRawClient::read_more(std::chrono::steady_clock::time_point deadline) {
  if (eof_) return false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) throw std::runtime_error("timed out waiting for the server");
    pollfd entry{stream_.fd().get(), POLLIN, 0};
    int ready = ::poll(&entry, 1, static_cast<int>(left.count()) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) net::throw_errno("poll");
    if (ready == 0) continue;
    char chunk[64 * 1024];
    ssize_t n = ::read(stream_.fd().get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == ECONNRESET) n = 0;  // a reset ends the stream too
    if (n < 0) net::throw_errno("read");
    if (n == 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
}

std::optional<RawFrame> WsRawClient::read_frame(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (buffer_.size() >= 2) {
      auto byte = [this](std::size_t i) { return static_cast<unsigned char>(buffer_[i]); };
      std::size_t header = 2;
      std::uint64_t length = byte(1) & 0x7F;
      const std::uint64_t length_code = length;
      if (length_code == 126) header = 4;
      if (length_code == 127) header = 10;
      bool masked = (byte(1) & 0x80) != 0;
      if (masked) header += 4;
      if (buffer_.size() >= header) {
        if (length_code == 126) length = static_cast<std::uint64_t>(byte(2)) << 8 | byte(3);
        if (length_code == 127) {
          length = 0;
          for (std::size_t i = 2; i < 10; ++i) length = length << 8 | byte(i);
        }
        if (buffer_.size() - header >= length) {
          RawFrame frame;
          frame.fin = (byte(0) & 0x80) != 0;
          frame.rsv = static_cast<std::uint8_t>((byte(0) >> 4) & 7);
          frame.opcode = static_cast<std::uint8_t>(byte(0) & 0xF);
          frame.masked = masked;
          frame.payload = buffer_.substr(header, length);
          if (masked) {
            for (std::size_t i = 0; i < length; ++i) {
              frame.payload[i] = static_cast<char>(frame.payload[i] ^ buffer_[header - 4 + i % 4]);
            }
          }
          buffer_.erase(0, header + length);
          return frame;
        }
      }
    }
    if (!read_more(deadline)) return std::nullopt;
  }
}

RawFrame WsRawClient::read_close(std::chrono::milliseconds timeout, std::size_t* skipped) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t count = 0;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    std::optional<RawFrame> frame = read_frame(std::max(left, std::chrono::milliseconds(0)));
    if (!frame) throw std::runtime_error("connection closed without a close frame");
    if (frame->opcode == 0x8) {
      if (skipped != nullptr) *skipped = count;
      return *frame;
    }
    ++count;
  }
}

bool WsRawClient::wait_for_eof(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!buffer_.empty()) return false;
  try {
    return !read_more(deadline) && buffer_.empty();
  } catch (const std::runtime_error&) {
    return false;
  }
}

}  // namespace duplex::testing
