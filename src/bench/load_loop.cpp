// The shared parts of the closed-loop load modes (lesson 12). See load_loop.hpp.
// @lesson 12
#include "src/bench/load_loop.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "src/bench/system.hpp"

namespace duplex::bench {

MeasureWindow::MeasureWindow(std::uint64_t start_ns, double warmup_seconds, double seconds,
                             pid_t server_pid)
    : measure_from_(start_ns + static_cast<std::uint64_t>(warmup_seconds * 1e9)),
      measure_until_(measure_from_ + static_cast<std::uint64_t>(seconds * 1e9)),
      measured_from_(measure_from_),
      server_pid_(server_pid) {
  if (measure_from_ == start_ns) open(start_ns);
}

void MeasureWindow::open(std::uint64_t now) {
  measuring_ = true;
  measured_from_ = now;
  client_cpu_at_open_ = own_cpu_seconds();
  if (server_pid_ > 0) server_cpu_at_open_ = cpu_seconds(server_pid_);
}

bool MeasureWindow::keep_going(std::uint64_t now) {
  if (!measuring_ && now >= measure_from_) open(now);
  return now < measure_until_;
}

void MeasureWindow::record_cpu(Result& result) const {
  double seconds = elapsed(now_ns());
  if (!measuring_ || seconds <= 0) return;
  result.set("client_cpu", (own_cpu_seconds() - client_cpu_at_open_) / seconds);
  if (server_pid_ > 0)
    result.set("server_cpu", (cpu_seconds(server_pid_) - server_cpu_at_open_) / seconds);
}

double MeasureWindow::elapsed(std::uint64_t finished) const {
  return finished > measured_from_ ? static_cast<double>(finished - measured_from_) / 1e9 : 0;
}

void Outbox::flush(int fd, int epoll, std::uint64_t key, std::string& error) {
  while (offset < bytes.size()) {
    ssize_t sent = send(fd, bytes.data() + offset, bytes.size() - offset, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno != EAGAIN) error = std::string("send: ") + std::strerror(errno);
      break;
    }
    offset += static_cast<std::size_t>(sent);
  }
  if (offset == bytes.size()) {
    bytes.clear();
    offset = 0;
  }
  bool want = offset < bytes.size();
  if (want != want_write) {
    want_write = want;
    epoll_event event{};
    event.events = want ? EPOLLIN | EPOLLOUT : EPOLLIN;
    event.data.u64 = key;
    epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &event);
  }
}

}  // namespace duplex::bench
