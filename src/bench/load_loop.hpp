// The pieces every closed-loop load mode shares (lesson 12): the measuring window, a ring of
// send times for the requests or messages in flight, and a per-connection outbox written with
// non-blocking send() under epoll.
//
// The echo and HTTP loads differ only in what they send and how they check an answer; these
// three parts are the same in both, so they live here once.
// @lesson 12
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "src/bench/result.hpp"

namespace duplex::bench {

// Warm-up, then `seconds` of measurement. The window opens at the first loop round after the
// warm-up (not at the planned instant), so a late round never counts time nothing was measured.
//
// It also says which side was the bottleneck: the CPU time this process (the load generator)
// and the server (`server_pid`, when known) spent inside the window, as a fraction of one core.
// A server at 1.0 is saturated; a client at 1.0 means the row measured the client.
class MeasureWindow {
 public:
  MeasureWindow(std::uint64_t start_ns, double warmup_seconds, double seconds,
                pid_t server_pid = 0);

  // Called once per loop round with the clock; opens the window when the warm-up is over.
  // Returns false once the measured time is over.
  bool keep_going(std::uint64_t now);
  bool measuring() const { return measuring_; }
  // Answers to requests sent before this instant are still counted, new ones are not sent.
  bool accepting_new_work(std::uint64_t now) const { return now < measure_until_; }
  // Seconds between the window's opening and `finished`.
  double elapsed(std::uint64_t finished) const;
  // Sets `client_cpu` and, with a server pid, `server_cpu` (cores busy, 0 to 1 per core) for
  // the window from its opening to now.
  void record_cpu(Result& result) const;

 private:
  void open(std::uint64_t now);

  std::uint64_t measure_from_;
  std::uint64_t measure_until_;
  std::uint64_t measured_from_;
  bool measuring_ = false;
  pid_t server_pid_;
  double client_cpu_at_open_ = 0;
  double server_cpu_at_open_ = 0;
};

// The send times of up to `capacity` requests or messages in flight, oldest first: answers
// come back in order on one connection, so the oldest is always the one answered.
class InFlight {
 public:
  explicit InFlight(std::size_t capacity = 1) : sent_at_(capacity == 0 ? 1 : capacity) {}
  void push(std::uint64_t now) {
    sent_at_[(head_ + count_) % sent_at_.size()] = now;
    ++count_;
  }
  // The send time of the oldest (count() must be > 0).
  std::uint64_t pop() {
    std::uint64_t sent = sent_at_[head_];
    head_ = (head_ + 1) % sent_at_.size();
    --count_;
    return sent;
  }
  std::size_t count() const { return count_; }

 private:
  std::vector<std::uint64_t> sent_at_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

// Bytes queued for one connection. flush() writes what the kernel takes and watches for
// EPOLLOUT only while some are left (a socket is writable almost always; lesson 03).
struct Outbox {
  std::string bytes;
  std::size_t offset = 0;
  bool want_write = false;

  // `key` is the connection's epoll data. A failed send sets `error` (EAGAIN is not a failure).
  void flush(int fd, int epoll, std::uint64_t key, std::string& error);
};

}  // namespace duplex::bench
