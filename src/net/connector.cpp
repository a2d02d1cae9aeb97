// Connector (lesson 15): socket(SOCK_NONBLOCK), connect -> EINPROGRESS, wait for writability,
// read SO_ERROR; a timer bounds the wait.
// @lesson 15
#include "src/net/connector.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "src/net/system_error.hpp"

namespace duplex::net {

const char* to_string(ConnectFailure failure) noexcept {
  switch (failure) {
    case ConnectFailure::kRefused:
      return "refused";
    case ConnectFailure::kTimedOut:
      return "timed out";
    case ConnectFailure::kUnreachable:
      return "unreachable";
    case ConnectFailure::kSystemError:
      return "system error";
  }
  return "unknown";
}

namespace {

ConnectFailure classify(int error_number) {
  switch (error_number) {
    case ECONNREFUSED:
      return ConnectFailure::kRefused;
    case ETIMEDOUT:
      return ConnectFailure::kTimedOut;
    case ENETUNREACH:
    case EHOSTUNREACH:
      return ConnectFailure::kUnreachable;
    default:
      return ConnectFailure::kSystemError;
  }
}

}  // namespace

Connector::Connector(EventLoop& loop) : loop_(loop), timer_(loop) {}

Connector::~Connector() {
  cancel();
}

void Connector::cancel() noexcept {
  stop_watching();
  timer_.cancel();
  fd_.reset();
  handler_ = nullptr;
}

void Connector::stop_watching() noexcept {
  if (watching_) loop_.unwatch(fd_.get());
  watching_ = false;
}

// @anchor lesson15-nonblocking-connect
// connect(2) on a non-blocking socket starts the handshake and returns EINPROGRESS; the socket
// becomes writable when the handshake ends either way, and SO_ERROR then holds its result (0 or
// the errno a blocking connect would have returned). On loopback connect() may also finish at
// once, or fail at once with ECONNREFUSED; those results are handed over from a zero-delay timer,
// so the handler never runs inside connect() (the caller may not be ready for it there).
void Connector::connect(const SocketAddress& address, ConnectOptions options, Handler handler) {
  cancel();
  address_ = address;
  options_ = options;
  handler_ = std::move(handler);
  fd_.reset(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd_) {
    int error = errno;
    timer_.start(std::chrono::milliseconds{0}, [this, error] { fail(classify(error), error); });
    return;
  }
  int result;
  do {
    result = ::connect(fd_.get(), address.get(), address.length());
  } while (result != 0 && errno == EINTR);
  if (result == 0) {
    timer_.start(std::chrono::milliseconds{0}, [this] { succeed(); });
    return;
  }
  if (errno != EINPROGRESS) {
    int error = errno;
    timer_.start(std::chrono::milliseconds{0}, [this, error] { fail(classify(error), error); });
    return;
  }
  loop_.watch(fd_.get(), kWritable, [this](std::uint32_t) { on_writable(); });
  watching_ = true;
  if (options_.timeout.count() > 0) {
    timer_.start(options_.timeout, [this] { fail(ConnectFailure::kTimedOut, 0); });
  }
}

void Connector::on_writable() {
  int error = 0;
  socklen_t length = sizeof error;
  if (::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  if (error == 0) {
    succeed();
  } else {
    fail(classify(error), error);
  }
}

// The handler may destroy this Connector or start another attempt: everything it needs is moved
// out first, and nothing here touches a member after it runs.
void Connector::fail(ConnectFailure failure, int error_number) {
  ConnectError error;
  error.failure = failure;
  error.error_number = error_number;
  error.message = "connect " + address_.to_string() + ": " + to_string(failure);
  if (error_number != 0) error.message += std::string(" (") + std::strerror(error_number) + ")";
  Handler handler = std::move(handler_);
  cancel();
  EventLoop& loop = loop_;
  try {
    handler(nullptr, &error);
  } catch (...) {
    loop.report_exception("connect handler");
  }
}

void Connector::succeed() {
  stop_watching();
  timer_.cancel();
  std::shared_ptr<Connection> connection;
  try {
    connection = Connection::create(loop_, std::move(fd_), options_.limits, Blocking::kNonBlocking);
    connection->start();
  } catch (const SystemError& error) {
    // epoll_ctl refused the new socket (out of memory, say): still exactly one answer.
    fail(ConnectFailure::kSystemError, error.error_number());
    return;
  }
  Handler handler = std::move(handler_);
  handler_ = nullptr;
  EventLoop& loop = loop_;
  try {
    handler(connection, nullptr);
  } catch (...) {
    loop.report_exception("connect handler");
    connection->abort_for(CloseReason::kApplicationError);
  }
}

}  // namespace duplex::net
