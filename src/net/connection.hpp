// Connection: one non-blocking stream socket driven by an EventLoop (lesson 03).
//
// It owns the socket, an input Buffer and an output Buffer (their storage comes from and goes
// back to the loop's BufferPool, so an idle connection holds none). The layer above (the echo
// server, later HTTP and WebSocket) sees only two events, "bytes arrived" and "closed", and one
// verb, send(). The connection does the rest: reading what the socket holds, writing what the
// kernel accepts, watching for writability only while output waits, pausing reads when the peer
// does not take its replies (backpressure), closing idle connections, and closing gracefully.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "src/net/buffer.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/fd.hpp"
#include "src/net/transport.hpp"

namespace duplex::net {

class TcpServer;

// Why a connection closed; on_close receives it with an errno for kError.
enum class CloseReason {
  kPeerClosed,   // read() returned 0: the peer sent FIN
  kError,        // a read or write failed (ECONNRESET, EPIPE, ...)
  kIdleTimeout,  // nothing was read or written for idle_timeout
  kClosedByUs,   // close() or abort() from the layer above
  kShutdown,     // the server or the program is stopping
};
const char* to_string(CloseReason reason) noexcept;

struct ConnectionLimits {
  // Backpressure: above high_water unsent bytes the connection stops reading from the peer;
  // once the output drains to low_water it reads again. Defaults: 1 MiB / 256 KiB.
  std::size_t high_water = std::size_t{1} << 20;
  std::size_t low_water = std::size_t{256} << 10;
  // Fairness: at most this many bytes are read per wake-up, so one fast sender cannot
  // monopolise the loop. Level-triggered epoll reports the rest next round. Default 256 KiB.
  std::size_t max_read_per_wakeup = std::size_t{256} << 10;
  // Close after this long without reading or writing a byte; zero disables. Default: off.
  std::chrono::milliseconds idle_timeout{0};
  // A graceful close waits this long for the peer's FIN after ours. Default 2 s.
  std::chrono::milliseconds linger_timeout{2000};
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Called once per wake-up with everything buffered; consume() what you handled, leave a
  // partial message in place. Called again at once if the handler replaces itself and input
  // remains (a protocol upgrade hands the rest of the bytes to the new handler).
  using DataHandler = std::function<void(Connection& connection, Buffer& input)>;
  // Called exactly once, after the socket is closed. error_number is set for kError, else 0.
  using CloseHandler =
      std::function<void(Connection& connection, CloseReason reason, int error_number)>;

  // `fd` must be a connected stream socket; it is made non-blocking. Call start() to begin.
  static std::shared_ptr<Connection> create(EventLoop& loop, Fd fd, ConnectionLimits limits = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Called when output that had to wait for the socket (EPOLLOUT) has all been written: a
  // producer of a long stream writes until bytes_queued() is large, then waits for this.
  using DrainHandler = std::function<void(Connection& connection)>;

  // Handlers may be replaced at any time, from inside a handler too.
  void set_on_data(DataHandler handler);
  void set_on_close(CloseHandler handler);
  void set_on_drain(DrainHandler handler) { on_drain_ = std::move(handler); }

  // Registers with the loop and starts reading and the idle timer.
  void start();

  // Queues bytes. Inside on_data they are written when the handler returns (every reply to
  // one read leaves in one write); elsewhere they are written at once.
  void send(std::string_view bytes);
  // The same for bytes already in a Buffer, taken over without a copy when nothing else is
  // queued (the two buffers swap storage), appended otherwise. `bytes` is left empty either
  // way, keeping whatever storage it ends up with.
  void send(Buffer& bytes);
  // Graceful: stop reading requests, flush the output, send FIN, wait (bounded by
  // linger_timeout) for the peer's FIN, then close.
  void close();
  // Now: drop unsent output and close the socket.
  void abort();

  // The layer above may stop reading on its own account (say, while it works on a request).
  void pause_reading();
  void resume_reading();
  bool reading() const noexcept;  // false when paused by the layer above or by backpressure

  std::size_t bytes_queued() const noexcept { return output_.size(); }
  // True while output waits for the socket to become writable (EPOLLOUT armed).
  bool waiting_to_write() const noexcept { return (interest_ & kWritable) != 0; }
  Buffer& input() noexcept { return input_; }
  // Bytes of buffer storage held (input + output). Zero once both are empty: an idle connection
  // holds no buffer memory; the storage went back to the loop's BufferPool.
  std::size_t buffer_capacity() const noexcept { return input_.capacity() + output_.capacity(); }
  bool is_open() const noexcept { return state_ != State::kClosed; }
  bool is_closing() const noexcept { return state_ == State::kClosing; }
  void set_idle_timeout(std::chrono::milliseconds timeout);
  const ConnectionLimits& limits() const noexcept { return limits_; }
  EventLoop& loop() noexcept { return loop_; }
  int fd() const noexcept { return fd_.get(); }
  std::uint64_t bytes_read() const noexcept { return bytes_read_; }
  std::uint64_t bytes_written() const noexcept { return bytes_written_; }

  // The system calls this connection moves bytes with (lesson 13). Null, the default, means the
  // real ones, called directly; a test puts a FaultyTransport here to inject short reads and
  // writes, EAGAIN, EINTR or a reset. Without a call, the process fault plan decides
  // (DUPLEX_FAULT_SEED, transport.hpp).
  void set_transport(std::unique_ptr<Transport> transport) { transport_ = std::move(transport); }
  Transport* transport() const noexcept { return transport_.get(); }
  // sendfile(2) from `file_fd` to this socket through the transport, for a layer above that
  // sends file bodies itself (HTTP): a byte count, or -1 with errno set.
  ssize_t send_file(int file_fd, off_t* offset, std::size_t count);

  // For the owner (TcpServer): close with a given reason.
  void close_for(CloseReason reason);
  void abort_for(CloseReason reason, int error_number = 0);

 private:
  enum class State { kCreated, kOpen, kClosing, kClosed };
  struct Private {};

 public:
  Connection(Private, EventLoop& loop, Fd fd, ConnectionLimits limits);

 private:
  friend class TcpServer;

  void on_events(std::uint32_t events);
  void handle_readable();
  void deliver();
  bool flush();
  void write_queued();
  void update_interest();
  void finish_close_if_done();
  void arm_idle_timer(std::chrono::milliseconds delay);
  void on_idle_timer();
  void notify_closed();

  EventLoop& loop_;
  Fd fd_;
  std::unique_ptr<Transport> transport_;
  ConnectionLimits limits_;
  State state_ = State::kCreated;
  Buffer input_;
  Buffer output_;
  std::shared_ptr<DataHandler> on_data_;
  CloseHandler on_close_;
  DrainHandler on_drain_;
  std::function<void(Connection&)> on_released_;  // the owner forgets us (TcpServer)
  bool paused_by_user_ = false;
  bool paused_by_backpressure_ = false;
  bool dispatching_ = false;
  bool write_shut_ = false;
  bool peer_closed_ = false;
  CloseReason close_reason_ = CloseReason::kClosedByUs;
  int close_error_ = 0;
  std::uint32_t interest_ = 0;
  TimerId idle_timer_ = 0;
  TimerId linger_timer_ = 0;
  EventLoop::Clock::time_point last_activity_;
  std::uint64_t bytes_read_ = 0;
  std::uint64_t bytes_written_ = 0;
};

}  // namespace duplex::net
