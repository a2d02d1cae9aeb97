// Connection: one non-blocking stream socket driven by an EventLoop (lesson 03).
//
// It owns the socket, an input Buffer and an output queue (byte runs and file segments; the
// buffers give their storage back as soon as they are empty, so an idle connection holds
// none). The layer above (the echo server, later HTTP and WebSocket) sees three events,
// "bytes arrived", "output drained" and "closed", and a few verbs: send(), send_file(), close(),
// abort(), post(). The connection does the rest: reading what the socket holds, writing what the
// kernel accepts once per round of the loop (the cork), watching for writability only while
// output waits, pausing reads when the peer does not take its replies (backpressure), closing
// idle connections and peers that stop reading, closing gracefully, and turning an exception
// from the layer above into a close of this connection alone.
//
// Nothing a caller does calls back into it synchronously: send() and send_file() only queue,
// and the close and drain notifications run at the end of the loop's round, so a caller never
// needs to guard against being freed in the middle of its own call.
// @lesson 03
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#if DUPLEX_LESSON >= 12
#include <string>
#endif
#include <string_view>

#include "src/net/buffer.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/fd.hpp"
#include "src/net/timer.hpp"
#if DUPLEX_LESSON >= 13
#include "src/net/transport.hpp"
#endif

namespace duplex::net {

class TcpServer;

// Why a connection closed; on_close receives it with an errno for kError.
enum class CloseReason {
  kPeerClosed,        // read() returned 0: the peer sent FIN
  kError,             // a read or write failed (ECONNRESET, EPIPE, ...; EIO: a file shrank)
  kIdleTimeout,       // nothing was read or written for idle_timeout
  kClosedByUs,        // close() or abort() from the layer above
  kShutdown,          // the server or the program is stopping
  kSendTimeout,       // output waited send_timeout without a byte leaving
  kApplicationError,  // a handler, bound timer or posted task of this connection threw
};
const char* to_string(CloseReason reason) noexcept;

struct ConnectionLimits {
  // Backpressure: above high_water unsent bytes in memory the connection stops reading from the
  // peer; once they drain to low_water it reads again. Defaults: 1 MiB / 256 KiB. File segments
  // do not count: they take no memory.
  std::size_t high_water = std::size_t{1} << 20;
  std::size_t low_water = std::size_t{256} << 10;
  // Fairness: at most this many bytes are read per wake-up, so one fast sender cannot
  // monopolise the loop. Level-triggered epoll reports the rest next round. Default 256 KiB.
  std::size_t max_read_per_wakeup = std::size_t{256} << 10;
  // Close after this long without reading or writing a byte; zero disables. Default: off.
  std::chrono::milliseconds idle_timeout{0};
  // A graceful close waits this long for the peer's FIN after ours. Default 2 s.
  std::chrono::milliseconds linger_timeout{2000};
  // Abort (kSendTimeout) when output waits this long for the socket without one byte leaving;
  // zero disables. Default: off. A peer that reads slowly but steadily is never cut.
  std::chrono::milliseconds send_timeout{0};
};

#if DUPLEX_LESSON >= 12
// What the creator of a Connection knows of its socket (lesson 12, Connection::create).
enum class Blocking { kUnknown, kNonBlocking };
#endif

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Called once per wake-up with everything buffered; consume() what you handled, leave a
  // partial message in place. Called again at once if the handler replaces itself and input
  // remains (a protocol upgrade hands the rest of the bytes to the new handler). An exception
  // aborts this connection (kApplicationError) and is reported to the loop's error sink.
  using DataHandler = std::function<void(Connection& connection, Buffer& input)>;
  // Called exactly once, at the end of the round in which the socket was closed. error_number
  // is set for kError, else 0.
  using CloseHandler =
      std::function<void(Connection& connection, CloseReason reason, int error_number)>;
  // Called at the end of a round when output that had to wait for the socket (EPOLLOUT), files
  // included, has all been written: a producer of a long stream queues until bytes_queued() is
  // large, then waits for this.
  using DrainHandler = std::function<void(Connection& connection)>;

  // `fd` must be a connected stream socket; it is made non-blocking. Call start() to begin.
  static std::shared_ptr<Connection> create(EventLoop& loop, Fd fd, ConnectionLimits limits = {});
#if DUPLEX_LESSON >= 12
  // Lesson 12: a socket made by accept4(SOCK_NONBLOCK) or socket(SOCK_NONBLOCK) is taken as it
  // is, which saves the two fcntl() calls per connection that making it non-blocking costs.
  static std::shared_ptr<Connection> create(EventLoop& loop, Fd fd, ConnectionLimits limits,
                                            Blocking blocking);
#endif
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Handlers may be replaced at any time, from inside a handler too.
  void set_on_data(DataHandler handler);
  void set_on_close(CloseHandler handler);
  void set_on_drain(DrainHandler handler) {
    on_drain_ = std::move(handler);
  }

  // Registers with the loop and starts reading and the idle timer.
  void start();

  // Queues bytes; they leave at the end of the loop's round, together with everything else
  // queued on this connection during the round (one write). Never writes, closes or calls back.
  // Dropped once the connection is closing or closed.
  void send(std::string_view bytes);
  // The same for bytes already in a Buffer, taken over without a copy when nothing else is
  // queued (the two buffers swap storage), appended otherwise. `bytes` is left empty either
  // way, keeping whatever storage it ends up with.
  void send(Buffer& bytes);
  // Queues `length` bytes of `file` from `offset`, behind everything queued before. They leave
  // with sendfile(2), at most 256 KiB per wake-up. A file shorter than promised aborts the
  // connection (kError, EIO): the peer sees a short body, never a wrong one.
  void send_file(Fd file, std::uint64_t offset, std::uint64_t length);
#if DUPLEX_LESSON >= 12
  // Lesson 12: queues `bytes` without copying them: the connection keeps its share of them
  // until they are written, and writes them together with the bytes around them (one
  // sendmsg(2) with a part for each). For large bodies someone else already keeps in memory,
  // such as a cached file's. They count as queued memory (backpressure, bytes_queued()).
  void send_shared(std::shared_ptr<const std::string> bytes);
#endif
  // Graceful: stop reading requests, flush the output, send FIN, wait (bounded by
  // linger_timeout) for the peer's FIN, then close.
  void close();
#if DUPLEX_LESSON >= 12
  // Lesson 12: for a peer that has said it sends nothing more (HTTP's "Connection: close" on
  // the last request, RFC 9112 §9.6): flush the output, then close, with no FIN of our own first
  // and no wait for the peer's. With bytes from the peer still unconsumed in the input, the
  // peer did send more, and this is close().
  void close_without_linger();
#endif
  // Now: drop unsent output and close the socket. is_open() is false at once.
  void abort();
  // Thread-safe: runs `task` on the loop thread if this connection is still open then. An
  // exception aborts this connection (kApplicationError), like one from the data handler.
  void post(std::function<void()> task);

  // The layer above may stop reading on its own account (say, while it works on a request).
  void pause_reading();
  void resume_reading();
  bool reading() const noexcept;  // false when paused by the layer above or by backpressure

  // Bytes not yet written: in memory, plus what is left of queued file segments.
  std::size_t bytes_queued() const noexcept {
    return output_.size() + static_cast<std::size_t>(later_memory_ + later_file_);
  }
  // True while output waits for the socket to become writable (EPOLLOUT armed).
  bool waiting_to_write() const noexcept {
    return (interest_ & kWritable) != 0;
  }
  Buffer& input() noexcept {
    return input_;
  }
#if DUPLEX_LESSON >= 12
  // Bytes of buffer storage held (input + output). Zero once both are empty: an idle connection
  // holds no buffer memory; the storage went back to the loop's BufferPool.
#else
  // Bytes of buffer storage held (input + output). Zero once both are empty: an idle connection
  // holds no buffer memory.
#endif
  std::size_t buffer_capacity() const noexcept {
    return input_.capacity() + output_.capacity();
  }
  bool is_open() const noexcept {
    return state_ != State::kClosed;
  }
  bool is_closing() const noexcept {
    return state_ == State::kClosing;
  }
  void set_idle_timeout(std::chrono::milliseconds timeout);
  void set_send_timeout(std::chrono::milliseconds timeout);
  const ConnectionLimits& limits() const noexcept {
    return limits_;
  }
  EventLoop& loop() noexcept {
    return loop_;
  }
  int fd() const noexcept {
    return fd_.get();
  }
  std::uint64_t bytes_read() const noexcept {
    return bytes_read_;
  }
  std::uint64_t bytes_written() const noexcept {
    return bytes_written_;
  }  // memory and files

#if DUPLEX_LESSON >= 12
  // Lesson 12: send() without a source buffer. prepare_send() returns room for `size` bytes at
  // the back of the queue, to be written in place; commit_send(n) queues the first n of them
  // (n <= size), as send() of those bytes would. Nothing is queued before commit_send(), so
  // bytes written and not committed are simply dropped. Empty when the bytes could not go at
  // the back of the memory queue (closing, closed, or a file queued: use send()).
  std::span<char> prepare_send(std::size_t size);
  void commit_send(std::size_t size);
#endif

#if DUPLEX_LESSON >= 13
  // The system calls this connection moves bytes with (lesson 13). Null means the real ones,
  // called directly; a test puts a FaultyTransport here to inject short reads and writes,
  // EAGAIN, EINTR or a reset. The default comes from the process fault plan (transport.hpp),
  // which only a test installs.
  void set_transport(std::unique_ptr<Transport> transport) {
    transport_ = std::move(transport);
  }
  Transport* transport() const noexcept {
    return transport_.get();
  }

#endif
  // For the owner (TcpServer) and the layers above: close with a given reason.
  void close_for(CloseReason reason);
  void abort_for(CloseReason reason, int error_number = 0);

 private:
  enum class State { kCreated, kOpen, kClosing, kClosed };
  struct Private {};
  // What waits behind output_: file segments, and the bytes queued after them.
  struct Segment {
    Fd file;  // invalid: a byte run in `bytes`
    std::uint64_t offset = 0;
    std::uint64_t left = 0;
    Buffer bytes;
#if DUPLEX_LESSON >= 12
    // Set: the byte run is here instead, from `offset`, `left` bytes (send_shared).
    std::shared_ptr<const std::string> shared = nullptr;
#endif
  };

 public:
  Connection(Private, EventLoop& loop, Fd fd, ConnectionLimits limits);
#if DUPLEX_LESSON >= 12
  Connection(Private, EventLoop& loop, Fd fd, ConnectionLimits limits, Blocking blocking);
#endif

 private:
  friend class EventLoop;
  friend class TcpServer;

  void on_events(std::uint32_t events);
  void handle_readable();
  void deliver();
  void end_of_round_needed();
  void flush_round();
  void notify_round();
  bool write_output();
  ssize_t send_output();
  bool send_file_segment(Segment& segment, std::size_t& budget);
#if DUPLEX_LESSON >= 12
  int send_flags(bool carries_the_rest) const noexcept;
  ssize_t send_gathered();
  void consume_gathered(std::size_t sent);
#endif
  bool has_output() const noexcept {
    return !output_.empty() || !later_.empty();
  }
  void update_interest();
  void finish_close_if_done();
  void arm_idle_timer(std::chrono::milliseconds delay);
  void on_idle_timer();
  void arm_send_timer();
  void on_send_timer();
  void notify_closed();
  void fail_in_application(std::string_view where);

  EventLoop& loop_;
  Fd fd_;
#if DUPLEX_LESSON >= 13
  std::unique_ptr<Transport> transport_;
#endif
  ConnectionLimits limits_;
  State state_ = State::kCreated;
  Buffer input_;
  Buffer output_;  // the front of the output queue: always bytes
  // A list, not a deque: an empty std::deque allocates its first block (about 600 bytes), which
  // every idle connection would pay for; an empty list holds nothing.
  std::list<Segment> later_;  // empty in the common case: only bytes queued
  std::uint64_t later_memory_ = 0;
  std::uint64_t later_file_ = 0;
  std::shared_ptr<DataHandler> on_data_;
  CloseHandler on_close_;
  DrainHandler on_drain_;
  std::function<void(Connection&)> on_released_;  // the owner forgets us (TcpServer)
  bool paused_by_user_ = false;
  bool paused_by_backpressure_ = false;
  bool in_round_end_ = false;  // on the loop's list for the end of this round
  bool writable_ = false;      // EPOLLOUT reported this round
  bool drain_pending_ = false;
  bool close_pending_ = false;  // closed, on_close not yet called
  bool write_shut_ = false;
  bool peer_closed_ = false;
#if DUPLEX_LESSON >= 12
  bool skip_linger_ = false;  // close_without_linger: no shutdown, no wait for the peer's FIN
#endif
  CloseReason close_reason_ = CloseReason::kClosedByUs;
  int close_error_ = 0;
  std::uint32_t interest_ = 0;
  // Unbound: they are members, so they die with the connection and never fire on a dead one.
  Timer idle_timer_;
  Timer linger_timer_;
  Timer send_timer_;
  EventLoop::Clock::time_point last_activity_;
  std::uint64_t written_at_send_arm_ = 0;
  std::uint64_t bytes_read_ = 0;
  std::uint64_t bytes_written_ = 0;
};

}  // namespace duplex::net
