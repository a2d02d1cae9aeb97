// TcpServer (lesson 03): the accept loop, the connection limit and the EMFILE back-off.
// @lesson 03
#include "src/net/tcp_server.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>

#include "src/net/system_error.hpp"

namespace duplex::net {

TcpServer::TcpServer(EventLoop& loop, TcpListener listener, TcpServerLimits limits)
    : loop_(loop), listener_(std::move(listener)), limits_(limits) {
  address_ = listener_->local_address();
  int fd = listener_->fd().get();
  int flags = fcntl(fd, F_GETFL);
  // Non-blocking: the loop calls accept() until EAGAIN, which must not block when another
  // process sharing the socket (SO_REUSEPORT, a fork) took the last client first.
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) throw_errno("fcntl O_NONBLOCK");
}

TcpServer::~TcpServer() {
  if (backoff_timer_ != 0) loop_.cancel(backoff_timer_);
  if (listener_) loop_.unwatch(listener_->fd().get());
  auto connections = std::move(connections_);
  connections_.clear();
  // The server is going away, and the loop may never run another round: what this round queued
  // (a close frame telling a WebSocket client 1001, say) is written now, as far as the socket
  // takes it without waiting, and the close notifications are delivered here.
  for (auto& [raw, connection] : connections) {
    connection->on_released_ = nullptr;
    connection->flush_round();
    connection->abort_for(CloseReason::kShutdown);
    connection->notify_round();
  }
}

void TcpServer::start() {
  if (!listener_ || loop_.watching(listener_->fd().get())) return;
  loop_.watch(listener_->fd().get(), kReadable, [this](std::uint32_t) { on_acceptable(); });
}

// @anchor lesson03-accept-loop
// The listener is readable while clients wait in its accept queue. Accept them until EAGAIN
// (bounded per wake-up, for fairness with the clients already served). accept4 makes each new
// socket non-blocking and close-on-exec in the same system call, with no window in between.
void TcpServer::on_acceptable() {
  for (std::size_t i = 0; i < limits_.max_accepts_per_wakeup && listener_; ++i) {
    int fd = ::accept4(listener_->fd().get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      adopt(Fd(fd));
      continue;
    }
    int error = errno;
    if (error == EINTR || error == ECONNABORTED || error == EPROTO) continue;
    if (error == EAGAIN || error == EWOULDBLOCK) return;
    // EMFILE, ENFILE, ENOBUFS, ENOMEM: the client stays in the accept queue and the listener
    // stays readable, so level-triggered epoll would report it on every round and the loop
    // would spin at 100% CPU. Stop watching it for a while instead.
    pause_accepting();
    return;
  }
}

void TcpServer::adopt(Fd fd) {
#if DUPLEX_LESSON >= 12
  auto connection =
      Connection::create(loop_, std::move(fd), limits_.connection, Blocking::kNonBlocking);
#else
  auto connection = Connection::create(loop_, std::move(fd), limits_.connection);
#endif
  bool counted = accepted_ < limits_.max_connections;
  Connection* raw = connection.get();
  connections_.emplace(raw, connection);
  if (counted) ++accepted_;
  connection->on_released_ = [this, counted](Connection& closed) { released(closed, counted); };
  if (!counted && !on_reject_) {
    connection->abort_for(CloseReason::kShutdown);
    return;
  }
  // Started first, so the hooks may send() and close() at once; nothing is read before the
  // handlers they set are in place, because reading happens on a later round of the loop.
  connection->start();
  if (counted && on_connect_) {
    on_connect_(*connection);
  } else if (!counted) {
    on_reject_(*connection);
  }
}

// Runs from the connection's close notification, at the end of the loop's round.
void TcpServer::released(Connection& connection, bool counted) {
  // Destroyed later, when the last shared_ptr (the one the loop holds for the round) goes.
  connections_.erase(&connection);
  if (counted) --accepted_;
  if (backing_off_) resume_accepting();
  if (!listener_ && accepted_ == 0 && connections_.empty() && on_stopped_) {
    auto done = std::move(on_stopped_);
    on_stopped_ = nullptr;
    done();
  }
}

void TcpServer::pause_accepting() {
  if (backing_off_ || !listener_) return;
  backing_off_ = true;
  loop_.modify(listener_->fd().get(), 0);
  backoff_timer_ = loop_.run_after(limits_.accept_backoff, [this] {
    backoff_timer_ = 0;
    resume_accepting();
  });
}

void TcpServer::resume_accepting() {
  if (!backing_off_) return;
  backing_off_ = false;
  if (backoff_timer_ != 0) loop_.cancel(backoff_timer_);
  backoff_timer_ = 0;
  if (listener_) loop_.modify(listener_->fd().get(), kReadable);
}

void TcpServer::stop(std::function<void()> on_stopped) {
  if (backoff_timer_ != 0) loop_.cancel(backoff_timer_);
  backoff_timer_ = 0;
  backing_off_ = false;
  if (listener_) {
    loop_.unwatch(listener_->fd().get());
    listener_.reset();
  }
  on_stopped_ = std::move(on_stopped);
  std::vector<std::shared_ptr<Connection>> open;
  open.reserve(connections_.size());
  for (auto& [raw, connection] : connections_) open.push_back(connection);
  for (auto& connection : open) connection->close_for(CloseReason::kShutdown);
  if (connections_.empty() && on_stopped_) {
    auto done = std::move(on_stopped_);
    on_stopped_ = nullptr;
    done();
  }
}

}  // namespace duplex::net
