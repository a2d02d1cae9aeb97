// Transport (lesson 13): the real system calls, and the same calls with faults injected.
// @lesson 13
#include "src/net/transport.hpp"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <vector>

namespace duplex::net {

namespace {

std::atomic<std::uint64_t> total_short_calls{0};
std::atomic<std::uint64_t> total_eagains{0};
std::atomic<std::uint64_t> total_eintrs{0};
std::atomic<std::uint64_t> total_resets{0};

void bump(std::atomic<std::uint64_t>& counter) {
  counter.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

FaultCounts process_fault_counts() {
  return {total_short_calls.load(), total_eagains.load(), total_eintrs.load(), total_resets.load()};
}

ssize_t SystemTransport::read(int fd, void* data, std::size_t size) {
  return ::read(fd, data, size);
}

ssize_t SystemTransport::send(int fd, const void* data, std::size_t size) {
  return ::send(fd, data, size, MSG_NOSIGNAL);
}

ssize_t SystemTransport::send_message(int fd, const msghdr& message) {
  return ::sendmsg(fd, &message, MSG_NOSIGNAL);
}

ssize_t SystemTransport::sendfile(int socket_fd, int file_fd, off_t* offset, std::size_t count) {
  return ::sendfile(socket_fd, file_fd, offset, count);
}

SystemTransport& system_transport() {
  static SystemTransport transport;
  return transport;
}

FaultyTransport::FaultyTransport(FaultPlan plan) : plan_(plan), state_(plan.seed) {}

// splitmix64: tiny, fast, and every seed (0 included) gives a good sequence. The faults must
// be reproducible from the seed alone, so no std::random_device anywhere.
std::uint64_t FaultyTransport::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bool FaultyTransport::roll(unsigned percent) {
  return percent > 0 && next() % 100 < percent;
}

int FaultyTransport::injected_error() {
  if (roll(plan_.eagain_percent)) {
    ++eagains_;
    bump(total_eagains);
    return EAGAIN;
  }
  if (roll(plan_.eintr_percent)) {
    ++eintrs_;
    bump(total_eintrs);
    return EINTR;
  }
  return 0;
}

std::size_t FaultyTransport::shorten(std::size_t size, unsigned percent) {
  if (size <= 1 || !roll(percent)) return size;
  ++short_calls_;
  bump(total_short_calls);
  // Small counts are the interesting ones (a header split after one byte), so half of the
  // shortened calls move at most 8 bytes.
  std::size_t limit = (next() & 1) != 0 ? std::min<std::size_t>(size, 8) : size;
  return 1 + static_cast<std::size_t>(next() % limit);
}

// A write never crosses the reset point, so the reset comes exactly after that many bytes.
std::size_t FaultyTransport::until_reset(std::size_t size) const {
  if (!plan_.reset_after_written_bytes || size == 0) return size;
  std::uint64_t left = *plan_.reset_after_written_bytes - written_bytes_;
  return static_cast<std::size_t>(std::max<std::uint64_t>(1, std::min<std::uint64_t>(size, left)));
}

// In the same order for every call, so that one seed always gives the same faults: the reset
// once its byte count is reached (no randomness), then an injected EAGAIN or EINTR.
bool FaultyTransport::fails_before_call(const std::optional<std::uint64_t>& reset_after,
                                        std::uint64_t done) {
  if (reset_after && done >= *reset_after) {
    ++resets_;
    bump(total_resets);
    errno = ECONNRESET;
    return true;
  }
  if (int error = injected_error(); error != 0) {
    errno = error;
    return true;
  }
  return false;
}

// @anchor lesson13-fault-read
// A fault never loses or invents a byte: EAGAIN and EINTR return before the real call, a short
// read asks the kernel for fewer bytes and leaves the rest in the socket for the next call.
// Only the reset is destructive, and it is opt-in.
ssize_t FaultyTransport::read(int fd, void* data, std::size_t size) {
  if (fails_before_call(plan_.reset_after_read_bytes, read_bytes_)) return -1;
  std::size_t want = shorten(size, plan_.short_read_percent);
  if (plan_.reset_after_read_bytes) {
    want = std::min<std::uint64_t>(want, *plan_.reset_after_read_bytes - read_bytes_);
    want = std::max<std::size_t>(want, 1);
  }
  ssize_t n = ::read(fd, data, want);
  if (n > 0) read_bytes_ += static_cast<std::uint64_t>(n);
  return n;
}

ssize_t FaultyTransport::send(int fd, const void* data, std::size_t size) {
  if (fails_before_call(plan_.reset_after_written_bytes, written_bytes_)) return -1;
  ssize_t n = ::send(fd, data, until_reset(shorten(size, plan_.short_write_percent)), MSG_NOSIGNAL);
  if (n > 0) written_bytes_ += static_cast<std::uint64_t>(n);
  return n;
}

ssize_t FaultyTransport::sendfile(int socket_fd, int file_fd, off_t* offset, std::size_t count) {
  if (fails_before_call(plan_.reset_after_written_bytes, written_bytes_)) return -1;
  ssize_t n = ::sendfile(socket_fd, file_fd, offset,
                         until_reset(shorten(count, plan_.short_write_percent)));
  if (n > 0) written_bytes_ += static_cast<std::uint64_t>(n);
  return n;
}

ssize_t FaultyTransport::send_message(int fd, const msghdr& message) {
  if (fails_before_call(plan_.reset_after_written_bytes, written_bytes_)) return -1;
  std::size_t total = 0;
  for (std::size_t i = 0; i < message.msg_iovlen; ++i) total += message.msg_iov[i].iov_len;
  std::size_t want = until_reset(shorten(total, plan_.short_write_percent));
  std::vector<iovec> parts;
  for (std::size_t i = 0; i < message.msg_iovlen && want > 0; ++i) {
    std::size_t length = std::min(want, message.msg_iov[i].iov_len);
    parts.push_back({message.msg_iov[i].iov_base, length});
    want -= length;
  }
  msghdr shortened = message;
  shortened.msg_iov = parts.data();
  shortened.msg_iovlen = parts.size();
  ssize_t n = ::sendmsg(fd, &shortened, MSG_NOSIGNAL);
  if (n > 0) written_bytes_ += static_cast<std::uint64_t>(n);
  return n;
}

namespace {

std::optional<FaultPlan>& process_faults() {
  static std::optional<FaultPlan> plan;
  return plan;
}

std::atomic<std::uint64_t> connections_created{0};

}  // namespace

void set_process_fault_plan(std::optional<FaultPlan> plan) {
  process_faults() = plan;
}

std::optional<FaultPlan> process_fault_plan() {
  return process_faults();
}

std::unique_ptr<Transport> transport_for_new_connection() {
  std::optional<FaultPlan> plan = process_fault_plan();
  if (!plan) return nullptr;
  std::uint64_t number = connections_created.fetch_add(1, std::memory_order_relaxed);
  plan->seed ^= number * 0x9e3779b97f4a7c15ULL;
  return std::make_unique<FaultyTransport>(*plan);
}

}  // namespace duplex::net
