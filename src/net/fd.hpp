// Fd: a move-only owner of one file descriptor (lesson 01).
//
// A descriptor is a small integer naming a kernel object. Closing it twice is a real bug: the
// number may already have been reused by another open(), and the second close() would close
// someone else's socket. Fd makes ownership explicit: exactly one Fd owns a number, moving
// transfers it, and the destructor closes it exactly once.
#pragma once

namespace duplex::net {

class Fd {
 public:
  Fd() noexcept = default;
  explicit Fd(int fd) noexcept;
  ~Fd();
  Fd(Fd&& other) noexcept;
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const noexcept;
  bool valid() const noexcept;
  explicit operator bool() const noexcept;
  // Gives up ownership without closing; returns the descriptor (or -1).
  int release() noexcept;
  // Closes the current descriptor (if any), then owns `fd`.
  void reset(int fd = -1) noexcept;

 private:
  int fd_ = -1;
};

}  // namespace duplex::net
