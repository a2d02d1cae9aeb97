// TcpStream: one connected TCP socket with blocking reads and writes (lessons 01 and 02).
//
// Lesson 01 uses it to connect and echo; lesson 02 explains why read_some() may return fewer
// bytes than asked for, why write_all() must loop, and what end of stream and half-close mean.
// Later layers take its descriptor with release_fd() and drive it from the event loop.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "src/net/fd.hpp"
#include "src/net/socket_address.hpp"

namespace duplex::net {

// read_exact() met the end of the stream before it had all the bytes it was asked for.
class UnexpectedEof : public std::runtime_error {
 public:
  UnexpectedEof(std::size_t wanted, std::size_t got);
};

class TcpStream {
 public:
  explicit TcpStream(Fd fd);

  // socket (CLOEXEC) + connect; throws SystemError "connect 127.0.0.1:9: Connection refused".
  static TcpStream connect(const SocketAddress& address);
  // Resolves `host` and tries each address in turn; throws the last address's error.
  static TcpStream connect(const std::string& host, std::uint16_t port);

  // Reads what is available, at most into.size() bytes, blocking until at least one byte (or
  // the end) arrives. Returns 0 at end of stream (the peer sent FIN). Retries EINTR. A receive
  // timeout throws SystemError with EAGAIN ("read: Resource temporarily unavailable").
  // An empty `into` returns 0 at once, which is not end of stream: callers pass room.
  std::size_t read_some(std::span<char> into);
  // Reads exactly into.size() bytes; throws UnexpectedEof if the stream ends first.
  void read_exact(std::span<char> into);
  // Writes every byte, looping over partial writes. MSG_NOSIGNAL: a peer that has gone away
  // gives SystemError EPIPE instead of a SIGPIPE that would kill the process.
  void write_all(std::string_view bytes);
  // Half-close: sends FIN (shutdown(SHUT_WR)); this side can still read.
  void shutdown_write();

  void set_receive_timeout(std::chrono::milliseconds timeout);  // SO_RCVTIMEO; 0 = none
  void set_send_timeout(std::chrono::milliseconds timeout);     // SO_SNDTIMEO; 0 = none

  SocketAddress local_address() const;
  SocketAddress peer_address() const;
  const Fd& fd() const noexcept;
  // Hands the descriptor to someone else (the event loop); this stream is empty afterwards.
  Fd release_fd() &&;

 private:
  Fd fd_;
};

}  // namespace duplex::net
