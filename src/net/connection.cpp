// Connection (lesson 03): reading, writing, backpressure, idle timeout and graceful close for
// one non-blocking socket.
#include "src/net/connection.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "src/net/system_error.hpp"

namespace duplex::net {

namespace {

// One read() asks for at most this much; the loop repeats while reads come back full, within
// the fairness budget.
constexpr std::size_t kReadChunk = 64 * 1024;

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
  }
  return "unknown";
}

std::shared_ptr<Connection> Connection::create(EventLoop& loop, Fd fd, ConnectionLimits limits) {
  return std::make_shared<Connection>(Private{}, loop, std::move(fd), limits);
}

Connection::Connection(Private, EventLoop& loop, Fd fd, ConnectionLimits limits)
    : loop_(loop),
      fd_(std::move(fd)),
      transport_(transport_for_new_connection()),
      limits_(limits),
      input_(&loop.buffer_pool()),
      output_(&loop.buffer_pool()),
      last_activity_(loop.now()) {
  int flags = fcntl(fd_.get(), F_GETFL);
  if (flags < 0 || fcntl(fd_.get(), F_SETFL, flags | O_NONBLOCK) < 0)
    throw_errno("fcntl O_NONBLOCK");
  if (limits_.low_water > limits_.high_water) limits_.low_water = limits_.high_water;
  if (limits_.max_read_per_wakeup == 0) limits_.max_read_per_wakeup = 1;
}

Connection::~Connection() {
  if (idle_timer_ != 0) loop_.cancel(idle_timer_);
  if (linger_timer_ != 0) loop_.cancel(linger_timer_);
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
  if (!output_.empty()) flush();
}

void Connection::on_events(std::uint32_t events) {
  // Whatever the callbacks below do, this object lives until the end of the function.
  auto self = shared_from_this();
  if (events & kSocketError) {
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &error, &length);
    abort_for(CloseReason::kError, error != 0 ? error : EIO);
    return;
  }
  if ((events & kWritable) && state_ != State::kClosed) {
    if (!flush()) return;
    if (output_.empty() && state_ == State::kOpen && on_drain_) on_drain_(*this);
    finish_close_if_done();
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
// answered together. A read() that returns fewer bytes than asked has emptied the socket's
// receive queue, so we stop there instead of asking again only to be told EAGAIN (that second
// read() would be a system call per wake-up for nothing). Bytes that arrive a moment later,
// and the peer's FIN, are not lost: epoll is level-triggered and reports the socket readable
// on the next round. The budget keeps one fast sender from starving the others, for the same
// reason. A short read injected by a FaultyTransport (lesson 13) takes this path too.
void Connection::handle_readable() {
  std::size_t total = 0;
  int error = 0;
  bool closing = state_ == State::kClosing;
  while (total < limits_.max_read_per_wakeup) {
    std::size_t want = std::min(kReadChunk, limits_.max_read_per_wakeup - total);
    std::span<char> space = input_.prepare(want);
    std::size_t size = std::min(space.size(), want);
    // @anchor lesson13-transport-branch
    // Faults are injected only when a transport is set: the usual path is one well-predicted
    // branch and the plain system call.
    ssize_t n = transport_ ? transport_->read(fd_.get(), space.data(), size)
                           : ::read(fd_.get(), space.data(), size);
    if (n > 0) {
      input_.commit(static_cast<std::size_t>(n));
      total += static_cast<std::size_t>(n);
      if (static_cast<std::size_t>(n) < size) break;
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
  auto self = shared_from_this();
  dispatching_ = true;
  while (state_ == State::kOpen && !input_.empty() && on_data_) {
    std::shared_ptr<DataHandler> handler = on_data_;
    (*handler)(*this, input_);
    // A handler that replaced itself (an HTTP -> WebSocket upgrade) passes the remaining
    // bytes to its successor now; they may already hold a whole frame.
    if (on_data_ == handler) break;
  }
  dispatching_ = false;
  if (state_ == State::kClosed) return;
  input_.release_if_empty();
  // @anchor lesson03-cork
  // Replies queued by send() during the handler leave here, in one write: ten pipelined
  // requests read together become one write of ten responses instead of ten small packets.
  if (!flush()) return;
  finish_close_if_done();
}

void Connection::send(std::string_view bytes) {
  if (state_ == State::kClosing || state_ == State::kClosed || bytes.empty()) return;
  output_.append(bytes);
  write_queued();
}

void Connection::send(Buffer& bytes) {
  if (state_ == State::kClosing || state_ == State::kClosed || bytes.empty()) {
    bytes.clear();
    return;
  }
  // A message built in its own buffer (a WebSocket frame, say) becomes the output as it is:
  // a swap of two pointers instead of a copy of every byte.
  if (output_.empty()) {
    output_.swap(bytes);
  } else {
    output_.append(bytes.view());
  }
  bytes.clear();
  write_queued();
}

void Connection::write_queued() {
  // Inside a handler, deliver() flushes once the handler returns. While EPOLLOUT is armed the
  // socket is known to be full: writing now would only fail with EAGAIN.
  if (state_ == State::kCreated || dispatching_) return;
  if (interest_ & kWritable) {
    update_interest();
  } else {
    flush();
  }
}

// Writes what the kernel takes now. Returns false if the connection died doing it.
bool Connection::flush() {
  while (!output_.empty()) {
    ssize_t n = transport_ ? transport_->send(fd_.get(), output_.data(), output_.size())
                           : ::send(fd_.get(), output_.data(), output_.size(), MSG_NOSIGNAL);
    if (n > 0) {
      output_.consume(static_cast<std::size_t>(n));
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
  update_interest();
  return true;
}

// @anchor lesson03-interest
// Which events the loop should report, recomputed after every change. EPOLLOUT only while
// output is pending: a socket is writable almost always, so a level-triggered watch on it
// would wake the loop on every round for nothing. Reading stops while the peer leaves more
// than high_water bytes of our replies unread (backpressure: its own requests then pile up
// in the kernel, its TCP window closes and its writes block), and resumes below low_water.
// The gap between the two marks keeps a connection from flapping on every byte.
void Connection::update_interest() {
  if (state_ == State::kClosed || state_ == State::kCreated) return;
  if (!paused_by_backpressure_ && output_.size() > limits_.high_water) {
    paused_by_backpressure_ = true;
  } else if (paused_by_backpressure_ && output_.size() <= limits_.low_water) {
    paused_by_backpressure_ = false;
  }
  std::uint32_t want = 0;
  if (state_ == State::kOpen && !paused_by_user_ && !paused_by_backpressure_) want |= kReadable;
  if (state_ == State::kClosing && write_shut_) want |= kReadable;
  if (!output_.empty()) want |= kWritable;
  if (want != interest_) {
    loop_.modify(fd_.get(), want);
    interest_ = want;
  }
}

ssize_t Connection::send_file(int file_fd, off_t* offset, std::size_t count) {
  if (!fd_) {
    errno = EBADF;
    return -1;
  }
  if (transport_) return transport_->sendfile(fd_.get(), file_fd, offset, count);
  return system_transport().sendfile(fd_.get(), file_fd, offset, count);
}

void Connection::close() {
  close_for(CloseReason::kClosedByUs);
}

void Connection::abort() {
  abort_for(CloseReason::kClosedByUs);
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
  if (state_ == State::kCreated) {
    abort_for(reason);
    return;
  }
  if (peer_closed_ && output_.empty() && !dispatching_) {
    abort_for(reason);  // both sides are done: nothing to flush, no FIN to wait for
    return;
  }
  auto self = shared_from_this();
  close_reason_ = reason;
  state_ = State::kClosing;
  if (idle_timer_ != 0) loop_.cancel(idle_timer_);
  idle_timer_ = 0;
  std::weak_ptr<Connection> weak = weak_from_this();
  linger_timer_ = loop_.run_after(limits_.linger_timeout, [weak] {
    if (auto connection = weak.lock()) {
      connection->linger_timer_ = 0;
      connection->abort_for(connection->close_reason_, connection->close_error_);
    }
  });
  if (dispatching_) return;  // deliver() flushes and finishes when the handler returns
  if (!flush()) return;
  finish_close_if_done();
}

void Connection::finish_close_if_done() {
  if (state_ != State::kClosing || !output_.empty()) return;
  if (!write_shut_) {
    ::shutdown(fd_.get(), SHUT_WR);
    write_shut_ = true;
  }
  if (peer_closed_) {
    abort_for(close_reason_, close_error_);
  } else {
    update_interest();
  }
}

void Connection::abort_for(CloseReason reason, int error_number) {
  if (state_ == State::kClosed) return;
  auto self = shared_from_this();
  if (state_ != State::kClosing) {
    close_reason_ = reason;
    close_error_ = error_number;
  }
  state_ = State::kClosed;
  if (idle_timer_ != 0) loop_.cancel(idle_timer_);
  if (linger_timer_ != 0) loop_.cancel(linger_timer_);
  idle_timer_ = linger_timer_ = 0;
  loop_.unwatch(fd_.get());
  fd_.reset();
  interest_ = 0;
  output_.clear();
  output_.release_if_empty();
  notify_closed();
}

void Connection::notify_closed() {
  CloseHandler on_close = std::move(on_close_);
  on_close_ = nullptr;
  if (on_close) on_close(*this, close_reason_, close_error_);
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
  if (idle_timer_ != 0) loop_.cancel(idle_timer_);
  idle_timer_ = 0;
  last_activity_ = loop_.now();
  if (state_ == State::kOpen && timeout.count() > 0) arm_idle_timer(timeout);
}

// @anchor lesson03-idle-timer
// One timer per connection, not one per byte: activity only moves last_activity_. When the
// timer fires it checks how long the connection has really been quiet and either closes it
// or sleeps again for the remainder. Re-arming on every read would cost a heap push each time.
void Connection::arm_idle_timer(std::chrono::milliseconds delay) {
  std::weak_ptr<Connection> weak = weak_from_this();
  idle_timer_ = loop_.run_after(delay, [weak] {
    if (auto self = weak.lock()) self->on_idle_timer();
  });
}

void Connection::on_idle_timer() {
  idle_timer_ = 0;
  if (state_ != State::kOpen || limits_.idle_timeout.count() <= 0) return;
  auto quiet = loop_.now() - last_activity_;
  if (quiet >= limits_.idle_timeout) {
    close_for(CloseReason::kIdleTimeout);
  } else {
    arm_idle_timer(std::chrono::ceil<std::chrono::milliseconds>(limits_.idle_timeout - quiet));
  }
}

}  // namespace duplex::net
