// Connection (lesson 03): reading, the output queue (bytes and files) flushed once per round,
// backpressure, idle and send timeouts, graceful close, and the error policy for one
// non-blocking socket.
// @lesson 03
#include "src/net/connection.hpp"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#if DUPLEX_LESSON >= 12
#include <sys/uio.h>
#endif
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "src/net/system_error.hpp"

namespace duplex::net {

namespace {

// One read() asks for at most this much; the loop repeats while reads come back full, within
// the fairness budget.
constexpr std::size_t kReadChunk = 64 * 1024;
// Fairness for files: at most this many file bytes per wake-up, so one download cannot hold the
// loop while the page cache feeds the socket as fast as it drains.
constexpr std::size_t kSendfileBudget = 256 * 1024;

// A reader that finds nothing must get EAGAIN, not sleep: the loop has other clients to serve.
void make_non_blocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) throw_errno("fcntl O_NONBLOCK");
}

}  // namespace

const char* to_string(CloseReason reason) noexcept {
  switch (reason) {
    case CloseReason::kPeerClosed:
      return "peer closed";
    case CloseReason::kError:
      return "error";
    case CloseReason::kIdleTimeout:
      return "idle timeout";
    case CloseReason::kClosedByUs:
      return "closed by us";
    case CloseReason::kShutdown:
      return "shutdown";
    case CloseReason::kSendTimeout:
      return "send timeout";
    case CloseReason::kApplicationError:
      return "application error";
  }
  return "unknown";
}

std::shared_ptr<Connection> Connection::create(EventLoop& loop, Fd fd, ConnectionLimits limits) {
  return std::make_shared<Connection>(Private{}, loop, std::move(fd), limits);
}

#if DUPLEX_LESSON >= 12
std::shared_ptr<Connection> Connection::create(EventLoop& loop, Fd fd, ConnectionLimits limits,
                                               Blocking blocking) {
  return std::make_shared<Connection>(Private{}, loop, std::move(fd), limits, blocking);
}

Connection::Connection(Private key, EventLoop& loop, Fd fd, ConnectionLimits limits)
    : Connection(key, loop, std::move(fd), limits, Blocking::kUnknown) {}

Connection::Connection(Private, EventLoop& loop, Fd fd, ConnectionLimits limits, Blocking blocking)
#else
Connection::Connection(Private, EventLoop& loop, Fd fd, ConnectionLimits limits)
#endif
    : loop_(loop),
      fd_(std::move(fd)),
#if DUPLEX_LESSON >= 13
      transport_(transport_for_new_connection()),
#endif
      limits_(limits),
#if DUPLEX_LESSON >= 12
      input_(&loop.buffer_pool()),
      output_(&loop.buffer_pool()),
#endif
      idle_timer_(loop),
      linger_timer_(loop),
      send_timer_(loop),
      last_activity_(loop.now()) {
#if DUPLEX_LESSON >= 12
  if (blocking == Blocking::kUnknown) make_non_blocking(fd_.get());
#else
  make_non_blocking(fd_.get());
#endif
  if (limits_.low_water > limits_.high_water) limits_.low_water = limits_.high_water;
  if (limits_.max_read_per_wakeup == 0) limits_.max_read_per_wakeup = 1;
}

Connection::~Connection() {
  if (fd_) loop_.unwatch(fd_.get());
}

void Connection::set_on_data(DataHandler handler) {
  on_data_ = handler ? std::make_shared<DataHandler>(std::move(handler)) : nullptr;
}

void Connection::set_on_close(CloseHandler handler) {
  on_close_ = std::move(handler);
}

void Connection::start() {
  if (state_ != State::kCreated) return;
  state_ = State::kOpen;
  last_activity_ = loop_.now();
  std::weak_ptr<Connection> weak = weak_from_this();
  interest_ = kReadable;
  loop_.watch(fd_.get(), interest_, [weak](std::uint32_t events) {
    if (auto self = weak.lock()) self->on_events(events);
  });
  if (limits_.idle_timeout.count() > 0) arm_idle_timer(limits_.idle_timeout);
  if (has_output()) end_of_round_needed();
}

void Connection::on_events(std::uint32_t events) {
  if (events & kSocketError) {
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &error, &length);
    abort_for(CloseReason::kError, error != 0 ? error : EIO);
    return;
  }
  if ((events & kWritable) && state_ != State::kClosed) {
    // Written at the end of the round, with whatever this round adds to the queue.
    writable_ = true;
    end_of_round_needed();
  }
  if (state_ == State::kClosed) return;
  if (events & kReadable) {
    handle_readable();
  } else if ((events & kHangup) && !(interest_ & kReadable)) {
    // Both directions are gone and we are not reading (paused): nothing more can move, and
    // level-triggered epoll would report the hang-up on every round until we close.
    abort_for(CloseReason::kPeerClosed);
  }
}

// @anchor lesson03-read-loop
// Read until the socket is drained for now or this wake-up's budget is spent, then hand
// everything to the layer above in one call: a pipelined batch of requests is parsed and
// answered together.
#if DUPLEX_LESSON >= 12
// A read() that returns fewer bytes than asked has emptied the socket's receive queue, so we
// stop there instead of asking again only to be told EAGAIN (that second read() would be a
// system call per wake-up for nothing, lesson 12). Bytes that arrive a moment later, and the
// peer's FIN, are not lost: epoll is level-triggered and reports the socket readable on the
// next round.
#else
// Drained means read() said EAGAIN.
#endif
// The budget keeps one fast sender from starving the others: what it leaves behind is reported
// again on the next round, since epoll is level-triggered.
#if DUPLEX_LESSON >= 13
// A short read injected by a FaultyTransport (lesson 13) takes this path too.
#endif
void Connection::handle_readable() {
  std::size_t total = 0;
  int error = 0;
  bool closing = state_ == State::kClosing;
  while (total < limits_.max_read_per_wakeup) {
    std::size_t want = std::min(kReadChunk, limits_.max_read_per_wakeup - total);
    std::span<char> space = input_.prepare(want);
    std::size_t size = std::min(space.size(), want);
#if DUPLEX_LESSON >= 13
    // @anchor lesson13-transport-branch
    // Faults are injected only when a transport is set: the usual path is one well-predicted
    // branch and the plain system call.
    ssize_t n = transport_ ? transport_->read(fd_.get(), space.data(), size)
                           : ::read(fd_.get(), space.data(), size);
#else
    ssize_t n = ::read(fd_.get(), space.data(), size);
#endif
    if (n > 0) {
      input_.commit(static_cast<std::size_t>(n));
      total += static_cast<std::size_t>(n);
#if DUPLEX_LESSON >= 12
      if (static_cast<std::size_t>(n) < size) break;
#endif
      continue;
    }
    if (n == 0) {
      peer_closed_ = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) error = errno;
    break;
  }
  if (total > 0) {
    bytes_read_ += total;
    last_activity_ = loop_.now();
  }
  if (closing) {
    // After our FIN the peer's bytes have no reader; they are drained only so that close()
    // does not turn into a reset (which could destroy replies still in flight).
    input_.clear();
    input_.release_if_empty();
    if (error != 0 || peer_closed_) abort_for(close_reason_, close_error_);
    return;
  }
  if (total > 0) deliver();
  if (state_ == State::kClosed) return;
  if (error != 0) {
    abort_for(CloseReason::kError, error);
  } else if (peer_closed_ && state_ == State::kOpen) {
    close_for(CloseReason::kPeerClosed);
  }
}

void Connection::deliver() {
  while (state_ == State::kOpen && !input_.empty() && on_data_) {
    std::shared_ptr<DataHandler> handler = on_data_;
    try {
      (*handler)(*this, input_);
    } catch (...) {
      fail_in_application("data handler");
      return;
    }
    // A handler that replaced itself (an HTTP -> WebSocket upgrade) passes the remaining
    // bytes to its successor now; they may already hold a whole frame.
    if (on_data_ == handler) break;
  }
  input_.release_if_empty();
}

// @anchor lesson03-error-backstop
// The backstop of the error policy: code of the layer above threw on this connection's behalf.
// The loop goes on; the connection cannot be trusted to be in a sane state, so it ends, and the
// exception is reported. HTTP and WebSocket catch their handlers' exceptions first, to answer
// 500 or close with 1011; this is for what they let through.
void Connection::fail_in_application(std::string_view where) {
  loop_.report_exception(where);
  abort_for(CloseReason::kApplicationError);
}

// @anchor lesson03-cork
// The cork: one write per connection per round of the loop. send() only appends to the queue
// and, the first time in a round, puts the connection on the loop's end-of-round list. When the
// round ends (after the I/O callbacks, the timers and the posted tasks), flush_round() writes
// everything queued in one send(): ten pipelined requests read together leave as one write of
// ten responses, not ten small packets, whether the replies came from the data handler, a timer
// or a task. While EPOLLOUT is armed the socket is known to be full, so send() just queues.
void Connection::send(std::string_view bytes) {
  if (state_ == State::kClosing || state_ == State::kClosed || bytes.empty()) return;
  if (later_.empty()) {
    output_.append(bytes);
  } else {
#if DUPLEX_LESSON >= 12
    if (later_.back().file || later_.back().shared) {
      later_.push_back(Segment{Fd(), 0, 0, Buffer(&loop_.buffer_pool())});
    }
#else
    if (later_.back().file) later_.push_back(Segment{Fd(), 0, 0, Buffer()});
#endif
    later_.back().bytes.append(bytes);
    later_memory_ += bytes.size();
  }
  end_of_round_needed();
}

void Connection::send(Buffer& bytes) {
  if (state_ == State::kClosing || state_ == State::kClosed || bytes.empty()) {
    bytes.clear();
    return;
  }
  // A message built in its own buffer (a WebSocket frame, say) becomes the output as it is:
  // a swap of two pointers instead of a copy of every byte.
  if (output_.empty() && later_.empty()) {
    output_.swap(bytes);
    bytes.clear();
    end_of_round_needed();
  } else {
    send(bytes.view());
    bytes.clear();
  }
}

#if DUPLEX_LESSON >= 12
// @anchor lesson12-prepare-send
std::span<char> Connection::prepare_send(std::size_t size) {
  if (state_ == State::kClosing || state_ == State::kClosed || !later_.empty()) return {};
  return output_.prepare(size).first(size);
}

void Connection::commit_send(std::size_t size) {
  if (size == 0) return;
  output_.commit(size);
  end_of_round_needed();
}
#endif

// @anchor lesson03-files
// The output is an ordered queue: output_ holds the bytes at its front, and later_ what comes
// behind the first file segment (files and byte runs, in order). With no file queued, later_ is
// empty and send() is a plain append, as cheap as a byte-only queue.
void Connection::send_file(Fd file, std::uint64_t offset, std::uint64_t length) {
  if (state_ == State::kClosing || state_ == State::kClosed || length == 0) return;
  later_.push_back(Segment{std::move(file), offset, length, Buffer()});
  later_file_ += length;
  end_of_round_needed();
}

#if DUPLEX_LESSON >= 12
// @anchor lesson12-send-shared
// A cached 64 KiB body copied into the output was copied twice per response in user space
// (into the HTTP protocol's output, then into this queue), a sixth of the server's time in
// perf. Queued by reference, it is copied once, by the kernel, from where the cache keeps it.
// The segment counts as memory: a client that pipelines requests for it and reads nothing
// still meets high_water, as it would with copies.
void Connection::send_shared(std::shared_ptr<const std::string> bytes) {
  if (state_ == State::kClosing || state_ == State::kClosed || !bytes || bytes->empty()) return;
  std::uint64_t size = bytes->size();
  later_.push_back(Segment{Fd(), 0, size, Buffer(), std::move(bytes)});
  later_memory_ += size;
  end_of_round_needed();
}
#endif

void Connection::end_of_round_needed() {
  if (state_ == State::kCreated) return;  // start() asks when it runs
  if (state_ != State::kClosed && (interest_ & kWritable) && !writable_) {
    // The socket is full: EPOLLOUT brings us back. Only the backpressure marks may move now.
    update_interest();
    return;
  }
  if (in_round_end_) return;
  in_round_end_ = true;
  loop_.defer_to_round_end(shared_from_this());
}

// Called by the loop at the end of the round: write the queue, then finish a close in progress.
void Connection::flush_round() {
  in_round_end_ = false;
  bool waited = (interest_ & kWritable) != 0;
  bool may_write = !waited || writable_;
  writable_ = false;
  if (state_ != State::kOpen && state_ != State::kClosing) return;
  if (has_output() && may_write) {
    if (!write_output()) return;
    if (waited && !has_output() && state_ == State::kOpen && on_drain_) drain_pending_ = true;
  }
  finish_close_if_done();
  update_interest();
}

// Called by the loop after every connection of the round has flushed.
void Connection::notify_round() {
  if (drain_pending_) {
    drain_pending_ = false;
    if (state_ == State::kOpen && on_drain_) {
      try {
        on_drain_(*this);
      } catch (...) {
        fail_in_application("drain handler");
      }
    }
  }
  if (close_pending_) {
    close_pending_ = false;
    notify_closed();
  }
}

// Writes what the kernel takes now, files through sendfile(2) within their budget. Returns false
// if the connection died doing it.
bool Connection::write_output() {
  std::size_t file_budget = kSendfileBudget;
  while (true) {
#if DUPLEX_LESSON >= 12
    // A shared segment leaves with the bytes before and behind it, in one call (send_gathered).
    bool gathered = !later_.empty() && later_.front().shared;
    if (output_.empty() && !gathered) {
#else
    if (output_.empty()) {
#endif
      if (later_.empty()) break;
      Segment& front = later_.front();
      if (front.file) {
        if (!send_file_segment(front, file_budget)) return false;
        if (front.left > 0) break;  // the socket is full or the budget spent: EPOLLOUT
        later_.pop_front();
        continue;
      }
      later_memory_ -= front.bytes.size();
      output_.swap(front.bytes);
      later_.pop_front();
      continue;
    }
#if DUPLEX_LESSON >= 12
    ssize_t n = gathered ? send_gathered() : send_output();
#else
    ssize_t n = send_output();
#endif
    if (n > 0) {
#if DUPLEX_LESSON >= 12
      if (gathered) {
        consume_gathered(static_cast<std::size_t>(n));
      } else {
        output_.consume(static_cast<std::size_t>(n));
      }
#else
      output_.consume(static_cast<std::size_t>(n));
#endif
      bytes_written_ += static_cast<std::size_t>(n);
      last_activity_ = loop_.now();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    abort_for(state_ == State::kClosing ? close_reason_ : CloseReason::kError, n < 0 ? errno : EIO);
    return false;
  }
  output_.release_if_empty();
  return true;
}

// One send(2) of the bytes at the front of the queue.
ssize_t Connection::send_output() {
#if DUPLEX_LESSON >= 12
  int flags = send_flags(later_.empty());
#else
  int flags = MSG_NOSIGNAL;
#endif
#if DUPLEX_LESSON >= 13
  return transport_ ? transport_->send(fd_.get(), output_.data(), output_.size())
                    : ::send(fd_.get(), output_.data(), output_.size(), flags);
#else
  return ::send(fd_.get(), output_.data(), output_.size(), flags);
#endif
}

#if DUPLEX_LESSON >= 12
// @anchor lesson12-fin-with-the-data
// The last bytes before a close without linger: MSG_MORE holds back their last segment, and
// the close() that follows at once puts our FIN on it (RFC 9293 §3.10.4: the FIN goes behind
// the queued data), so the reply and the FIN are one packet instead of two: one segment less
// to send, receive and acknowledge per connection. Injected faults (lesson 13) send without it.
int Connection::send_flags(bool carries_the_rest) const noexcept {
  return MSG_NOSIGNAL | (skip_linger_ && carries_the_rest ? MSG_MORE : 0);
}

// @anchor lesson12-gather
// One sendmsg(2) for output_ and the byte runs queued behind it up to the next file: the head
// of a response and its shared body leave together, as the cork promises, and so do several
// pipelined responses. At most kGatherParts runs per call; the rest go on the next turn.
ssize_t Connection::send_gathered() {
  constexpr std::size_t kGatherParts = 16;
  iovec parts[kGatherParts];
  std::size_t count = 0;
  std::size_t segments = 0;
  if (!output_.empty()) parts[count++] = {const_cast<char*>(output_.data()), output_.size()};
  for (const Segment& segment : later_) {
    if (segment.file || count == kGatherParts) break;
    ++segments;
    if (segment.shared) {
      parts[count++] = {const_cast<char*>(segment.shared->data() + segment.offset),
                        static_cast<std::size_t>(segment.left)};
    } else {
      parts[count++] = {const_cast<char*>(segment.bytes.data()), segment.bytes.size()};
    }
  }
  msghdr message{};
  message.msg_iov = parts;
  message.msg_iovlen = count;
#if DUPLEX_LESSON >= 13
  return transport_ ? transport_->send_message(fd_.get(), message)
                    : ::sendmsg(fd_.get(), &message, send_flags(segments == later_.size()));
#else
  return ::sendmsg(fd_.get(), &message, send_flags(segments == later_.size()));
#endif
}

// Drops the `sent` bytes send_gathered() wrote from the front of the queue: output_ first,
// then the runs behind it, a run that went whole with its segment.
void Connection::consume_gathered(std::size_t sent) {
  std::size_t from_output = std::min(sent, output_.size());
  output_.consume(from_output);
  sent -= from_output;
  while (sent > 0) {
    Segment& front = later_.front();
    std::size_t size = front.shared ? static_cast<std::size_t>(front.left) : front.bytes.size();
    std::size_t taken = std::min(sent, size);
    if (front.shared) {
      front.offset += taken;
      front.left -= taken;
    } else {
      front.bytes.consume(taken);
    }
    later_memory_ -= taken;
    sent -= taken;
    if (taken == size) later_.pop_front();
  }
}
#endif

// Sends from the file segment at the front of the queue until it is done, the socket is full or
// the budget is spent. Returns false if the connection died doing it.
bool Connection::send_file_segment(Segment& segment, std::size_t& budget) {
  while (segment.left > 0 && budget > 0) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(segment.left, budget));
    off_t offset = static_cast<off_t>(segment.offset);
#if DUPLEX_LESSON >= 13
    // Through the transport, so injected faults (lesson 13) reach file bodies too.
    ssize_t n = transport_ ? transport_->sendfile(fd_.get(), segment.file.get(), &offset, want)
                           : ::sendfile(fd_.get(), segment.file.get(), &offset, want);
#else
    ssize_t n = ::sendfile(fd_.get(), segment.file.get(), &offset, want);
#endif
    if (n > 0) {
      auto moved = static_cast<std::uint64_t>(n);
      segment.offset += moved;
      segment.left -= moved;
      later_file_ -= moved;
      bytes_written_ += moved;
      budget -= static_cast<std::size_t>(n);
      last_activity_ = loop_.now();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    // n == 0: the file ended before the promised length (it shrank under us). Nothing honest
    // can follow in this stream: the peer must see a short body, not a wrong one.
    abort_for(state_ == State::kClosing ? close_reason_ : CloseReason::kError, n < 0 ? errno : EIO);
    return false;
  }
  return true;
}

// @anchor lesson03-interest
// Which events the loop should report, recomputed after every change. EPOLLOUT only while
// output is pending: a socket is writable almost always, so a level-triggered watch on it
// would wake the loop on every round for nothing. Reading stops while the peer leaves more
// than high_water bytes of our replies unread (backpressure: its own requests then pile up
// in the kernel, its TCP window closes and its writes block), and resumes below low_water.
// The gap between the two marks keeps a connection from flapping on every byte. While output
// waits for EPOLLOUT, the send timer watches that it moves at all.
void Connection::update_interest() {
  if (state_ == State::kClosed || state_ == State::kCreated) return;
  std::size_t memory = output_.size() + static_cast<std::size_t>(later_memory_);
  if (!paused_by_backpressure_ && memory > limits_.high_water) {
    paused_by_backpressure_ = true;
  } else if (paused_by_backpressure_ && memory <= limits_.low_water) {
    paused_by_backpressure_ = false;
  }
  std::uint32_t want = 0;
  if (state_ == State::kOpen && !paused_by_user_ && !paused_by_backpressure_) want |= kReadable;
  if (state_ == State::kClosing && write_shut_) want |= kReadable;
#if DUPLEX_LESSON >= 12
  // @anchor lesson12-no-speculative-epollout
  // Output queued during a round is written when the round ends (flush_round); EPOLLOUT is
  // only needed if that write leaves some behind. Arming it as soon as a reply is queued, and
  // disarming it after the write took everything, cost two epoll_ctl calls per request.
  if (has_output() && (!in_round_end_ || (interest_ & kWritable))) want |= kWritable;
#else
  if (has_output()) want |= kWritable;
#endif
  if (want != interest_) {
    loop_.modify(fd_.get(), want);
    interest_ = want;
  }
  if (!(want & kWritable)) {
    send_timer_.cancel();
  } else if (limits_.send_timeout.count() > 0 && !send_timer_.active()) {
    arm_send_timer();
  }
}

void Connection::close() {
  close_for(CloseReason::kClosedByUs);
}

#if DUPLEX_LESSON >= 12
// @anchor lesson12-close-without-linger
// The graceful close guards against a peer whose unread bytes would turn our close() into a
// reset. A peer that has promised to send nothing more has no such bytes, so the half-close,
// the wait for its FIN and the read that sees it are three steps for nothing: after the output,
// close() alone sends our data and then our FIN. linger_timeout still bounds the flush.
void Connection::close_without_linger() {
  if (input_.empty()) skip_linger_ = true;
  close_for(CloseReason::kClosedByUs);
}
#endif

void Connection::abort() {
  abort_for(CloseReason::kClosedByUs);
}

void Connection::post(std::function<void()> task) {
  loop_.post([weak = weak_from_this(), task = std::move(task)] {
    std::shared_ptr<Connection> self = weak.lock();
    if (!self || !self->is_open()) return;
    try {
      task();
    } catch (...) {
      self->fail_in_application("posted task");
    }
  });
}

// @anchor lesson03-graceful-close
// A graceful close in three steps:
//  1. stop reading requests and flush the replies already queued;
//  2. send FIN (shutdown(SHUT_WR)): the peer reads every reply, then end of stream;
//  3. read and discard until the peer's FIN, then close().
// Closing at once with unread input in the kernel would make it send RST, and a reset may
// destroy replies the peer has not read yet. linger_timeout bounds steps 1 to 3, so a peer
// that never reads or never closes cannot keep the socket forever.
void Connection::close_for(CloseReason reason) {
  if (state_ == State::kClosing || state_ == State::kClosed) return;
  if (state_ == State::kCreated || (peer_closed_ && !has_output())) {
    abort_for(reason);  // both sides are done: nothing to flush, no FIN to wait for
    return;
  }
  close_reason_ = reason;
  state_ = State::kClosing;
  idle_timer_.cancel();
  linger_timer_.start(limits_.linger_timeout, [this] { abort_for(close_reason_, close_error_); });
  // Steps 1 and 2 happen at the end of the round (flush_round, finish_close_if_done).
  end_of_round_needed();
}

void Connection::finish_close_if_done() {
  if (state_ != State::kClosing || has_output()) return;
#if DUPLEX_LESSON >= 12
  if (skip_linger_) {
    abort_for(close_reason_, close_error_);
    return;
  }
#endif
  if (!write_shut_) {
    ::shutdown(fd_.get(), SHUT_WR);
    write_shut_ = true;
  }
  if (peer_closed_) abort_for(close_reason_, close_error_);
}

void Connection::abort_for(CloseReason reason, int error_number) {
  if (state_ == State::kClosed) return;
  if (state_ != State::kClosing) {
    close_reason_ = reason;
    close_error_ = error_number;
  }
  state_ = State::kClosed;
  idle_timer_.cancel();
  linger_timer_.cancel();
  send_timer_.cancel();
#if DUPLEX_LESSON >= 12
  if (fd_) loop_.forget(fd_.get());  // fd_ is this socket's only descriptor, closed next
#else
  if (fd_) loop_.unwatch(fd_.get());
#endif
  fd_.reset();
  interest_ = 0;
  output_.clear();
  output_.release_if_empty();
  later_.clear();
  later_memory_ = later_file_ = 0;
  drain_pending_ = false;
  // on_close runs at the end of the round, never inside the call that closed us.
  close_pending_ = true;
  if (!in_round_end_) {
    in_round_end_ = true;
    loop_.defer_to_round_end(shared_from_this());
  }
}

void Connection::notify_closed() {
  CloseHandler on_close = std::move(on_close_);
  on_close_ = nullptr;
  if (on_close) {
    try {
      on_close(*this, close_reason_, close_error_);
    } catch (...) {
      loop_.report_exception("close handler");
    }
  }
  // Handlers often capture the connection's owner or the connection itself: dropping them
  // here breaks any reference cycle.
  on_data_.reset();
  on_drain_ = nullptr;
  auto released = std::move(on_released_);
  on_released_ = nullptr;
  if (released) released(*this);
}

void Connection::pause_reading() {
  paused_by_user_ = true;
  update_interest();
}

void Connection::resume_reading() {
  paused_by_user_ = false;
  update_interest();
}

bool Connection::reading() const noexcept {
  return state_ == State::kOpen && !paused_by_user_ && !paused_by_backpressure_;
}

void Connection::set_idle_timeout(std::chrono::milliseconds timeout) {
  limits_.idle_timeout = timeout;
  idle_timer_.cancel();
  last_activity_ = loop_.now();
  if (state_ == State::kOpen && timeout.count() > 0) arm_idle_timer(timeout);
}

void Connection::set_send_timeout(std::chrono::milliseconds timeout) {
  limits_.send_timeout = timeout;
  send_timer_.cancel();
  if (timeout.count() > 0 && (interest_ & kWritable)) arm_send_timer();
}

// @anchor lesson03-idle-timer
// One timer per connection, not one per byte: activity only moves last_activity_. When the
// timer fires it checks how long the connection has really been quiet and either closes it
// or sleeps again for the remainder. Re-arming on every read would cost a heap push each time.
void Connection::arm_idle_timer(std::chrono::milliseconds delay) {
  // The timers are members: destroyed with the connection, they never fire on a dead one.
  idle_timer_.start(delay, [this] { on_idle_timer(); });
}

void Connection::on_idle_timer() {
  if (state_ != State::kOpen || limits_.idle_timeout.count() <= 0) return;
  auto quiet = loop_.now() - last_activity_;
  if (quiet >= limits_.idle_timeout) {
    close_for(CloseReason::kIdleTimeout);
  } else {
    arm_idle_timer(std::chrono::ceil<std::chrono::milliseconds>(limits_.idle_timeout - quiet));
  }
}

// @anchor lesson03-send-timeout
// A peer that stops reading would otherwise hold our output (and the memory behind it) forever:
// backpressure stops us reading from it, but nothing ends it. The send timer runs while output
// waits for EPOLLOUT. When it fires, progress is what counts, not completion: if any byte left
// since it was armed (a slow reader on a thin link) it sleeps again; if none did, the peer is not
// reading and the connection is aborted.
void Connection::arm_send_timer() {
  written_at_send_arm_ = bytes_written_;
  send_timer_.start(limits_.send_timeout, [this] { on_send_timer(); });
}

void Connection::on_send_timer() {
  if (state_ == State::kClosed || !(interest_ & kWritable)) return;
  // EPOLLOUT came in this round and the write waits for its end: the peer did read.
  if (bytes_written_ == written_at_send_arm_ && !writable_) {
    abort_for(CloseReason::kSendTimeout);
  } else {
    arm_send_timer();
  }
}

}  // namespace duplex::net
